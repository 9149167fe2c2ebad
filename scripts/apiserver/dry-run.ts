/**
 * `kubectl apply --dry-run=server` of an environment's output against a real kube-apiserver
 * (./control-plane.ts): what a cluster would say about every object, before anyone applies it.
 *
 * What is created for real first, because a real cluster has it before the workloads come:
 * - the environment's Namespaces (the Pod Security labels are read from the stored namespace),
 * - its ServiceAccounts and each namespace's `default` ServiceAccount (the controller-manager
 *   makes that one; the ServiceAccount admission plugin refuses a Pod whose account is missing),
 * - for `operator/`, the prometheus-operator CRDs of imports/crds (waited for until Established).
 * Then every object of the folder's kustomization is applied with `dryRun=All` (created, or
 * updated if it exists, as `kubectl apply` does; strict field validation), and from every
 * workload's pod template a Pod is created with `dryRun=All`: PodSecurity only *warns* about a workload (and only at the namespace's `warn`
 * level); its `enforce` level is applied to the Pods the controllers make, which is where a
 * restricted namespace refuses them.
 */
import { readFileSync, readdirSync } from 'fs';
import { join } from 'path';
import { parse, parseAllDocuments } from 'yaml';
import { HOST_ACCESS_ANNOTATION } from '../../lib/k8s/security';
import { ApiAnswer, ApiClient, ObjectRef, failureMessage } from './client';

export interface K8sObject extends ObjectRef {
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Record<string, string>; readonly annotations?: Record<string, string> };
  readonly spec?: any;
  readonly [key: string]: unknown;
}

export interface LocatedObject {
  /** Path relative to the dist folder: `staging/prometheus.yaml`. */
  readonly file: string;
  readonly object: K8sObject;
}

export type Check = 'apply' | 'pod-from-template';

export interface DryRunResult {
  readonly file: string;
  /** `Kind/namespace/name` (`Kind/name` for cluster-scoped objects); for pods, the workload's. */
  readonly ref: string;
  readonly check: Check;
  readonly namespace?: string;
  readonly status: number;
  /** The server's message when it refused the object. */
  readonly error?: string;
  readonly warnings: readonly string[];
  /** The object checked (for pods: the Pod made from the template). */
  readonly object: K8sObject;
}

