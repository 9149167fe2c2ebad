import { execFile, spawnSync } from 'child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { promisify } from 'util';
import { tmpdir } from 'os';
import { join } from 'path';
import { stringify } from 'yaml';
import { SimCluster } from './cluster-sim';
import type { Protocol } from './flows';
import { toolPath } from './tools';
import type { K8sObject } from './synth';

const execFileAsync = promisify(execFile);

/**
 * np-guard's netpol-analyzer (`k8snetpolicy list --exposure`) over the simulated cluster's
 * pods and a set of NetworkPolicies: which connections the policies allow, between pods
 * and to/from address ranges, and which peers that no pod of the cluster stands for
 * (a namespace or label selector, the whole cluster) a pod is exposed to.
 */

interface PortRange {
  readonly protocol: Protocol;
  readonly from: number;
  readonly to: number;
}

/** A set of connections as the analyzer prints it: `All Connections`, `TCP 443,6443,UDP 53`, `TCP 8080-8081`. */
export interface Connections {
  readonly all: boolean;
  readonly ranges: readonly PortRange[];
}

export function parseConnections(text: string): Connections {
  if (text === 'All Connections') return { all: true, ranges: [] };
  if (text === 'No Connections') return { all: false, ranges: [] };
  const ranges: PortRange[] = [];
  let protocol: Protocol | undefined;
  for (const token of text.split(',')) {
    let t = token.trim();
    const m = /^(TCP|UDP|SCTP)\s+(.*)$/.exec(t);
    if (m) {
      protocol = m[1] as Protocol;
      t = m[2];
    }
    if (!protocol) throw new Error(`cannot read connections "${text}"`);
    if (t === '') {
      ranges.push({ protocol, from: 1, to: 65535 });
      continue;
    }
    const r = /^(\d+)(?:-(\d+))?$/.exec(t);
    if (!r) throw new Error(`cannot read connections "${text}"`);
    ranges.push({ protocol, from: Number(r[1]), to: Number(r[2] ?? r[1]) });
  }
  return { all: false, ranges };
}

export function connectionsInclude(c: Connections, protocol: Protocol, port: number): boolean {
  return c.all || c.ranges.some((r) => r.protocol === protocol && port >= r.from && port <= r.to);
}

/** Every (protocol, port) a set of connections holds, as ranges (for reports). */
export function connectionsText(c: Connections): string {
  return c.all ? 'All Connections' : c.ranges.map((r) => `${r.protocol} ${r.from === r.to ? r.from : `${r.from}-${r.to}`}`).join(',');
}

export interface Connection {
  readonly src: string;
  readonly dst: string;
  readonly conn: Connections;
}

export interface AnalyzerResult {
  /** Allowed connections between pods and address ranges (`ns/name` for pods, `a.b.c.d-e.f.g.h` for ranges). */
  readonly connections: readonly Connection[];
  /** Pods reachable from peers no pod stands for (`src` is the analyzer's description of the peer). */
  readonly ingressExposure: readonly Connection[];
  readonly egressExposure: readonly Connection[];
}

const POD_NAME = /^(.+)\[Pod\]$/;

function node(name: string): string {
  return POD_NAME.exec(name)?.[1] ?? name;
}

function ipToInt(ip: string): number {
  return ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}

/** Whether an analyzer node (a pod `ns/name` or a range `a-b`) is the given pod id or holds the given address. */
export function nodeMatches(nodeName: string, target: { pod: string } | { ip: string }): boolean {
  if ('pod' in target) return nodeName === target.pod;
  const m = /^(\d+\.\d+\.\d+\.\d+)-(\d+\.\d+\.\d+\.\d+)$/.exec(nodeName);
  if (!m) return false;
  const n = ipToInt(target.ip);
  return n >= ipToInt(m[1]) && n <= ipToInt(m[2]);
}

export function allows(result: AnalyzerResult, from: string, to: { pod: string } | { ip: string }, protocol: Protocol, port: number): boolean {
  return result.connections.some((c) => c.src === from && nodeMatches(c.dst, to) && connectionsInclude(c.conn, protocol, port));
}

