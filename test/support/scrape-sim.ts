import { execFile } from 'child_process';
import { writeFileSync } from 'fs';
import { promisify } from 'util';
import { parse } from 'yaml';
import { toYaml } from '../../lib/render/yaml';
import { endpointsOf, resolveAddress, Resolved, SimCluster, targetPortOn } from './cluster-sim';
import { ClusterFixture, EndpointSlice, replaceKubernetesSd } from './file-sd';
import { tempFiles, toolPath } from './tools';

const execFileAsync = promisify(execFile);

/**
 * What a Prometheus config connects to in a simulated cluster: its scrape targets and
 * Alertmanagers. Kubernetes discovery is emulated over the cluster's pods, Services and
 * nodes (test/support/file-sd.ts, the labels Prometheus's discovery gives), the real
 * promtool (`check service-discovery`) applies each job's relabelling, and the final
 * `__address__` is resolved to the pod, node or outside address it reaches.
 */

export interface SimTarget {
  /** The job (`scrape_configs[].job_name`) or `alertmanagers[i]`. */
  readonly job: string;
  readonly address: string;
  readonly destinations: readonly Resolved[];
}

/** The cluster as Kubernetes discovery sees it. */
export function discoveryFixture(cluster: SimCluster): ClusterFixture {
  const pods = cluster.pods.map((p) => {
    const [kind, name] = p.workload?.split('/') ?? [];
    return {
      metadata: {
        name: p.name,
        namespace: p.namespace,
        uid: `uid-${p.namespace}-${p.name}`,
        labels: p.labels,
        annotations: p.annotations,
        ownerReferences: kind ? [{ kind: kind === 'Deployment' ? 'ReplicaSet' : kind, name, controller: true }] : [],
      },
      spec: { nodeName: p.node.name, containers: (p.spec.containers ?? []).map((c: any) => ({ name: c.name, image: c.image ?? '', ports: c.ports })) },
      status: { phase: 'Running' as const, podIP: p.ip, hostIP: p.node.ip, conditions: [{ type: 'Ready', status: 'True' as const }] },
    };
  });
  const endpointSlices: EndpointSlice[] = [];
  for (const svc of cluster.services) {
    const metadata = (suffix: string) => ({ name: `${svc.name}-${suffix}`, namespace: svc.namespace, labels: { 'kubernetes.io/service-name': svc.name } });
    if (svc.manualEndpoints) {
      // One slice per port: the API server's addresses may listen on different ports.
      for (const port of [...new Set(svc.manualEndpoints.map((e) => e.port))]) {
        const eps = svc.manualEndpoints.filter((e) => e.port === port);
        endpointSlices.push({ metadata: metadata(String(port)), addressType: 'IPv4', endpoints: eps.map((e) => ({ addresses: [e.ip], conditions: { ready: true, serving: true, terminating: false } })), ports: [{ name: eps[0].portName, port, protocol: 'TCP' }] });
      }
      continue;
    }
    const backends = endpointsOf(cluster, svc);
    if (backends.length === 0) continue;
    endpointSlices.push({
      metadata: metadata('abcde'),
      addressType: 'IPv4',
      endpoints: backends.map((p) => ({
        addresses: [p.ip],
        conditions: { ready: true, serving: true, terminating: false },
        hostname: p.subdomain === svc.name ? p.name : undefined,
        nodeName: p.node.name,
        targetRef: { kind: 'Pod', name: p.name, namespace: p.namespace },
      })),
      ports: svc.ports.map((sp) => ({ name: sp.name, port: targetPortOn(backends[0], sp), protocol: sp.protocol })),
    });
  }
  return {
    pods,
    services: cluster.services.map((s) => ({ metadata: { name: s.name, namespace: s.namespace, labels: s.labels, annotations: s.annotations } })),
    endpointSlices,
    nodes: cluster.nodes.map((n) => ({
      metadata: { name: n.name, labels: n.labels },
      status: { addresses: [{ type: 'InternalIP', address: n.ip }, { type: 'Hostname', address: n.name }], daemonEndpoints: { kubeletEndpoint: { Port: 10250 } } },
    })),
  };
}

const ALERTING_JOB = 'alerting--alertmanagers-';

/**
 * Every scrape target and Alertmanager of a Prometheus config in the cluster. promtool
 * waits out its whole `--timeout` before printing (file discovery has answered long
 * before), so the jobs run side by side.
 */
export async function prometheusTargets(cluster: SimCluster, configText: string): Promise<{ scrapes: SimTarget[]; alertmanagers: SimTarget[] }> {
  const config = parse(configText) as any;
  // The Alertmanagers are discovered and relabelled like scrape targets: as pseudo jobs.
  const alertJobs = ((config.alerting?.alertmanagers ?? []) as any[]).map((am, i) => ({
    job_name: `${ALERTING_JOB}${i}`,
    scheme: am.scheme,
    ...(am.kubernetes_sd_configs ? { kubernetes_sd_configs: am.kubernetes_sd_configs } : {}),
    ...(am.static_configs ? { static_configs: am.static_configs } : {}),
    relabel_configs: am.relabel_configs ?? [],
  }));
  const { rule_files: _rules, alerting: _alerting, ...rest } = config;
  const withAlerting = { ...rest, scrape_configs: [...(config.scrape_configs ?? []), ...alertJobs] };
  const t = tempFiles({ 'sa/token': 'token\n', 'sa/ca.crt': '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n' });
  try {
    const { config: local } = replaceKubernetesSd(withAlerting, discoveryFixture(cluster), { dir: t.dir, rewritePaths: { '/var/run/secrets/kubernetes.io/serviceaccount/': t.path('sa/') } });
    writeFileSync(t.path('prometheus.yml'), toYaml(local));
    const jobs = (local.scrape_configs as any[]).map((j) => String(j.job_name));
    const outputs = await Promise.all(
      jobs.map(async (job) => {
        try {
          return (await execFileAsync(toolPath('promtool'), ['check', 'service-discovery', '--timeout=2s', 'prometheus.yml', job], { cwd: t.dir, maxBuffer: 64 * 1024 * 1024 })).stdout;
        } catch (e) {
          throw new Error(`promtool check service-discovery ${job}: ${(e as { stderr?: string }).stderr ?? String(e)}`);
        }
      }),
    );
    const scrapes: SimTarget[] = [];
    const alertmanagers: SimTarget[] = [];
    jobs.forEach((job, i) => {
      for (const r of JSON.parse(outputs[i]) as { labels: Record<string, string> }[]) {
        const labels = r.labels ?? {};
        if (!labels.__address__) continue; // dropped by relabelling
        const scheme = labels.__scheme__ ?? 'http';
        const m = /^(.*?)(?::(\d+))?$/.exec(labels.__address__)!;
        const port = m[2] ? Number(m[2]) : scheme === 'https' ? 443 : 80;
        const destinations = resolveAddress(cluster, m[1], port);
        if (destinations === undefined) throw new Error(`${job}: target ${labels.__address__} is outside the simulated cluster`);
        const alerting = job.startsWith(ALERTING_JOB);
        (alerting ? alertmanagers : scrapes).push({ job: alerting ? `alertmanagers[${job.slice(ALERTING_JOB.length)}]` : job, address: labels.__address__, destinations });
      }
    });
    return { scrapes, alertmanagers };
  } finally {
    t.cleanup();
  }
}