export function refOf(o: ObjectRef): string {
  return `${o.kind}/${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;
}

/** Reads a file of the output by its path relative to dist/ (`staging/kustomization.yaml`). */
export type OutputReader = (file: string) => string;

/** The files of a dist/ folder on disk. */
export function readDir(distDir: string): OutputReader {
  return (file) => readFileSync(join(distDir, file), 'utf8');
}

/** The files of an in-memory synth (lib/synth.ts `OutputFiles`). */
export function readMap(files: ReadonlyMap<string, string>): OutputReader {
  return (file) => {
    const content = files.get(file);
    if (content === undefined) throw new Error(`${file} is not in the output`);
    return content;
  };
}

/** The objects of one kustomization folder (`<env>` or `<env>/operator`), in its resource order. */
export function kustomizationObjects(read: OutputReader, folder: string): LocatedObject[] {
  const k = parse(read(`${folder}/kustomization.yaml`)) as { resources?: string[] };
  const out: LocatedObject[] = [];
  for (const res of k.resources ?? []) {
    const file = `${folder}/${res}`;
    for (const doc of parseAllDocuments(read(file))) {
      if (doc.errors.length) throw new Error(`${file}: ${doc.errors[0].message}`);
      const object = doc.toJS() as K8sObject | null;
      if (object) out.push({ file, object });
    }
  }
  return out;
}

/** The pod template of a workload (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob), if it is one. */
export function podTemplateOf(o: K8sObject): { metadata?: any; spec: any } | undefined {
  if (o.kind === 'CronJob') return o.spec?.jobTemplate?.spec?.template;
  if (['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'ReplicationController'].includes(o.kind)) return o.spec?.template;
  return undefined;
}

/**
 * The Pod a controller would create from a workload's template: the template's metadata and
 * spec; for a StatefulSet, the name of its first replica and, as the StatefulSet controller
 * adds them, a volume per volumeClaimTemplate (claim `<template>-<set>-0`). The controllers'
 * other additions (owner references, a DaemonSet's tolerations and node affinity) do not
 * change what admission decides.
 */
export function podFromTemplate(o: K8sObject): K8sObject | undefined {
  const t = podTemplateOf(o);
  if (!t) return undefined;
  const name = o.metadata.name;
  let spec = t.spec;
  if (o.kind === 'StatefulSet') {
    const existing = new Set(((spec.volumes ?? []) as { name: string }[]).map((v) => v.name));
    const claims = ((o.spec?.volumeClaimTemplates ?? []) as { metadata: { name: string } }[]).filter((c) => !existing.has(c.metadata.name));
    spec = { ...spec, volumes: [...(spec.volumes ?? []), ...claims.map((c) => ({ name: c.metadata.name, persistentVolumeClaim: { claimName: `${c.metadata.name}-${name}-0` } }))] };
  }
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { ...(t.metadata ?? {}), name: o.kind === 'StatefulSet' ? `${name}-0` : `${name}-${o.kind.toLowerCase()}`, namespace: o.metadata.namespace },
    spec,
  };
}

function result(file: string, ref: string, check: Check, object: K8sObject, a: ApiAnswer): DryRunResult {
  const ok = a.status >= 200 && a.status < 300;
  return { file, ref, check, namespace: object.metadata.namespace, status: a.status, error: ok ? undefined : failureMessage(a), warnings: a.warnings, object };
}

/**
 * Creates (for real) what a cluster has before the workloads: see the module comment. Throws on
 * a refusal. Returns a function that deletes the environment's own ServiceAccounts again, so
 * that the next environment's Pods do not find them: Namespaces stay (deleting one needs the
 * controller-manager), and the next environment's apply of the same Namespace, by the same
 * field manager, replaces their labels.
 */
export async function preparePrerequisites(client: ApiClient, objects: readonly LocatedObject[]): Promise<() => Promise<void>> {
  const namespaces = objects.filter((o) => o.object.apiVersion === 'v1' && o.object.kind === 'Namespace');
  const accounts = objects.filter((o) => o.object.apiVersion === 'v1' && o.object.kind === 'ServiceAccount').map((a) => a.object);
  const defaults: K8sObject[] = namespaces.map((n) => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: n.object.metadata.name } }));
  for (const o of [...namespaces.map((n) => n.object), ...accounts, ...defaults]) {
    const a = await client.apply(o, { dryRun: false });
    if (a.status >= 300) throw new Error(`creating ${refOf(o)} (a prerequisite of the dry run): ${failureMessage(a)}`);
  }
  return async () => {
    for (const o of accounts) {
      if (o.metadata.name === 'default') continue;
      const a = await client.delete(o);
      if (a.status >= 300 && a.status !== 404) throw new Error(`deleting ${refOf(o)}: ${failureMessage(a)}`);
    }
  };
}

/** Creates the CRDs of a folder of CRD files (for real) and waits until each is Established. */
export async function installCrds(client: ApiClient, crdDir: string, timeoutMs = 60_000): Promise<string[]> {
  const crds = readdirSync(crdDir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => parse(readFileSync(join(crdDir, f), 'utf8')) as K8sObject);
  for (const crd of crds) {
    const a = await client.apply(crd, { dryRun: false });
    if (a.status >= 300) throw new Error(`creating CRD ${crd.metadata.name}: ${failureMessage(a)}`);
  }
  const deadline = Date.now() + timeoutMs;
  for (const crd of crds) {
    for (;;) {
      const a = await client.get(crd);
      const conditions = (a.body?.status?.conditions ?? []) as { type: string; status: string }[];
      if (conditions.some((c) => c.type === 'Established' && c.status === 'True')) break;
      if (Date.now() > deadline) throw new Error(`CRD ${crd.metadata.name} not Established in ${timeoutMs / 1000} s: ${JSON.stringify(conditions)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return crds.map((c) => c.metadata.name);
}

/**
 * What `kubectl apply --dry-run=server` sends for each object: a create with `dryRun=All` if
 * the object does not exist, else an update (here a server-side apply) with `dryRun=All`. Then a
 * dry-run create of a Pod from every workload's template.
 *
 * Not server-side apply for new objects: it reports an unknown field or a wrong type as
 * "500 failed to create typed patch object", where a create says "400 strict decoding error:
 * unknown field ..." or "422 ... Invalid value", as users see it from `kubectl apply`.
 */
export async function dryRun(client: ApiClient, objects: readonly LocatedObject[]): Promise<DryRunResult[]> {
  const results: DryRunResult[] = [];
  for (const { file, object } of objects) {
    const exists = (await client.get(object)).status === 200;
    results.push(result(file, refOf(object), 'apply', object, exists ? await client.apply(object) : await client.create(object)));
  }
  for (const { file, object } of objects) {
    const pod = podFromTemplate(object);
    if (pod) results.push(result(file, refOf(object), 'pod-from-template', pod, await client.create(pod)));
  }
  return results;
}

/** One line per refusal and per warning, for a report or a failure message. */
export function describeResults(results: readonly DryRunResult[]): string[] {
  const lines: string[] = [];
  for (const r of results) {
    const what = `${r.file}: ${r.ref}${r.check === 'pod-from-template' ? ' (a Pod from its template)' : ''}`;
    if (r.error) lines.push(`ERROR ${what}: ${r.error}`);
    for (const w of r.warnings) lines.push(`WARNING ${what}: ${w}`);
  }
  return lines;
}

/** One failed check of a PodSecurity warning: `hostPort (container "x" uses hostPort 9100)`. */
export interface PodSecurityViolation {
  /** The check's name as pod-security-admission prints it: `host namespaces`, `privileged`, ... */
  readonly check: string;
  /** The text in parentheses after it. */
  readonly detail: string;
}

/**
 * `would violate PodSecurity "restricted:latest": a (x), b (y, "z")` -> the level and each
 * violation; undefined for any other warning.
 */
export function parsePodSecurityWarning(warning: string): { level: string; violations: PodSecurityViolation[] } | undefined {
  const m = /^would violate PodSecurity "([^"]+)": (.*)$/s.exec(warning);
  if (!m) return undefined;
  const violations: PodSecurityViolation[] = [];
  let depth = 0;
  let start = 0;
  const text = m[2];
  const push = (part: string): void => {
    const p = /^([^(]*?)\s*(?:\((.*)\))?$/s.exec(part.trim())!;
    violations.push({ check: p[1], detail: p[2] ?? '' });
  };
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')') depth--;
    else if (depth === 0 && text.startsWith(', ', i)) {
      push(text.slice(start, i));
      start = i + 2;
    }
  }
  push(text.slice(start));
  return { level: m[1], violations };
}

