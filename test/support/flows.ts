import { parse } from 'yaml';
import { Destination, fileIn, hasApiToken, mountedTexts, podId, resolveAddress, Resolved, serviceByName, SimCluster, SimPod, stackPods, toServicePort } from './cluster-sim';
import { prometheusTargets } from './scrape-sim';

/**
 * The connections the stack needs, derived from what its programs are configured to do
 * in the simulated cluster, never from the NetworkPolicies:
 * - every Prometheus scrape target and Alertmanager (its prometheus.yml, discovery and
 *   relabelling simulated over the cluster's pods, Services and nodes);
 * - every in-cluster address a container is configured with (args, environment, mounted
 *   config files): Grafana's datasources, the collector's Loki, Thanos Query's StoreAPI
 *   endpoints, Alertmanager's cluster peers, ...;
 * - name resolution: every pod on the pod network to the cluster DNS (and the NodeLocal
 *   DNSCache addresses when configured);
 * - the API server from every pod that mounts a ServiceAccount token;
 * - outside services the configs name: Alertmanager's receivers, object storage, remote
 *   StoreAPI endpoints, Elasticsearch, the exporter's stats URL, remote write;
 * - scrapes by other Prometheus servers (`network.additionalScrapers`): the targets of the
 *   stack's PodMonitors and ServiceMonitors, as prometheus-operator selects them;
 * - the ingress controller (`network.ingressController`) to Grafana's Service.
 */

export type Protocol = 'TCP' | 'UDP' | 'SCTP';

export interface Flow {
  readonly from: SimPod;
  readonly to: Destination;
  readonly port: number;
  readonly protocol: Protocol;
  /** Why the stack needs it (the first reason found). */
  readonly why: string;
  /** Every reason found (one flow can be needed for several). */
  readonly reasons: readonly string[];
}

/**
 * A connection the stack needs from outside the cluster: another cluster of a fleet
 * reaching one of this cluster's load balancers, as the address its traffic comes from.
 */
export interface InboundFlow {
  readonly from: { readonly ip: string; readonly what: string };
  readonly to: { readonly pod: SimPod };
  readonly port: number;
  readonly protocol: Protocol;
  readonly why: string;
}

export function destinationId(d: Destination): string {
  return 'pod' in d ? podId(d.pod) : d.ip;
}

export function describeFlow(f: Flow): string {
  const to = 'pod' in f.to ? podId(f.to.pod) : `${f.to.ip} (${f.to.what})`;
  return `${podId(f.from)} -> ${to} ${f.protocol}/${f.port} [${f.why}]`;
}

function flowsTo(from: SimPod, resolved: readonly Resolved[], why: string): Flow[] {
  // A pod's connections to itself are never subject to NetworkPolicy.
  return resolved.filter((r) => !('pod' in r.to && r.to.pod === from)).map((r) => ({ from, to: r.to, port: r.port, protocol: r.protocol, why, reasons: [why] }));
}

/** The value of a `--flag=value` (or `-flag=value`) argument of a container. */
function argValue(container: any, flag: string): string | undefined {
  for (const a of (container.args ?? []) as string[]) {
    for (const prefix of [`--${flag}=`, `-${flag}=`]) if (a.startsWith(prefix)) return a.slice(prefix.length);
  }
  return undefined;
}

function argValues(container: any, flag: string): string[] {
  return ((container.args ?? []) as string[]).filter((a) => a.startsWith(`--${flag}=`)).map((a) => a.slice(flag.length + 3));
}

/** The file a container's `--<flag>=<path>` names, when it is a mounted ConfigMap. */
function configFile(cluster: SimCluster, pod: SimPod, container: any, flag: string): string | undefined {
  const path = argValue(container, flag);
  return path === undefined ? undefined : fileIn(cluster, pod, container, path);
}

const outside = (cluster: SimCluster, host: string, port: number, protocol: Protocol = 'TCP'): Resolved[] =>
  cluster.externalIps.map((ip) => ({ to: { ip, what: `outside: ${host}` }, port, protocol }));

/** In-cluster names resolve to pods; other hosts are outside (an address in `externalEgressCidrs`). */
function anywhere(cluster: SimCluster, host: string, port: number): Resolved[] {
  return resolveAddress(cluster, host, port) ?? outside(cluster, host, port);
}

function urlEndpoint(url: string): { host: string; port: number } {
  const u = new URL(url);
  return { host: u.hostname, port: u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80 };
}

// ---- Prometheus: scrapes and alerting.

