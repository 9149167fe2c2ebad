import type { StackConfig } from '../lib/config';
import { synthesizeAll } from '../lib/synth';
import { EXTERNAL_DNS_ANNOTATION } from '../lib/fleet/expose';
import type { ResolvedFleetCluster } from '../lib/fleet/model';
import { addressIn, podId, simulateCluster, SimCluster, stackPods, toServicePort, WorldOptions } from './support/cluster-sim';
import { describeFlow, expectedFlows, Flow, InboundFlow } from './support/flows';
import { allows, connectionsInclude, NetpolAnalyzer, nodeMatches, parseConnections } from './support/netpol-analyzer';
import { policyProblems } from './support/netpol-check';
import { ENVIRONMENTS, K8sObject, objectsOf, Output, OUTPUTS } from './support/synth';

/**
 * The synthesized NetworkPolicies, checked as connections by np-guard's netpol-analyzer
 * (a real policy engine, built from its Go module at a pinned version) over a simulated
 * cluster of the stack's pods and what surrounds them (test/support/cluster-sim.ts). What
 * must be allowed is derived from what the stack is configured to do
 * (test/support/flows.ts): Prometheus's scrape config and Alertmanager discovery run over
 * the cluster, the in-cluster addresses in every container's config, DNS, the API server
 * for pods with a token, the outside services the configs name. Nothing of it reads the
 * policies.
 */

interface Analysis {
  readonly config: StackConfig;
  readonly cluster: SimCluster;
  readonly flows: Flow[];
  readonly policies: K8sObject[];
  readonly analyzer: NetpolAnalyzer;
}

const analyses: Analysis[] = [];

async function analysis(config: StackConfig, objects?: K8sObject[], world: WorldOptions = {}): Promise<Analysis> {
  const all = objects ?? objectsOf(config.environment, synthesizeAll([config])).map((o) => o.object);
  const cluster = simulateCluster(config, all, world);
  const a = { config, cluster, flows: await expectedFlows(cluster), policies: all.filter((o) => o.kind === 'NetworkPolicy'), analyzer: new NetpolAnalyzer(cluster) };
  analyses.push(a);
  return a;
}

afterAll(() => analyses.forEach((a) => a.analyzer.cleanup()));

function problems(a: Analysis, policies: K8sObject[] = a.policies): string[] {
  return policyProblems(a.cluster, a.flows, a.analyzer.run(policies));
}

const byWhy = (a: Analysis, re: RegExp) => a.flows.filter((f) => f.reasons.some((r) => re.test(r)));
const toId = (f: Flow) => ('pod' in f.to ? { pod: podId(f.to.pod) } : { ip: f.to.ip });

/** Every variant of the policies with one thing removed: a policy, a rule, a peer of a rule, a port of a rule. */
function mutations(policies: readonly K8sObject[]): { readonly what: string; readonly policies: K8sObject[] }[] {
  const out: { what: string; policies: K8sObject[] }[] = [];
  const clone = () => policies.map((p) => structuredClone(p));
  policies.forEach((p, i) => {
    const name = `${p.metadata.namespace}/${p.metadata.name}`;
    out.push({ what: `policy ${name}`, policies: clone().filter((_, j) => j !== i) });
    for (const dir of ['ingress', 'egress'] as const) {
      const peersKey = dir === 'ingress' ? 'from' : 'to';
      ((p.spec[dir] ?? []) as any[]).forEach((rule, r) => {
        const at = `${name} ${dir}[${r}]`;
        const variant = (edit: (rules: any[]) => void) => {
          const ps = clone();
          edit(ps[i].spec[dir]);
          return ps;
        };
        out.push({ what: `rule ${at}`, policies: variant((rules) => rules.splice(r, 1)) });
        const peers = (rule[peersKey] ?? []) as any[];
        if (peers.length > 1) peers.forEach((peer, k) => out.push({ what: `peer ${JSON.stringify(peer)} of ${at}`, policies: variant((rules) => rules[r][peersKey].splice(k, 1)) }));
        const ports = (rule.ports ?? []) as any[];
        if (ports.length > 1) ports.forEach((port, k) => out.push({ what: `port ${port.protocol}/${port.port} of ${at}`, policies: variant((rules) => rules[r].ports.splice(k, 1)) }));
      });
    }
  });
  return out;
}