/**
 * Why a PodSecurity "restricted" violation of a pod with a declared host-access exception
 * (lib/k8s/security.ts: read-only host paths, host network or PID namespace, root) is one the
 * exception grants, or undefined if it is not:
 * - `host namespaces`: only hostNetwork and hostPID (an exception cannot ask for hostIPC);
 * - `hostPort`: only on a hostNetwork pod, where the API server sets each container port's
 *   hostPort to its containerPort;
 * - `restricted volume types`: only hostPath volumes;
 * - `runAsNonRoot != true`, `runAsUser=0`: the exception's runAsRoot.
 * Everything else (privileged, capabilities, privilege escalation, seccomp, ...) no exception
 * grants.
 */
export function grantedByHostAccess(v: PodSecurityViolation, podSpec: any): string | undefined {
  switch (v.check) {
    case 'host namespaces':
      return v.detail.split(', ').every((d) => d === 'hostNetwork=true' || d === 'hostPID=true') ? 'host network/PID namespace' : undefined;
    case 'hostPort':
      return podSpec?.hostNetwork === true ? 'host network (hostPort = containerPort)' : undefined;
    case 'restricted volume types':
      return /use restricted volume types? "hostPath"$/.test(v.detail) ? 'read-only host paths' : undefined;
    case 'runAsNonRoot != true':
    case 'runAsUser=0':
      return 'runs as root';
    default:
      return undefined;
  }
}

/** A warning that no declared exception explains, with the reason. */
export interface UnexplainedWarning {
  readonly result: DryRunResult;
  readonly warning: string;
  readonly why: string;
}

/**
 * The warnings that are not PodSecurity "restricted" violations granted by the workload's
 * declared host-access exception (`grantedByHostAccess`): any other warning (a deprecated API,
 * an unknown or duplicate field, a violation in a pod without an exception) is a finding.
 */
export function unexplainedWarnings(results: readonly DryRunResult[]): UnexplainedWarning[] {
  const out: UnexplainedWarning[] = [];
  for (const result of results) {
    const template = result.check === 'pod-from-template' ? { metadata: result.object.metadata, spec: result.object.spec } : podTemplateOf(result.object);
    const exception = template?.metadata?.annotations?.[HOST_ACCESS_ANNOTATION];
    for (const warning of result.warnings) {
      const ps = parsePodSecurityWarning(warning);
      if (!ps) out.push({ result, warning, why: 'not a PodSecurity warning' });
      else if (!exception) out.push({ result, warning, why: 'PodSecurity violation without a declared host-access exception' });
      else if (!ps.level.startsWith('restricted:')) out.push({ result, warning, why: `PodSecurity level ${ps.level}, not restricted` });
      else {
        for (const v of ps.violations) {
          if (!grantedByHostAccess(v, template?.spec)) out.push({ result, warning, why: `"${v.check} (${v.detail})" is not something a host-access exception grants` });
        }
      }
    }
  }
  return out;
}