// Every replica of a Prometheus has the same config: its targets are found once.
const targetsCache = new WeakMap<SimCluster, Map<string, ReturnType<typeof prometheusTargets>>>();

function targetsOf(cluster: SimCluster, configText: string): ReturnType<typeof prometheusTargets> {
  const byText = targetsCache.get(cluster) ?? new Map();
  targetsCache.set(cluster, byText);
  if (!byText.has(configText)) byText.set(configText, prometheusTargets(cluster, configText));
  return byText.get(configText)!;
}

async function prometheusFlows(cluster: SimCluster, pod: SimPod): Promise<Flow[]> {
  const out: Flow[] = [];
  for (const c of pod.spec.containers ?? []) {
    const text = configFile(cluster, pod, c, 'config.file');
    if (!text || !/^scrape_configs:/m.test(text)) continue;
    const { scrapes, alertmanagers } = await targetsOf(cluster, text);
    for (const t of scrapes) out.push(...flowsTo(pod, t.destinations, `scrape job ${t.job} (${t.address})`));
    for (const t of alertmanagers) out.push(...flowsTo(pod, t.destinations, `sends alerts (${t.address})`));
    for (const rw of (parse(text) as any).remote_write ?? []) {
      const e = urlEndpoint(rw.url);
      out.push(...flowsTo(pod, anywhere(cluster, e.host, e.port), `remote_write ${rw.url}`));
    }
  }
  return out;
}

// ---- In-cluster addresses written into a container's configuration.

const URL_RE = /\b(https?|grpc):\/\/([a-z0-9][a-z0-9.-]*)(?::(\d+))?/g;
const SRV_RE = /\bdnssrv(?:noa)?\+_([a-z0-9-]+)\._(tcp|udp)\.([a-z0-9][a-z0-9.-]*)/g;
const HOST_PORT_RE = /(?<![\w/.-])([a-z0-9][a-z0-9.-]*\.svc(?:\.cluster\.local)?):(\d+)/g;
const IN_CLUSTER = /\.svc(\.cluster\.local)?\.?$/;

function configuredAddressFlows(cluster: SimCluster, pod: SimPod): Flow[] {
  const out: Flow[] = [];
  for (const c of pod.spec.containers ?? []) {
    const texts = [...((c.args ?? []) as string[]), ...((c.env ?? []) as any[]).map((e) => e.value ?? ''), ...mountedTexts(cluster, pod, c)];
    for (const text of texts) {
      for (const m of text.matchAll(URL_RE)) {
        if (!IN_CLUSTER.test(m[2])) {
          // Another cluster's endpoint (a fleet's): its load balancer.
          const port = m[3] ? Number(m[3]) : m[1] === 'https' ? 443 : 80;
          if (cluster.remoteHosts.has(m[2])) out.push(...flowsTo(pod, resolveAddress(cluster, m[2], port)!, `${c.name} is configured with ${m[0]}`));
          continue;
        }
        const port = m[3] ? Number(m[3]) : m[1] === 'https' ? 443 : 80;
        out.push(...flowsTo(pod, resolveAddress(cluster, m[2], port)!, `${c.name} is configured with ${m[0]}`));
      }
      for (const m of text.matchAll(HOST_PORT_RE)) out.push(...flowsTo(pod, resolveAddress(cluster, m[1], Number(m[2]))!, `${c.name} is configured with ${m[0]}`));
      for (const m of text.matchAll(SRV_RE)) {
        const svcMatch = /^([a-z0-9-]+)\.([a-z0-9-]+)\.svc/.exec(m[3]);
        const svc = svcMatch && serviceByName(cluster, svcMatch[2], svcMatch[1]);
        const sp = svc?.ports.find((p) => p.name === m[1] && p.protocol === m[2].toUpperCase());
        if (!svc || !sp) throw new Error(`${podId(pod)}: ${m[0]} names no Service port`);
        out.push(...flowsTo(pod, toServicePort(cluster, svc, sp), `${c.name} is configured with ${m[0]}`));
      }
    }
  }
  return out;
}

// ---- Outside services named by the configs.