test('the analyzer\'s connection sets are read as it prints them', () => {
  expect(parseConnections('All Connections')).toEqual({ all: true, ranges: [] });
  expect(parseConnections('TCP 443,6443,UDP 53')).toEqual({
    all: false,
    ranges: [
      { protocol: 'TCP', from: 443, to: 443 },
      { protocol: 'TCP', from: 6443, to: 6443 },
      { protocol: 'UDP', from: 53, to: 53 },
    ],
  });
  expect(parseConnections('TCP 8080-8081')).toEqual({ all: false, ranges: [{ protocol: 'TCP', from: 8080, to: 8081 }] });
  expect(() => parseConnections('ICMP')).toThrow('cannot read connections "ICMP"');
});

describe.each(ENVIRONMENTS.map((c) => [c.environment, c] as const))('NetworkPolicies of %s, checked by netpol-analyzer', (_env, config) => {
  let a: Analysis;
  beforeAll(async () => {
    a = await analysis(config, objectsOf(config.environment).map((o) => o.object));
  });

  test('the flows the stack needs are found in its configs (the check is not empty)', () => {
    const kinds: [string, RegExp][] = [
      ['Prometheus scrapes every component', /^scrape job kubernetes-pods/],
      ['Prometheus scrapes the kubelets', /^scrape job kubelet/],
      ['Prometheus sends alerts', /^sends alerts/],
      ['Grafana queries its datasources', /^grafana is configured with http:\/\/prometheus\./],
      ['the collector ships to Loki', /^alloy is configured with http:\/\/loki\./],
      ['Thanos Query reaches the sidecars and stores', /^thanos-query is configured with dnssrv\+_grpc/],
      ['every pod resolves names', /^resolves names \(cluster DNS\)/],
      ['pods with a token reach the API server', /^talks to the API server/],
      ['Alertmanager notifies its receivers', /^alertmanager receiver/],
    ];
    const missing = kinds.filter(([, re]) => byWhy(a, re).length === 0).map(([what]) => what);
    expect(missing).toEqual([]);
    // Every component with a scrape target is scraped by the stack's Prometheus (which, as
    // a single replica, scrapes only itself: no flow, a pod always reaches itself).
    const scrapes = byWhy(a, /^scrape job/);
    const scraped = new Set([...scrapes.map((f) => f.from.workload), ...scrapes.flatMap((f) => ('pod' in f.to && f.to.pod.workload ? [f.to.pod.workload] : []))]);
    const workloads = new Set(stackPods(a.cluster).filter((p) => p.annotations['prometheus.io/scrape'] === 'true').map((p) => p.workload!));
    expect([...workloads].filter((w) => !scraped.has(w))).toEqual([]);
  });

  test('every needed flow is allowed, and nothing else reaches the stack\'s pods', () => {
    expect(problems(a)).toEqual([]);
  });

  test('every port any scrape job targets on the stack\'s pods is admitted from the scraper', () => {
    const scrapes = byWhy(a, /^scrape job/).filter((f) => 'pod' in f.to && f.to.pod.workload);
    expect(scrapes.length).toBeGreaterThan(0);
    const result = a.analyzer.run(a.policies);
    expect(scrapes.filter((f) => !allows(result, podId(f.from), toId(f), f.protocol, f.port)).map(describeFlow)).toEqual([]);
  });

  test('a pod that is not the stack\'s reaches none of its pods, in its namespace or another', () => {
    const result = a.analyzer.run(a.policies);
    const stack = new Set(stackPods(a.cluster).map(podId));
    const bystanders = a.cluster.pods.filter((p) => p.role === 'bystander').map(podId);
    expect(bystanders).toEqual([`${config.namespace}/bystander`, `${config.namespace}-node-agents/bystander`, 'elsewhere/bystander']);
    expect(result.connections.filter((c) => bystanders.includes(c.src) && stack.has(c.dst))).toEqual([]);
  });

  test('the check catches a policy that admits too much: any source, or a selector no pod here matches', () => {
    const grafana = a.policies.findIndex((p) => p.metadata.name === 'grafana');
    const open = a.policies.map((p) => structuredClone(p));
    delete open[grafana].spec.ingress[0].from;
    expect(problems(a, open).filter((p) => p.startsWith('admitted but not needed: elsewhere/bystander -> '))).not.toEqual([]);
    const selector = a.policies.map((p) => structuredClone(p));
    selector[grafana].spec.ingress[0].from.push({ namespaceSelector: { matchLabels: { team: 'data' } } });
    expect(problems(a, selector)).toEqual([expect.stringMatching(/^exposed: monitoring\/grafana-0 <- \[namespace with \{team=data\}\]\/\[all pods\] TCP 3000$/), ...(config.grafana.replicas > 1 ? [expect.stringMatching(/^exposed: monitoring\/grafana-1 /)] : [])]);
  });

  test('removing any one policy, rule, peer or port makes the check fail', async () => {
    const variants = mutations(a.policies);
    expect(variants.length).toBeGreaterThan(a.policies.length * 2);
    const results = await a.analyzer.runAll(variants.map((m) => m.policies));
    const survivors = variants.filter((_, i) => policyProblems(a.cluster, a.flows, results[i]).length === 0).map((m) => m.what);
    expect(survivors).toEqual([]);
  }, 600_000);
});