/** The analyzer's input: the cluster's pods and namespaces (the policies are written separately). */
export function clusterManifests(cluster: SimCluster): string {
  const docs: unknown[] = cluster.namespaces.map((name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'kubernetes.io/metadata.name': name } } }));
  for (const p of cluster.pods) {
    docs.push({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: p.name, namespace: p.namespace, labels: p.labels },
      spec: {
        hostNetwork: p.hostNetwork || undefined,
        nodeName: p.node.name,
        containers: (p.spec.containers ?? []).map((c: any) => ({ name: c.name, image: c.image ?? 'image', ports: c.ports })),
      },
      status: { podIP: p.ip, hostIP: p.node.ip, phase: 'Running' },
    });
  }
  return docs.map((d) => stringify(d)).join('---\n');
}

function readResult(stdout: string, stderr: string, status: number | null): AnalyzerResult {
  // Not --fail: in v1.4.4 it makes every --dirpath run fail to read the folder ("Error
  // getting resourceInfos from dir path: <nil>") and print empty results with status 0.
  // Instead, anything the analyzer reports (skipped objects, warnings) fails the check.
  if (status !== 0 || stderr.trim() !== '') throw new Error(`k8snetpolicy (status ${status}): ${stderr}${stdout.slice(0, 2000)}`);
  const json = JSON.parse(stdout) as any;
  if (!Array.isArray(json.connlist_results) || json.connlist_results.length === 0) throw new Error(`k8snetpolicy found no connections at all: ${stdout.slice(0, 2000)}`);
  const read = (list: any[] | undefined): Connection[] => (list ?? []).map((c) => ({ src: node(c.src), dst: node(c.dst), conn: parseConnections(c.conn) }));
  return {
    connections: read(json.connlist_results),
    ingressExposure: read(json.exposure_results?.ingress_exposure),
    egressExposure: read(json.exposure_results?.egress_exposure),
  };
}

const ARGS = (dir: string) => ['list', '--dirpath', dir, '--exposure', '-o', 'json'];

/** An analyzer workspace for one cluster: run it on sets of policies. */
export class NetpolAnalyzer {
  private readonly dir: string;
  private readonly manifests: string;
  private runs = 0;
  readonly binary = toolPath('k8snetpolicy');

  constructor(cluster: SimCluster) {
    this.dir = mkdtempSync(join(tmpdir(), 'netpol-'));
    this.manifests = clusterManifests(cluster);
  }

  private workspace(policies: readonly K8sObject[]): string {
    const dir = join(this.dir, String(this.runs++));
    mkdirSync(dir);
    writeFileSync(join(dir, 'cluster.yaml'), this.manifests);
    writeFileSync(join(dir, 'policies.yaml'), policies.map((p) => stringify(p)).join('---\n'));
    return dir;
  }

  run(policies: readonly K8sObject[]): AnalyzerResult {
    const dir = this.workspace(policies);
    const res = spawnSync(this.binary, ARGS(dir), { encoding: 'utf8', timeout: 120_000, maxBuffer: 64 * 1024 * 1024 });
    rmSync(dir, { recursive: true, force: true });
    if (res.error) throw res.error;
    return readResult(res.stdout, res.stderr, res.status);
  }

  /** Runs on many sets of policies, two analyzer processes at a time. */
  async runAll(sets: readonly (readonly K8sObject[])[]): Promise<AnalyzerResult[]> {
    const results: AnalyzerResult[] = new Array(sets.length);
    let next = 0;
    const worker = async () => {
      while (next < sets.length) {
        const i = next++;
        const dir = this.workspace(sets[i]);
        try {
          const { stdout, stderr } = await execFileAsync(this.binary, ARGS(dir), { encoding: 'utf8', timeout: 120_000, maxBuffer: 64 * 1024 * 1024 });
          results[i] = readResult(stdout, stderr, 0);
        } catch (e) {
          const err = e as { stdout?: string; stderr?: string; code?: number };
          if (err.code === undefined || typeof err.code !== 'number') throw e;
          results[i] = readResult(err.stdout ?? '', err.stderr ?? '', err.code);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }
    };
    await Promise.all([worker(), worker()]);
    return results;
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