function alertmanagerReceiverFlows(cluster: SimCluster, pod: SimPod, text: string, container: string): Flow[] {
  const config = parse(text) as any;
  const out: Flow[] = [];
  const add = (host: string, port: number, what: string) => out.push(...flowsTo(pod, anywhere(cluster, host, port), `${container} ${what}`));
  const fromUrl = (url: string | undefined, fallback: string, what: string) => {
    const e = urlEndpoint(url ?? fallback);
    add(e.host, e.port, what);
  };
  const smarthost = (s: string) => {
    const [host, port] = s.split(':');
    add(host, Number(port), `sends e-mail through ${s}`);
  };
  for (const r of config.receivers ?? []) {
    for (const s of r.slack_configs ?? []) fromUrl(s.api_url ?? config.global?.slack_api_url, 'https://hooks.slack.com/', `receiver ${r.name} (Slack)`);
    for (const p of r.pagerduty_configs ?? []) fromUrl(p.url ?? config.global?.pagerduty_url, 'https://events.pagerduty.com/v2/enqueue', `receiver ${r.name} (PagerDuty)`);
    for (const w of r.webhook_configs ?? []) fromUrl(w.url, 'https://webhook.invalid/', `receiver ${r.name} (webhook)`);
    for (const e of r.email_configs ?? []) smarthost(e.smarthost ?? config.global?.smtp_smarthost);
    for (const kind of Object.keys(r).filter((k) => k.endsWith('_configs') && !['slack_configs', 'pagerduty_configs', 'webhook_configs', 'email_configs'].includes(k))) {
      throw new Error(`receiver ${r.name}: ${kind} is not modelled`);
    }
  }
  return out;
}

function objectStorageFlows(cluster: SimCluster, pod: SimPod, config: any, what: string): Flow[] {
  const type = String(config.type).toUpperCase();
  if (type === 'FILESYSTEM') return [];
  if (type === 'S3') {
    const c = config.config ?? {};
    const [host, port] = String(c.endpoint).split(':');
    return flowsTo(pod, anywhere(cluster, host, port ? Number(port) : c.insecure ? 80 : 443), `${what} (S3 ${c.endpoint})`);
  }
  if (type === 'GCS') return flowsTo(pod, outside(cluster, 'storage.googleapis.com', 443), `${what} (GCS)`);
  if (type === 'AZURE') return flowsTo(pod, outside(cluster, 'blob.core.windows.net', 443), `${what} (Azure)`);
  throw new Error(`object storage type ${type} is not modelled`);
}

function lokiStorageFlows(cluster: SimCluster, pod: SimPod, config: any): Flow[] {
  const stores = new Set<string>((config.schema_config?.configs ?? []).map((s: any) => s.object_store));
  const out: Flow[] = [];
  for (const store of stores) {
    if (store === 'filesystem') continue;
    if (store === 's3' || store === 'aws') {
      const aws = config.storage_config?.aws ?? {};
      const [host, port] = String(aws.endpoint ?? 's3.amazonaws.com').split(':');
      out.push(...flowsTo(pod, anywhere(cluster, host, port ? Number(port) : aws.insecure ? 80 : 443), `loki stores chunks in S3 (${aws.endpoint})`));
    } else if (store === 'gcs') out.push(...flowsTo(pod, outside(cluster, 'storage.googleapis.com', 443), 'loki stores chunks in GCS'));
    else if (store === 'azure') out.push(...flowsTo(pod, outside(cluster, 'blob.core.windows.net', 443), 'loki stores chunks in Azure'));
    else throw new Error(`Loki object store ${store} is not modelled`);
  }
  return out;
}

function fluentdFlows(cluster: SimCluster, pod: SimPod, text: string): Flow[] {
  const out: Flow[] = [];
  for (const block of text.matchAll(/<match [^>]*>([\s\S]*?)<\/match>/g)) {
    if (!/@type\s+elasticsearch/.test(block[1])) continue;
    const host = /^\s*host\s+"?([^"\s]+)"?/m.exec(block[1])?.[1];
    const port = /^\s*port\s+(\d+)/m.exec(block[1])?.[1];
    if (host && port) out.push(...flowsTo(pod, anywhere(cluster, host, Number(port)), `fluentd ships to Elasticsearch ${host}:${port}`));
  }
  return out;
}