describe('outside services named by the config, in the cluster or not, on the ports the config names', () => {
  const production = ENVIRONMENTS.find((c) => c.environment === 'production')!;

  test('an in-cluster MinIO, Elasticsearch and stats endpoint, an SMTP relay and a remote StoreAPI on their own ports', async () => {
    const minio = { backend: 's3' as const, bucket: 'metrics', endpoint: 'minio.storage.svc:9000', region: 'us-east-1', credentialsSecret: { name: 'minio' } };
    const config: StackConfig = {
      ...production,
      thanos: { ...production.thanos, objectStorage: minio, query: { ...production.thanos.query, extraEndpoints: ['thanos-query.eu-2.example.com:10905'] } },
      loki: { ...production.loki, objectStorage: { ...minio, bucket: 'logs' } },
      alertmanager: { ...production.alertmanager, email: { ...production.alertmanager.email!, smarthost: 'smtp.example.com:2525' } },
      logCollector: { ...production.logCollector, kind: 'fluentd', elasticsearch: { url: 'https://elasticsearch.logging.svc:9200', credentialsSecret: { name: 'elasticsearch-credentials' } } },
      exporter: { ...production.exporter, source: 'stats', statsUrl: 'http://checkout.shop.svc:8081/stats', statsMapping: { fields: [{ path: 'orders.total', metric: 'app_orders_total' }] } },
    };
    const a = await analysis(config, undefined, {
      services: [
        { namespace: 'storage', name: 'minio', port: 9000 },
        { namespace: 'logging', name: 'elasticsearch', port: 9200 },
        { namespace: 'shop', name: 'checkout', port: 8081 },
      ],
    });
    const named = (re: RegExp) => byWhy(a, re).map((f) => `${f.from.workload} -> ${'pod' in f.to ? podId(f.to.pod) : f.to.what}:${f.port}`);
    expect(new Set(named(/uses the bucket|stores chunks/))).toEqual(
      new Set(['StatefulSet/prometheus', 'StatefulSet/thanos-store', 'StatefulSet/thanos-compact', 'StatefulSet/loki'].map((w) => `${w} -> storage/minio-0:9000`)),
    );
    // The webhook's URL is in the Secret (url_file): HTTPS outside the cluster is assumed (tested below).
    expect(new Set(named(/sends e-mail/))).toEqual(new Set(['StatefulSet/alertmanager -> outside: smtp.example.com:2525']));
    expect(new Set(named(/Elasticsearch/))).toEqual(new Set(['DaemonSet/fluentd -> logging/elasticsearch-0:9200']));
    expect(new Set(named(/StoreAPI/))).toEqual(new Set(['Deployment/thanos-query -> outside: thanos-query.eu-2.example.com:10905']));
    expect(new Set(named(/polls/))).toEqual(new Set(['Deployment/app-exporter -> shop/checkout-0:8081']));
    expect(problems(a)).toEqual([]);
  });
});

describe('issue 15', () => {
  const production = ENVIRONMENTS.find((c) => c.environment === 'production')!;
  const staging = ENVIRONMENTS.find((c) => c.environment === 'staging')!;

  test('item 2: each Prometheus replica scrapes the other\'s Thanos sidecar (HTTP 10902)', async () => {
    const a = await analysis(production, objectsOf('production').map((o) => o.object));
    const sidecar = byWhy(a, /^scrape job thanos-sidecar/).filter((f) => 'pod' in f.to && f.to.pod !== f.from);
    expect(sidecar.map((f) => `${podId(f.from)} -> ${'pod' in f.to ? podId(f.to.pod) : ''}:${f.port}`)).toEqual(['monitoring/prometheus-0 -> monitoring/prometheus-1:10902', 'monitoring/prometheus-1 -> monitoring/prometheus-0:10902']);
    const result = a.analyzer.run(a.policies);
    expect(sidecar.filter((f) => !allows(result, podId(f.from), toId(f), f.protocol, f.port)).map(describeFlow)).toEqual([]);
  });

  describe('item 4: the API server', () => {
    test('by default, TCP 443 and 6443 to it wherever it is: on a control-plane node or a managed endpoint', async () => {
      const a = await analysis(staging, objectsOf('staging').map((o) => o.object));
      expect(a.cluster.apiServer).toEqual([
        { ip: '10.240.0.2', port: 6443 },
        { ip: '192.0.2.10', port: 443 },
      ]);
      const api = byWhy(a, /^talks to the API server/);
      // Prometheus, kube-state-metrics, and the collector on each of two nodes, to each address.
      expect(new Set(api.map((f) => f.from.workload))).toEqual(new Set(['StatefulSet/prometheus', 'Deployment/kube-state-metrics', 'DaemonSet/alloy']));
      const result = a.analyzer.run(a.policies);
      expect(api.filter((f) => !allows(result, podId(f.from), toId(f), f.protocol, f.port)).map(describeFlow)).toEqual([]);
    });

    test('narrowed to the endpoint addresses when the config gives them, and nowhere else', async () => {
      const config: StackConfig = { ...staging, network: { ...staging.network, apiServerEndpointCidrs: ['172.18.0.2/32'] } };
      const a = await analysis(config);
      expect(a.cluster.apiServer).toEqual([
        { ip: '172.18.0.2', port: 443 },
        { ip: '172.18.0.2', port: 6443 },
      ]);
      expect(problems(a)).toEqual([]);
      const result = a.analyzer.run(a.policies);
      const ksm = stackPods(a.cluster).find((p) => p.workload === 'Deployment/kube-state-metrics')!;
      expect(allows(result, podId(ksm), { ip: '172.18.0.2' }, 'TCP', 6443)).toBe(true);
      expect(allows(result, podId(ksm), { ip: '172.18.0.3' }, 'TCP', 6443)).toBe(false);
      expect(allows(result, podId(ksm), { ip: '192.0.2.10' }, 'TCP', 443)).toBe(false);
    });
  });

  test('item 7: an operator-managed Prometheus named in the config scrapes every PodMonitor target, and reaches nothing else', async () => {
    const config: StackConfig = {
      ...production,
      network: { ...production.network, additionalScrapers: [{ namespace: 'observability', podLabels: { 'app.kubernetes.io/name': 'prometheus', 'operator.prometheus.io/name': 'k8s' } }] },
    };
    const a = await analysis(config);
    const monitored = byWhy(a, /^PodMonitor /);
    // One per PodMonitor target: every component's metrics port.
    expect(new Set(monitored.map((f) => f.why.split(' ')[1]))).toEqual(new Set(a.cluster.objects.filter((o) => o.kind === 'PodMonitor').map((o) => o.metadata.name)));
    expect(problems(a)).toEqual([]);
    // Not the Thanos sidecar's gRPC, Alertmanager's cluster port or anything but metrics.
    const result = a.analyzer.run(a.policies);
    const other = a.cluster.pods.find((p) => p.role === 'additional-scraper')!;
    const prometheus = stackPods(a.cluster).find((p) => p.workload === 'StatefulSet/prometheus')!;
    const alertmanager = stackPods(a.cluster).find((p) => p.workload === 'StatefulSet/alertmanager')!;
    expect(allows(result, podId(other), { pod: podId(prometheus) }, 'TCP', 9090)).toBe(true);
    expect(allows(result, podId(other), { pod: podId(prometheus) }, 'TCP', 10901)).toBe(false);
    expect(allows(result, podId(other), { pod: podId(alertmanager) }, 'TCP', 9094)).toBe(false);
  });

  describe('item 14: NodeLocal DNSCache', () => {
    test('with network.nodeLocalDnsCache, every pod resolves through its addresses (UDP and TCP 53)', async () => {
      const config: StackConfig = { ...production, network: { ...production.network, nodeLocalDnsCache: { addresses: ['169.254.20.10', '10.96.0.10'] } } };
      const a = await analysis(config);
      const nodeLocal = byWhy(a, /NodeLocal DNSCache/);
      // Every pod of the stack's namespaces on the pod network, both protocols, both addresses.
      const pods = a.cluster.pods.filter((p) => a.cluster.stackNamespaces.includes(p.namespace) && !p.hostNetwork);
      expect(pods.length).toBeGreaterThan(10);
      expect(nodeLocal).toHaveLength(pods.length * 4);
      expect(problems(a)).toEqual([]);
    });

    test('without it, DNS goes to the cluster DNS pods only', async () => {
      const a = await analysis(production, objectsOf('production').map((o) => o.object));
      const result = a.analyzer.run(a.policies);
      const grafana = stackPods(a.cluster).find((p) => p.workload === 'Deployment/grafana')!;
      expect(allows(result, podId(grafana), { ip: '169.254.20.10' }, 'UDP', 53)).toBe(false);
      const dns = a.cluster.pods.find((p) => p.role === 'kube-dns')!;
      expect(allows(result, podId(grafana), { pod: podId(dns) }, 'UDP', 53)).toBe(true);
    });
  });
});