function outsideServiceFlows(cluster: SimCluster, pod: SimPod): Flow[] {
  const out: Flow[] = [];
  for (const c of pod.spec.containers ?? []) {
    const main = configFile(cluster, pod, c, 'config.file');
    if (main && /^receivers:/m.test(main)) out.push(...alertmanagerReceiverFlows(cluster, pod, main, c.name));
    if (main && /^storage_config:/m.test(main)) out.push(...lokiStorageFlows(cluster, pod, parse(main)));
    const objstore = configFile(cluster, pod, c, 'objstore.config-file');
    if (objstore) out.push(...objectStorageFlows(cluster, pod, parse(objstore), `${c.name} uses the bucket`));
    const sdConfig = configFile(cluster, pod, c, 'endpoint.sd-config-file');
    for (const e of ((sdConfig ? parse(sdConfig) : {}) as { endpoints?: { address: string }[] }).endpoints ?? []) {
      const [host, port] = e.address.split(':');
      out.push(...flowsTo(pod, anywhere(cluster, host, Number(port)), `${c.name} queries StoreAPI ${e.address} (endpoint config)`));
    }
    for (const e of argValues(c, 'endpoint')) {
      if (/^dns(srv)?(noa)?\+/.test(e) || IN_CLUSTER.test(e.split(':')[0])) continue;
      const [host, port] = e.split(':');
      out.push(...flowsTo(pod, anywhere(cluster, host, Number(port)), `${c.name} queries StoreAPI ${e}`));
    }
    const stats = argValue(c, 'stats-url');
    if (stats) {
      const e = urlEndpoint(stats);
      out.push(...flowsTo(pod, anywhere(cluster, e.host, e.port), `${c.name} polls ${stats}`));
    }
    for (const text of mountedTexts(cluster, pod, c)) {
      if (/@type\s+elasticsearch/.test(text)) out.push(...fluentdFlows(cluster, pod, text));
      if (/^\[server\]$/m.test(text)) out.push(...grafanaIniFlows(cluster, pod, text, c.name));
    }
  }
  return out;
}

/** Grafana's own connections named in grafana.ini: its database server and the single sign-on endpoints. */
function grafanaIniFlows(cluster: SimCluster, pod: SimPod, text: string, container: string): Flow[] {
  const sections = new Map<string, Map<string, string>>();
  let current = '';
  for (const line of text.split('\n')) {
    const header = /^\[([^\]]+)\]\s*$/.exec(line);
    if (header) current = header[1];
    const kv = /^([a-z_]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (kv) sections.set(current, (sections.get(current) ?? new Map()).set(kv[1], kv[2]));
  }
  const out: Flow[] = [];
  const db = sections.get('database');
  if (db?.get('host') && db.get('type') !== 'sqlite3') {
    const [host, port] = db.get('host')!.split(':');
    if (!IN_CLUSTER.test(host)) out.push(...flowsTo(pod, anywhere(cluster, host, Number(port)), `${container} stores users and sessions in ${db.get('type')} ${db.get('host')}`));
  }
  const sso = sections.get('auth.generic_oauth');
  for (const key of ['token_url', 'api_url']) {
    const url = sso?.get(key);
    if (url) {
      const e = urlEndpoint(url);
      out.push(...flowsTo(pod, anywhere(cluster, e.host, e.port), `${container} signs users in through ${url}`));
    }
  }
  return out;
}

// ---- Cluster services every pod uses.

function dnsFlows(cluster: SimCluster, pod: SimPod): Flow[] {
  const policy = pod.spec.dnsPolicy ?? 'ClusterFirst';
  // A host-network pod with ClusterFirst resolves through the node's resolv.conf.
  const usesClusterDns = policy === 'ClusterFirstWithHostNet' || (policy === 'ClusterFirst' && !pod.hostNetwork);
  if (!usesClusterDns) return [];
  const dnsPods = cluster.pods.filter((p) => p.role === 'kube-dns');
  const nodeLocal = cluster.config.network.nodeLocalDnsCache?.addresses ?? [];
  const out: Flow[] = [];
  for (const protocol of ['UDP', 'TCP'] as const) {
    for (const p of dnsPods) out.push(...flowsTo(pod, [{ to: { pod: p }, port: 53, protocol }], 'resolves names (cluster DNS)'));
    for (const ip of nodeLocal) out.push(...flowsTo(pod, [{ to: { ip, what: 'NodeLocal DNSCache' }, port: 53, protocol }], 'resolves names (NodeLocal DNSCache)'));
  }
  return out;
}

function apiServerFlows(cluster: SimCluster, pod: SimPod): Flow[] {
  if (!hasApiToken(cluster, pod)) return [];
  return flowsTo(pod, cluster.apiServer.map((a) => ({ to: { ip: a.ip, what: 'API server' }, port: a.port, protocol: 'TCP' as const })), 'talks to the API server (mounts a ServiceAccount token)');
}

// ---- Other Prometheus servers scraping the operator/ monitors.