/**
 * A fleet: each cluster's policies checked like an environment's, plus the flows between the
 * clusters, derived from the clusters' configs as well. A host name of another cluster's
 * endpoint (in an Alertmanager target, the collector's Loki URL, the observer's endpoint
 * config) resolves to an address in that cluster's `loadBalancerCidrs`; on the other side the
 * connection arrives from an address in the sending cluster's `egressCidrs`, at the pods of
 * the LoadBalancer Service whose external-dns annotation names that host.
 */
describe('the fleet: every cluster\'s NetworkPolicies, with the flows between the clusters', () => {
  const outputs = OUTPUTS.filter((o): o is Output & { fleet: NonNullable<Output['fleet']> } => o.fleet !== undefined);
  const endpointHosts = (c: ResolvedFleetCluster) => [...(c.storeApi ? [c.storeApi.host] : []), ...c.alertmanagers.map((e) => e.host), ...(c.loki ? [c.loki.host] : [])];
  // Each endpoint has its own load balancer: its own address in the cluster's load balancer range.
  const nth = (cidr: string, i: number) => {
    const [base] = cidr.split('/');
    const n = base.split('.').reduce((x, o) => x * 256 + Number(o), 0) + 1 + i;
    return [24, 16, 8, 0].map((b) => Math.floor(n / 2 ** b) % 256).join('.');
  };
  const hostAddress = new Map(outputs.flatMap((o) => endpointHosts(o.fleet.self).map((h, i) => [h, { cluster: o.fleet.self.name, ip: nth(o.fleet.self.loadBalancerCidrs[0], i) }] as const)));
  interface FleetAnalysis extends Analysis {
    readonly inbound: InboundFlow[];
  }
  const fleet = new Map<string, FleetAnalysis>();

  beforeAll(async () => {
    const sims = new Map<string, { o: (typeof outputs)[number]; cluster: SimCluster; flows: Flow[]; policies: K8sObject[] }>();
    for (const o of outputs) {
      const objects = objectsOf(o.dir).map((x) => x.object);
      const remoteHosts = Object.fromEntries([...hostAddress].filter(([, v]) => v.cluster !== o.fleet.self.name).map(([h, v]) => [h, v.ip]));
      const cluster = simulateCluster(o.config, objects, { remoteHosts });
      sims.set(o.fleet.self.name, { o, cluster, flows: await expectedFlows(cluster), policies: objects.filter((x) => x.kind === 'NetworkPolicy') });
    }
    for (const [name, sim] of sims) {
      const inbound: InboundFlow[] = [];
      for (const [otherName, other] of sims) {
        if (otherName === name) continue;
        for (const f of other.flows) {
          const host = 'ip' in f.to ? /^another cluster: (.+)$/.exec(f.to.what)?.[1] : undefined;
          if (!host || hostAddress.get(host)?.cluster !== name) continue;
          const svc = sim.cluster.services.find((x) => x.annotations[EXTERNAL_DNS_ANNOTATION] === host);
          if (!svc) throw new Error(`${name}: no LoadBalancer Service for ${host}`);
          const sp = svc.ports.find((p) => p.port === f.port);
          if (!sp) throw new Error(`${name}: Service ${svc.name} has no port ${f.port} (${describeFlow(f)})`);
          for (const cidr of other.o.fleet.self.egressCidrs) {
            for (const r of toServicePort(sim.cluster, svc, sp)) {
              if (!('pod' in r.to)) continue;
              inbound.push({ from: { ip: addressIn(cidr), what: `cluster ${otherName}: ${podId(f.from)}` }, to: { pod: r.to.pod }, port: r.port, protocol: r.protocol, why: `${otherName}: ${f.why}` });
            }
          }
        }
      }
      const a: FleetAnalysis = { config: sim.o.config, cluster: sim.cluster, flows: sim.flows, policies: sim.policies, analyzer: new NetpolAnalyzer(sim.cluster), inbound };
      analyses.push(a);
      fleet.set(name, a);
    }
  }, 600_000);

  const cross = (a: FleetAnalysis) => [
    ...a.flows.filter((f) => 'ip' in f.to && f.to.what.startsWith('another cluster: ')).map((f) => `${f.from.workload} -> ${(f.to as { what: string }).what.slice('another cluster: '.length)}:${f.port}`),
  ];

  test('the flows between the clusters are found in their configs: alerts and logs to the observer, the observer\'s queries to each gateway', () => {
    expect(new Set(cross(fleet.get('workload-a')!))).toEqual(
      new Set([
        'StatefulSet/prometheus -> alertmanager-0.observer.example.com:9093',
        'StatefulSet/prometheus -> alertmanager-1.observer.example.com:9093',
        'StatefulSet/prometheus -> alertmanager-2.observer.example.com:9093',
        'DaemonSet/alloy -> loki.observer.example.com:3100',
      ]),
    );
    expect(new Set(cross(fleet.get('observer')!))).toEqual(new Set(['Deployment/thanos-query -> thanos.workload-a.example.com:10901', 'Deployment/thanos-query -> thanos.workload-b.example.com:10901']));
    const inbound = (name: string) => new Set(fleet.get(name)!.inbound.map((f) => `${f.from.ip} -> ${podId(f.to.pod)}:${f.port}`));
    // The observer: every Alertmanager replica and Loki, from each workload cluster's egress address.
    expect(inbound('observer')).toEqual(
      new Set(
        ['198.51.100.17', '198.51.100.33'].flatMap((ip) => [
          `${ip} -> monitoring/alertmanager-0:9093`,
          `${ip} -> monitoring/alertmanager-1:9093`,
          `${ip} -> monitoring/alertmanager-2:9093`,
          `${ip} -> monitoring/loki-0:3100`,
        ]),
      ),
    );
    // A workload cluster: its gateway's replicas, from the observer's egress address.
    expect(inbound('workload-a')).toEqual(new Set(['198.51.100.1 -> monitoring/thanos-query-0:10901', '198.51.100.1 -> monitoring/thanos-query-1:10901']));
  });

  test.each(['observer', 'workload-a', 'workload-b'])('%s: every needed flow, in the cluster and across, is allowed, and nothing else reaches the stack\'s pods', (name) => {
    const a = fleet.get(name)!;
    expect(policyProblems(a.cluster, a.flows, a.analyzer.run(a.policies), a.inbound)).toEqual([]);
  });

  test('an address outside the fleet\'s reaches no fleet port; another workload cluster does not reach a gateway', () => {
    const reaches = (name: string, ip: string, pod: string, port: number) =>
      fleet.get(name)!.analyzer.run(fleet.get(name)!.policies).connections.some((c) => nodeMatches(c.src, { ip }) && c.dst === pod && connectionsInclude(c.conn, 'TCP', port));
    expect(reaches('observer', '198.51.100.17', 'monitoring/alertmanager-0', 9093)).toBe(true);
    expect(reaches('observer', '192.0.2.200', 'monitoring/alertmanager-0', 9093)).toBe(false);
    expect(reaches('observer', '198.51.100.17', 'monitoring/alertmanager-0', 9094)).toBe(false);
    expect(reaches('observer', '198.51.100.17', 'monitoring/grafana-0', 3000)).toBe(false);
    expect(reaches('workload-a', '198.51.100.1', 'monitoring/thanos-query-0', 10901)).toBe(true);
    expect(reaches('workload-a', '198.51.100.33', 'monitoring/thanos-query-0', 10901)).toBe(false);
    expect(reaches('workload-a', '198.51.100.1', 'monitoring/prometheus-0', 10901)).toBe(false);
  });

  test('the check sees a cross-cluster rule go: without the observer\'s addresses, the gateway refuses its queries', () => {
    const a = fleet.get('workload-a')!;
    const policies = a.policies.map((p) => structuredClone(p));
    const query = policies.find((p) => p.metadata.name === 'thanos-query')!;
    query.spec.ingress = query.spec.ingress.filter((r: { from?: { ipBlock?: unknown }[] }) => !(r.from ?? []).some((peer) => peer.ipBlock));
    expect(policyProblems(a.cluster, a.flows, a.analyzer.run(policies), a.inbound)).toEqual([
      expect.stringMatching(/^denied: 198\.51\.100\.1 \(cluster observer: monitoring\/thanos-query-0\) -> monitoring\/thanos-query-0 TCP\/10901/),
      expect.stringMatching(/^denied: 198\.51\.100\.1 \(cluster observer: monitoring\/thanos-query-0\) -> monitoring\/thanos-query-1 TCP\/10901/),
      expect.stringMatching(/^denied: 198\.51\.100\.1 \(cluster observer: monitoring\/thanos-query-1\) -> monitoring\/thanos-query-0 TCP\/10901/),
      expect.stringMatching(/^denied: 198\.51\.100\.1 \(cluster observer: monitoring\/thanos-query-1\) -> monitoring\/thanos-query-1 TCP\/10901/),
    ]);
  });

  test.each(['observer', 'workload-a'])('%s: removing any one rule, peer or port of the components that talk across clusters makes the check fail', async (name) => {
    const a = fleet.get(name)!;
    const crossing = new Set(['prometheus', 'thanos-query', 'alertmanager', 'loki', 'alloy']);
    const variants = mutations(a.policies).filter((m) => [...crossing].some((c) => new RegExp(`(^| )[a-z-]+/${c}( |$)`).test(m.what)));
    expect(variants.length).toBeGreaterThan(20);
    const results = await a.analyzer.runAll(variants.map((m) => m.policies));
    const survivors = variants.filter((_, i) => policyProblems(a.cluster, a.flows, results[i], a.inbound).length === 0).map((m) => m.what);
    expect(survivors).toEqual([]);
  }, 600_000);
});