function monitorFlows(cluster: SimCluster): Flow[] {
  const scrapers = cluster.pods.filter((p) => p.role === 'additional-scraper');
  if (scrapers.length === 0) return [];
  const out: Flow[] = [];
  const selected = (sel: Record<string, string>, labels: Record<string, string>) => Object.entries(sel).every(([k, v]) => labels[k] === v);
  for (const m of cluster.objects) {
    const namespaces: string[] = m.spec?.namespaceSelector?.matchNames ?? [m.metadata.namespace];
    if (m.kind === 'PodMonitor') {
      // prometheus-operator keeps only the selected pods' containers that declare the named
      // port (the config reloader's PodMonitor selects every pod of the stack, and only the
      // Prometheus and Alertmanager pods run a reloader); a monitor with no target at all is
      // a mistake.
      let targets = 0;
      for (const pod of cluster.pods.filter((p) => namespaces.includes(p.namespace) && selected(m.spec.selector.matchLabels, p.labels))) {
        for (const ep of m.spec.podMetricsEndpoints) {
          // `port` names a container port; `portNumber` gives its number.
          const port = (pod.spec.containers as any[]).flatMap((c) => c.ports ?? []).find((p: any) => (ep.portNumber !== undefined ? p.containerPort === ep.portNumber : p.name === ep.port))?.containerPort;
          if (port === undefined) continue;
          targets += 1;
          for (const s of scrapers) out.push(...flowsTo(s, [{ to: pod.hostNetwork ? { ip: pod.ip, what: `node ${pod.node.name}` } : { pod }, port, protocol: 'TCP' }, ...(pod.hostNetwork ? [{ to: { pod }, port, protocol: 'TCP' as const }] : [])], `PodMonitor ${m.metadata.name}`));
        }
      }
      if (targets === 0) throw new Error(`PodMonitor ${m.metadata.name}: no selected pod declares the port it scrapes`);
    }
    if (m.kind === 'ServiceMonitor') {
      for (const svc of cluster.services.filter((s) => namespaces.includes(s.namespace) && selected(m.spec.selector.matchLabels, s.labels))) {
        for (const ep of m.spec.endpoints) {
          const sp = svc.ports.find((p) => p.name === ep.port);
          if (!sp) throw new Error(`ServiceMonitor ${m.metadata.name}: Service ${svc.name} has no port ${ep.port}`);
          for (const s of scrapers) out.push(...flowsTo(s, toServicePort(cluster, svc, sp), `ServiceMonitor ${m.metadata.name}`));
        }
      }
    }
  }
  return out;
}

// ---- The ingress controller (`network.ingressController`) proxies to Grafana's Service.

function ingressControllerFlows(cluster: SimCluster): Flow[] {
  const controllers = cluster.pods.filter((p) => p.role === 'ingress-controller');
  const grafana = cluster.services.filter((s) => !s.headless && s.selector?.['app.kubernetes.io/name'] === 'grafana');
  return controllers.flatMap((c) => grafana.flatMap((svc) => svc.ports.flatMap((sp) => flowsTo(c, toServicePort(cluster, svc, sp), `ingress controller proxies to Service ${svc.name}:${sp.port}`))));
}

/**
 * Every connection the stack needs in the simulated cluster, one per (from, to, protocol,
 * port) with all its reasons. Any other pod of the stack's namespaces (a bystander) only
 * resolves names: both namespaces deny everything else by default.
 */
export async function expectedFlows(cluster: SimCluster): Promise<Flow[]> {
  const all: Flow[] = [];
  for (const pod of stackPods(cluster)) {
    all.push(...(await prometheusFlows(cluster, pod)), ...configuredAddressFlows(cluster, pod), ...outsideServiceFlows(cluster, pod), ...dnsFlows(cluster, pod), ...apiServerFlows(cluster, pod));
  }
  for (const pod of cluster.pods.filter((p) => p.role === 'bystander' && cluster.stackNamespaces.includes(p.namespace))) all.push(...dnsFlows(cluster, pod));
  all.push(...monitorFlows(cluster), ...ingressControllerFlows(cluster));
  const byKey = new Map<string, Flow>();
  for (const f of all) {
    const key = `${podId(f.from)}|${destinationId(f.to)}|${f.protocol}|${f.port}`;
    const seen = byKey.get(key);
    byKey.set(key, seen ? { ...seen, reasons: seen.reasons.includes(f.why) ? seen.reasons : [...seen.reasons, f.why] } : f);
  }
  return [...byKey.values()];
}
