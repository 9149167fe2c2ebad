import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import * as https from 'https';
import * as http from 'http';
import { tmpdir } from 'os';
import { join } from 'path';
import { parse } from 'yaml';
import { exampleFleet } from '../lib/config';
import type { FleetClusterConfig, FleetConfig } from '../lib/config';
import { fleetAlerts } from '../lib/fleet/alerts';
import { PROMTAIL_DEPRECATION_WARNING } from '../lib/components/log-collector';
import { EXTERNAL_DNS_ANNOTATION } from '../lib/fleet/expose';
import { fleetProblems, resolveFleet } from '../lib/fleet/model';
import { ruleFileGroup } from '../lib/observability/rule-group';
import { runSynth, synthesizeAll } from '../lib/synth';
import { toYaml } from '../lib/render/yaml';
import { TestPki } from './support/certs';
import { freePort, TestProcess, until } from './support/process';
import { ENVIRONMENTS, K8sObject, LocatedObject, objectsOf as parseObjectsOf } from './support/synth';
import { promtool, toolPath, withFiles } from './support/tools';

/**
 * The example fleet (dist/fleet/): its declaration's validation, what each cluster runs, and
 * the cross-cluster connections over TLS with client certificates, run with the real binaries
 * (Thanos Query as the gateway and as the observer's global Query, Alertmanager), with
 * throwaway certificates made by openssl.
 */

const OBSERVER = 'fleet/observer';
const WORKLOAD = 'fleet/workload-a';

const parsed = new Map<string, LocatedObject[]>();
/** The objects of a folder of dist/ (parsed once for this file). */
function objectsOf(dir: string): LocatedObject[] {
  if (!parsed.has(dir)) parsed.set(dir, parseObjectsOf(dir));
  return parsed.get(dir)!;
}

function findObject(dir: string, kind: string, name: string): K8sObject {
  const found = objectsOf(dir).filter((o) => o.object.kind === kind && o.object.metadata.name === name);
  if (found.length !== 1) throw new Error(`expected one ${kind}/${name} in ${dir}, found ${found.length}`);
  return found[0].object;
}

function withCluster(name: string, edit: (c: FleetClusterConfig) => FleetClusterConfig): FleetConfig {
  return { ...exampleFleet, clusters: exampleFleet.clusters.map((c) => (c.name === name ? edit(c) : c)) };
}

function container(o: K8sObject, name: string): { args: string[]; volumeMounts?: { name: string; mountPath: string }[]; readinessProbe?: unknown; livenessProbe?: unknown } {
  const c = o.spec.template.spec.containers.find((x: { name: string }) => x.name === name);
  if (!c) throw new Error(`${o.kind}/${o.metadata.name} has no container ${name}`);
  return c;
}

function configMapData(dir: string, name: string, key: string): string {
  return findObject(dir, 'ConfigMap', name).data[key];
}

describe('the fleet declaration: every problem names its field', () => {
  const problems = (f: FleetConfig) => fleetProblems(f).map((p) => `${p.path}: ${p.message}`);

  test('the example is valid', () => {
    expect(problems(exampleFleet)).toEqual([]);
    const r = resolveFleet(exampleFleet);
    expect(r.observer.name).toBe('observer');
    expect(r.clusters.map((c) => [c.name, c.workload, c.observer])).toEqual([
      ['observer', false, true],
      ['workload-a', true, false],
      ['workload-b', true, false],
    ]);
    expect(r.tls).toEqual({ serverSecret: 'fleet-server-tls', clientSecret: 'fleet-client-tls' });
  });

  test.each<[string, FleetConfig, RegExp]>([
    ['no observer', withCluster('observer', (c) => ({ ...c, roles: ['workload'], endpoints: { storeApi: 'thanos.observer.example.com:10901' } })), /^clusters: no cluster has the "observer" role/],
    ['two observers', withCluster('workload-a', (c) => ({ ...c, roles: ['workload', 'observer'] })), /^clusters: 2 clusters \(observer, workload-a\) have the "observer" role/],
    ['a workload cluster without its StoreAPI endpoint', withCluster('workload-a', (c) => ({ ...c, endpoints: {} })), /^clusters\[1\]\.endpoints\.storeApi: undefined is not allowed: a workload cluster's StoreAPI gateway/],
    ['one Alertmanager endpoint for three replicas', withCluster('observer', (c) => ({ ...c, endpoints: { ...c.endpoints, alertmanagers: ['am.observer.example.com:9093'] } })), /^clusters\[0\]\.endpoints\.alertmanagers: lists 1 endpoints for 3 Alertmanager replicas/],
    ['an endpoint by IP address', withCluster('workload-b', (c) => ({ ...c, endpoints: { storeApi: '203.0.113.33:10901' } })), /^clusters\[2\]\.endpoints\.storeApi: "203\.0\.113\.33:10901" is not allowed/],
    ['two endpoints on one host', withCluster('workload-b', (c) => ({ ...c, endpoints: { storeApi: 'thanos.workload-a.example.com:10902' } })), /^clusters\[2\]\.endpoints\.storeApi: host "thanos\.workload-a\.example\.com" is also clusters\[1\]\.endpoints\.storeApi/],
    ['a filesystem bucket', withCluster('workload-a', (c) => ({ ...c, stack: { ...c.stack, thanos: { ...c.stack.thanos, objectStorage: { backend: 'filesystem' } } } })), /^clusters\[1\]\.stack\.thanos\.objectStorage: is "filesystem"/],
    ['a bucket shared by two clusters', withCluster('workload-b', (c) => ({ ...c, stack: { ...c.stack, thanos: { ...c.stack.thanos, objectStorage: exampleFleet.clusters[1].stack.thanos.objectStorage } } })), /^clusters\[2\]\.stack\.thanos\.objectStorage: is the bucket of cluster "workload-a" too/],
    ['Fluentd', withCluster('workload-a', (c) => ({ ...c, stack: { ...c.stack, logCollector: { ...c.stack.logCollector, kind: 'fluentd' } } })), /^clusters\[1\]\.stack\.logCollector\.kind: "fluentd" ships to Elasticsearch/],
    ['every address as a cluster\'s egress', withCluster('workload-a', (c) => ({ ...c, addresses: { ...c.addresses, egressCidrs: ['0.0.0.0/0'] } })), /^clusters\[1\]\.addresses\.egressCidrs\[0\]: "0\.0\.0\.0\/0" is every address/],
    ['no load balancer range', withCluster('workload-a', (c) => ({ ...c, addresses: { ...c.addresses, loadBalancerCidrs: [] } })), /^clusters\[1\]\.addresses\.loadBalancerCidrs: list where/],
    ['a cluster named twice', withCluster('workload-b', (c) => ({ ...c, name: 'workload-a' })), /^clusters\[2\]\.name: "workload-a" is used by two clusters/],
    ['the observer without Loki', withCluster('observer', (c) => ({ ...c, stack: { ...c.stack, loki: { ...c.stack.loki, enabled: false } } })), /^clusters\[0\]\.stack\.loki\.enabled: must be true on the observer/],
    ['an unknown field', withCluster('workload-a', (c) => ({ ...c, region: 'eu' }) as FleetClusterConfig), /^clusters\[1\]\.region: is not a field of a fleet cluster/],
    ['an unknown load-balancer field', withCluster('workload-a', (c) => ({ ...c, loadBalancer: { type: 'nlb' } as unknown as FleetClusterConfig['loadBalancer'] })), /^clusters\[1\]\.loadBalancer\.type: is not a field; use annotations/],
    ['a load-balancer annotation that is not a string', withCluster('workload-a', (c) => ({ ...c, loadBalancer: { annotations: { 'service.beta.kubernetes.io/aws-load-balancer-cross-zone-load-balancing-enabled': true as unknown as string } } })), /^clusters\[1\]\.loadBalancer\.annotations\.service\.beta\.kubernetes\.io\/aws-load-balancer-cross-zone-load-balancing-enabled: is true; annotation values are strings/],
    ['a load-balancer annotation key that is not one', withCluster('workload-a', (c) => ({ ...c, loadBalancer: { annotations: { 'bad key': 'x' } } })), /^clusters\[1\]\.loadBalancer\.annotations: "bad key" is not an annotation key/],
    ['the external-dns host name by hand', withCluster('workload-a', (c) => ({ ...c, loadBalancer: { annotations: { [EXTERNAL_DNS_ANNOTATION]: 'x.example.com' } } })), /^clusters\[1\]\.loadBalancer\.annotations\.external-dns\.alpha\.kubernetes\.io\/hostname: is set from the endpoint's host name/],
    ['the environment set by hand', withCluster('workload-a', (c) => ({ ...c, stack: { ...c.stack, environment: 'x' } as FleetClusterConfig['stack'] })), /^clusters\[1\]\.stack\.environment: is set from the cluster's name/],
  ])('%s', (_what, fleet, message) => {
    expect(problems(fleet)).toContainEqual(expect.stringMatching(message));
  });

  test('an invalid fleet writes nothing; a fleet named like an environment is refused', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'fleet-out-')), 'dist');
    const errors: string[] = [];
    expect(runSynth([...ENVIRONMENTS, withCluster('workload-a', (c) => ({ ...c, endpoints: {} }))], out, (t) => errors.push(t))).toBe(1);
    expect(errors.join('')).toMatch(/Invalid fleet "fleet" \(1 problem\):\n {2}- clusters\[1\]\.endpoints\.storeApi:/);
    expect(() => readFileSync(join(out, 'staging', 'kustomization.yaml'))).toThrow();
    expect(() => synthesizeAll([...ENVIRONMENTS, { ...exampleFleet, name: 'staging' }])).toThrow(/"staging" names two environments or fleets/);
  });
});

describe('what each cluster runs', () => {
  const files = (dir: string) => [...new Set(objectsOf(dir).map((o) => o.file.slice(dir.length + 1)))].sort();

  test('a workload cluster: Prometheus with the sidecar, the exporters, the collector and its StoreAPI gateway; no Alertmanager, Grafana, Loki, store gateway or compactor', () => {
    expect(files(WORKLOAD).filter((f) => !f.startsWith('operator/'))).toEqual(
      ['alloy.yaml', 'app-exporter.yaml', 'kube-state-metrics.yaml', 'namespace.yaml', 'node-exporter.yaml', 'prometheus.yaml', 'thanos-query.yaml'],
    );
    // The bucket config the sidecar reads, written with Prometheus (no store gateway here).
    expect(parse(configMapData(WORKLOAD, 'thanos-objstore', 'objstore.yml')).config.bucket).toBe('example-fleet-workload-a-metrics');
  });

  test('the observer: a store gateway and a compactor per cluster bucket, each with the Secret named for it; no app exporter', () => {
    expect(files(OBSERVER).filter((f) => f.startsWith('thanos-'))).toEqual(
      ['thanos-compact-workload-a.yaml', 'thanos-compact-workload-b.yaml', 'thanos-compact.yaml', 'thanos-query.yaml', 'thanos-store-workload-a.yaml', 'thanos-store-workload-b.yaml', 'thanos-store.yaml'],
    );
    expect(files(OBSERVER)).not.toContain('app-exporter.yaml');
    for (const [suffix, bucket, secret] of [
      ['', 'example-fleet-observer-metrics', 'thanos-objstore'],
      ['-workload-a', 'example-fleet-workload-a-metrics', 'thanos-objstore-workload-a'],
      ['-workload-b', 'example-fleet-workload-b-metrics', 'thanos-objstore-workload-b'],
    ]) {
      expect(parse(configMapData(OBSERVER, `thanos-objstore${suffix}`, 'objstore.yml')).config.bucket).toBe(bucket);
      for (const part of ['thanos-store', 'thanos-compact']) {
        const sts = findObject(OBSERVER, 'StatefulSet', `${part}${suffix}`);
        const env = container(sts, `${part}${suffix}`) as unknown as { env: { valueFrom?: { secretKeyRef?: { name: string } } }[] };
        expect(new Set(env.env.map((e) => e.valueFrom?.secretKeyRef?.name))).toEqual(new Set([secret]));
        expect(sts.spec.template.spec.volumes[0]).toEqual({ name: 'objstore', configMap: { name: `thanos-objstore${suffix}` } });
      }
    }
    // The global Query asks every store gateway and the two gateways; its thanos rules know every bucket.
    const query = container(findObject(OBSERVER, 'Deployment', 'thanos-query'), 'thanos-query');
    expect(query.args.filter((a) => a.startsWith('--endpoint'))).toEqual([
      '--endpoint=dnssrv+_grpc._tcp.prometheus-headless.monitoring.svc',
      '--endpoint=dnssrv+_grpc._tcp.thanos-store-headless.monitoring.svc',
      '--endpoint=dnssrv+_grpc._tcp.thanos-store-workload-a-headless.monitoring.svc',
      '--endpoint=dnssrv+_grpc._tcp.thanos-store-workload-b-headless.monitoring.svc',
      '--endpoint.sd-config-file=/etc/thanos/endpoints/endpoints.yaml',
    ]);
    const rules = parse(configMapData(OBSERVER, 'prometheus-rules', 'thanos-query.rules.yaml')) as { groups: { name: string; rules: { alert: string; expr: string; labels: Record<string, string> }[] }[] };
    const stores = rules.groups.flatMap((g) => g.rules).filter((r) => r.alert === 'ThanosStoreGatewayUnavailable');
    expect(stores.map((r) => [r.expr, r.labels.cluster, r.labels.affected_cluster])).toEqual([
      ['absent(up{job="thanos-store"} == 1)', undefined, undefined],
      ['absent(up{job="thanos-store-workload-a"} == 1)', 'workload-a', 'workload-a'],
      ['absent(up{job="thanos-store-workload-b"} == 1)', 'workload-b', 'workload-b'],
    ]);
    expect(rules.groups.find((g) => g.name === 'fleet')!.rules.map((r) => [r.alert, r.labels.cluster, r.labels.affected_cluster])).toEqual([
      ['FleetClusterUnreachable', 'workload-a', 'workload-a'],
      ['FleetClusterUnreachable', 'workload-b', 'workload-b'],
    ]);
  });

  test('each endpoint another cluster reaches has its own LoadBalancer Service keeping the client\'s address, named for external-dns', () => {
    const lbs = (dir: string) =>
      objectsOf(dir)
        .map((o) => o.object)
        .filter((o) => o.kind === 'Service' && o.spec.type === 'LoadBalancer')
        .map((o) => ({ name: o.metadata.name, host: o.metadata.annotations?.[EXTERNAL_DNS_ANNOTATION], port: o.spec.ports[0].port, local: o.spec.externalTrafficPolicy, pod: o.spec.selector['statefulset.kubernetes.io/pod-name'] }));
    expect(lbs(OBSERVER)).toEqual([
      { name: 'alertmanager-fleet-0', host: 'alertmanager-0.observer.example.com', port: 9093, local: 'Local', pod: 'alertmanager-0' },
      { name: 'alertmanager-fleet-1', host: 'alertmanager-1.observer.example.com', port: 9093, local: 'Local', pod: 'alertmanager-1' },
      { name: 'alertmanager-fleet-2', host: 'alertmanager-2.observer.example.com', port: 9093, local: 'Local', pod: 'alertmanager-2' },
      { name: 'loki-fleet', host: 'loki.observer.example.com', port: 3100, local: 'Local', pod: undefined },
    ]);
    expect(lbs(WORKLOAD)).toEqual([{ name: 'thanos-query-fleet', host: 'thanos.workload-a.example.com', port: 10901, local: 'Local', pod: undefined }]);
  });

  test('the load balancers admit only the other clusters (loadBalancerSourceRanges) and carry the cluster\'s loadBalancer.annotations', () => {
    const lbs = (dir: string) =>
      objectsOf(dir)
        .map((o) => o.object)
        .filter((o) => o.kind === 'Service' && o.spec.type === 'LoadBalancer');
    const fleet = resolveFleet(exampleFleet);
    const egress = (name: string) => fleet.clusters.find((c) => c.name === name)!.egressCidrs;
    // The observer's Alertmanager and Loki: every workload cluster; a workload cluster's gateway: the observer only.
    for (const svc of lbs(OBSERVER)) expect(svc.spec.loadBalancerSourceRanges).toEqual([...egress('workload-a'), ...egress('workload-b')].sort());
    for (const svc of lbs(WORKLOAD)) expect(svc.spec.loadBalancerSourceRanges).toEqual(egress('observer'));
    expect(egress('observer')).not.toEqual(egress('workload-a'));
    // The example is on EKS: an internet-facing NLB with instance targets keeps the client's address.
    for (const svc of [...lbs(OBSERVER), ...lbs(WORKLOAD)]) {
      expect(svc.metadata.annotations).toMatchObject({
        'service.beta.kubernetes.io/aws-load-balancer-type': 'external',
        'service.beta.kubernetes.io/aws-load-balancer-nlb-target-type': 'instance',
        'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internet-facing',
      });
    }
    // Without annotations, only external-dns's.
    const plain = synthesizeAll([{ ...exampleFleet, clusters: exampleFleet.clusters.map((c) => ({ ...c, loadBalancer: undefined })) }]);
    const plainLbs = parseObjectsOf('fleet/workload-b', plain).map((o) => o.object).filter((o) => o.kind === 'Service' && o.spec.type === 'LoadBalancer');
    expect(plainLbs.map((o) => o.metadata.annotations)).toEqual([{ [EXTERNAL_DNS_ANNOTATION]: 'thanos.workload-b.example.com' }]);
  });

  test('Grafana, which reads its client certificate at start only, is rolled by Reloader when the client Secret changes', () => {
    const grafana = objectsOf(OBSERVER).map((o) => o.object).find((o) => o.kind === 'Deployment' && o.metadata.name === 'grafana')!;
    expect(grafana.metadata.annotations).toEqual({ 'secret.reloader.stakater.com/reload': 'fleet-client-tls' });
    const env = grafana.spec.template.spec.containers[0].env as { name: string; valueFrom?: { secretKeyRef?: { name: string } } }[];
    expect(env.filter((e) => e.valueFrom?.secretKeyRef?.name === 'fleet-client-tls').map((e) => e.name).sort()).toEqual(['FLEET_TLS_CA', 'FLEET_TLS_CERT', 'FLEET_TLS_KEY']);
    // A single environment's Grafana has no client certificate and no such annotation.
    const single = objectsOf('production').map((o) => o.object).find((o) => o.kind === 'Deployment' && o.metadata.name === 'grafana')!;
    expect(single.metadata.annotations).toBeUndefined();
  });

  test('no TLS material and no Secret in dist/fleet: the pods mount the Secrets the user creates, by name', () => {
    for (const dir of [OBSERVER, WORKLOAD]) {
      expect(objectsOf(dir).filter((o) => o.object.kind === 'Secret')).toEqual([]);
      for (const o of objectsOf(dir)) expect(JSON.stringify(o.object)).not.toMatch(/BEGIN (CERTIFICATE|[A-Z ]*PRIVATE KEY)/);
    }
    const tlsVolumes = (dir: string) =>
      objectsOf(dir)
        .map((o) => o.object)
        .flatMap((o) => (o.spec?.template?.spec?.volumes ?? []).filter((v: { secret?: { secretName: string } }) => v.secret?.secretName?.startsWith('fleet-')).map((v: { secret: { secretName: string; optional: boolean; items: { key: string }[] } }) => `${o.metadata.namespace}/${o.metadata.name}: ${v.secret.secretName} ${v.secret.items.map((i) => i.key).join(',')} optional=${v.secret.optional}`));
    expect(tlsVolumes(WORKLOAD).sort()).toEqual([
      'monitoring-node-agents/alloy: fleet-client-tls tls.crt,tls.key,ca.crt optional=false',
      'monitoring/prometheus: fleet-client-tls tls.crt,tls.key,ca.crt optional=false',
      'monitoring/thanos-query: fleet-server-tls tls.crt,tls.key,ca.crt optional=false',
    ]);
    expect(tlsVolumes(OBSERVER).sort()).toEqual([
      'monitoring-node-agents/alloy: fleet-client-tls tls.crt,tls.key,ca.crt optional=false',
      'monitoring/alertmanager: fleet-server-tls tls.crt,tls.key,ca.crt optional=false',
      'monitoring/loki: fleet-server-tls tls.crt,tls.key,ca.crt optional=false',
      'monitoring/prometheus: fleet-client-tls tls.crt,tls.key,ca.crt optional=false',
      'monitoring/thanos-query: fleet-client-tls tls.crt,tls.key,ca.crt optional=false',
    ]);
  });

  test('logs: every cluster\'s collector pushes to the observer\'s Loki over TLS as its own tenant, each stream labelled with its cluster', () => {
    const alloy = configMapData(WORKLOAD, 'alloy', 'config.alloy');
    expect(alloy).toContain('url       = "https://loki.observer.example.com:3100/loki/api/v1/push"');
    expect(alloy).toContain('tenant_id = "workload-a"');
    expect(alloy).toMatch(/tls_config \{\n\s+ca_file\s+= "\/etc\/fleet-tls\/client\/ca\.crt"\n\s+cert_file = "\/etc\/fleet-tls\/client\/tls\.crt"\n\s+key_file\s+= "\/etc\/fleet-tls\/client\/tls\.key"\n/);
    expect(alloy).toMatch(/external_labels = \{\n\s+cluster = "workload-a",\n\s+\}/);
    const own = configMapData(OBSERVER, 'alloy', 'config.alloy');
    expect(own).toContain('url       = "https://loki.monitoring.svc:3100/loki/api/v1/push"');
    expect(own).toContain('tenant_id = "observer"');
    const loki = parse(configMapData(OBSERVER, 'loki', 'loki.yaml'));
    expect(loki.auth_enabled).toBe(true);
    expect(loki.querier).toEqual({ multi_tenant_queries_enabled: true });
    expect(loki.server.http_tls_config).toEqual({ cert_file: '/etc/fleet-tls/server/tls.crt', key_file: '/etc/fleet-tls/server/tls.key', client_auth_type: 'RequireAndVerifyClientCert', client_ca_file: '/etc/fleet-tls/server/ca.crt' });
    const ds = parse(configMapData(OBSERVER, 'grafana-datasources', 'datasources.yaml')).datasources as { uid: string; url: string; jsonData: Record<string, unknown>; secureJsonData?: Record<string, string> }[];
    const lokiDs = ds.find((d) => d.uid === 'loki')!;
    expect(lokiDs).toMatchObject({ url: 'https://loki.monitoring.svc:3100', jsonData: { tlsAuth: true, tlsAuthWithCACert: true, httpHeaderName1: 'X-Scope-OrgID' }, secureJsonData: { httpHeaderValue1: 'observer|workload-a|workload-b', tlsClientCert: '$FLEET_TLS_CERT' } });
    expect(ds.find((d) => d.uid === 'alertmanager')).toMatchObject({ url: 'https://alertmanager.monitoring.svc:9093', jsonData: { tlsAuth: true } });
  });

  test('every dashboard of the observer has the cluster variable, and the multi-cluster resources overview is there', () => {
    const dashboards = objectsOf(OBSERVER)
      .map((o) => o.object)
      .filter((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('grafana-dashboards-'))
      .flatMap((o) => Object.values(o.data as Record<string, string>).map((text) => JSON.parse(text) as { uid: string; templating: { list: { name: string; query?: string }[] } }));
    expect(dashboards.length).toBeGreaterThan(15);
    expect(dashboards.filter((d) => d.templating.list[1]?.name !== 'cluster').map((d) => d.uid)).toEqual([]);
    expect(dashboards.map((d) => d.uid)).toContain('k8s-resources-multicluster');
  });

  test('the multi-cluster table counts an observer\'s alert about a lost cluster for that cluster (promtool, the series as Thanos Query returns them)', () => {
    const dashboards = objectsOf(OBSERVER)
      .map((o) => o.object)
      .filter((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('grafana-dashboards-'))
      .flatMap((o) => Object.values(o.data as Record<string, string>).map((text) => JSON.parse(text) as { uid: string; panels: { title: string; targets?: { expr: string; legendFormat?: string }[] }[] }));
    const table = dashboards.find((d) => d.uid === 'k8s-resources-multicluster')!.panels.find((p) => p.title === 'Clusters' && p.targets)!;
    const expr = table.targets!.map((t) => t.expr).find((e) => e.includes('ALERTS'))!.replace(/\$cluster/g, '.*');
    // Through Thanos, the sidecar overwrites the alert's own cluster label with the observer's
    // external label; affected_cluster keeps the lost cluster.
    const alerts = (labels: string) => `      - { series: 'ALERTS{alertstate="firing", severity="critical", ${labels}}', values: '1x5' }`;
    const tests = [
      'rule_files: []',
      'tests:',
      '  - interval: 1m',
      '    input_series:',
      alerts('alertname="FleetClusterUnreachable", cluster="observer", affected_cluster="workload-a"'),
      alerts('alertname="KubePodCrashLooping", cluster="workload-b"'),
      alerts('alertname="KubePodCrashLooping", cluster="observer"'),
      `      - { series: 'ALERTS{alertstate="firing", severity="warning", alertname="X", cluster="observer"}', values: '1x5' }`,
      '    promql_expr_test:',
      `      - expr: ${JSON.stringify(expr)}`,
      '        eval_time: 2m',
      '        exp_samples:',
      "          - { labels: '{cluster=\"observer\"}', value: 1 }",
      "          - { labels: '{cluster=\"workload-a\"}', value: 1 }",
      "          - { labels: '{cluster=\"workload-b\"}', value: 1 }",
    ].join('\n');
    const res = withFiles({ 'test.yaml': tests }, (dir) => promtool(['test', 'rules', 'test.yaml'], { cwd: dir }));
    expect({ status: res.status, output: res.output }).toEqual({ status: 0, output: expect.stringContaining('SUCCESS') });
  });
});

// ---------------------------------------------------------------- the fleet's alerts

describe('FleetClusterUnreachable (promtool test rules, the real Prometheus rule engine)', () => {
  const group = fleetAlerts({ runbookBaseUrl: 'https://runbooks.example.com', namespace: 'monitoring', clusters: ['workload-a', 'workload-b'] });
  // The label value as the observer's Thanos Query v0.42.5 exports it for a gateway in front of
  // an HA pair (observed with the real binaries; the e2e scenario checks it live).
  const labelSets = (cluster: string) => `{cluster=\\"${cluster}\\", prometheus_replica=\\"prometheus-0\\"},{cluster=\\"${cluster}\\", prometheus_replica=\\"prometheus-1\\"}`;
  const conn = (cluster: string, storeType: string, values: string) =>
    `      - { series: 'thanos_store_nodes_grpc_connections{job="thanos-query", namespace="monitoring", pod="thanos-query-0", store_type="${storeType}", external_labels="${labelSets(cluster)}"}', values: '${values}' }`;

  function run(series: string[], evalAt: string, expected: { cluster: string }[]): ReturnType<typeof promtool> {
    const tests = [
      'rule_files: [rules.yaml]',
      'evaluation_interval: 1m',
      'tests:',
      '  - interval: 1m',
      '    input_series:',
      `      - { series: 'up{job="thanos-query", namespace="monitoring", pod="thanos-query-0"}', values: '1x20' }`,
      ...series,
      '    alert_rule_test:',
      `      - eval_time: ${evalAt}`,
      '        alertname: FleetClusterUnreachable',
      `        exp_alerts: ${expected.length === 0 ? '[]' : ''}`,
      ...expected.map((e) => `          - exp_labels: { severity: critical, category: infrastructure, cluster: ${e.cluster}, affected_cluster: ${e.cluster} }\n            exp_annotations: ${JSON.stringify((group.rules.find((r) => r.labels?.cluster === e.cluster) as { annotations: Record<string, string> }).annotations)}`),
    ].join('\n');
    return withFiles({ 'rules.yaml': toYaml({ groups: [ruleFileGroup(group)] }), 'test.yaml': tests }, (dir) => promtool(['test', 'rules', 'test.yaml'], { cwd: dir }));
  }

  test('both gateways connected: quiet', () => {
    const res = run([conn('workload-a', 'query', '1x20'), conn('workload-b', 'query', '1x20')], '15m', []);
    expect(res.output).toContain('SUCCESS');
  });

  test('a gateway gone for 5 minutes: fires once, labelled with that cluster, not before', () => {
    // The series ends at 6m (Thanos Query stops exporting it: a staleness marker at the next scrape).
    const gone = [conn('workload-a', 'query', '1x5 stale'), conn('workload-b', 'query', '1x20')];
    // Gone from minute 6: pending at 10m, firing from 11m.
    expect(run(gone, '10m', []).output).toContain('SUCCESS');
    expect(run(gone, '11m', [{ cluster: 'workload-a' }]).output).toContain('SUCCESS');
  });

  test('the store gateway of its bucket (same cluster label, store_type store) does not hide a lost cluster; a name that merely starts the same does not either', () => {
    const series = [conn('workload-a', 'store', '1x20'), conn('workload-ab', 'query', '1x20'), conn('workload-b', 'query', '1x20')];
    expect(run(series, '15m', [{ cluster: 'workload-a' }]).output).toContain('SUCCESS');
  });

  test('the check can fail: expecting quiet while a cluster is gone fails', () => {
    const res = run([conn('workload-b', 'query', '1x20')], '15m', []);
    expect(res.status).not.toBe(0);
  });
});

// ---------------------------------------------------------------- TLS, with the real binaries

describe('TLS with client certificates between the clusters (real thanos, alertmanager, promtool; openssl certificates)', () => {
  let pki: TestPki;
  let work: string;
  const processes: TestProcess[] = [];
  /** A Secret as a pod mounts it: tls.crt, tls.key, ca.crt in a folder. */
  const secretDir = (name: string, cert: string, key: string, ca: string): string => {
    const dir = join(work, name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'tls.crt'), readFileSync(cert));
    writeFileSync(join(dir, 'tls.key'), readFileSync(key));
    writeFileSync(join(dir, 'ca.crt'), readFileSync(ca));
    return `${dir}/`;
  };
  let serverDir: string;
  let clientDir: string;
  let rogueDir: string;

  beforeAll(() => {
    pki = new TestPki();
    work = mkdtempSync(join(tmpdir(), 'fleet-tls-'));
    const ca = pki.ca('fleet-ca');
    pki.ca('other-ca');
    const server = pki.issue('server', 'fleet-ca', 'server', { dns: ['thanos.workload-a.example.com', 'alertmanager-0.observer.example.com', 'alertmanager.monitoring.svc'], ip: ['127.0.0.1'] });
    const client = pki.issue('client', 'fleet-ca', 'client');
    const rogue = pki.issue('rogue', 'other-ca', 'client');
    serverDir = secretDir('server', server.cert, server.key, ca.cert);
    clientDir = secretDir('client', client.cert, client.key, ca.cert);
    rogueDir = secretDir('rogue', rogue.cert, rogue.key, ca.cert);
  });

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop()));
    pki?.cleanup();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const start = (name: string, binary: string, args: string[]): TestProcess => {
    const p = new TestProcess(name, toolPath(binary), args);
    processes.push(p);
    return p;
  };
  const metrics = async (port: number) => (await fetch(`http://127.0.0.1:${port}/metrics`)).text();

  test('the observer\'s Query reaches a workload cluster\'s gateway only with a client certificate of the fleet\'s CA', async () => {
    // The gateway: workload-a's thanos-query container, its sidecars left out, on local ports.
    const gwGrpc = await freePort();
    const gwHttp = await freePort();
    const gwArgs = container(findObject(WORKLOAD, 'Deployment', 'thanos-query'), 'thanos-query')
      .args.filter((a) => !a.startsWith('--endpoint='))
      .map((a) => a.replace('/etc/fleet-tls/server/', serverDir).replace(/^--grpc-address=.*/, `--grpc-address=127.0.0.1:${gwGrpc}`).replace(/^--http-address=.*/, `--http-address=127.0.0.1:${gwHttp}`));
    expect(gwArgs.filter((a) => a.startsWith('--grpc-server-tls'))).toHaveLength(3);
    const gateway = start('gateway', 'thanos', gwArgs);

    // Observers: the synthesized endpoint config (workload-a at the gateway's local port, its
    // certificate checked as thanos.workload-a.example.com), with the fleet's client
    // certificate, another CA's, and none.
    const endpoints = parse(configMapData(OBSERVER, 'thanos-query-endpoints', 'endpoints.yaml')) as { endpoints: { address: string; client_config: { server_name: string; tls_config: Record<string, unknown> } }[] };
    expect(endpoints.endpoints.map((e) => [e.address, e.client_config.server_name])).toEqual([
      ['thanos.workload-a.example.com:10901', 'thanos.workload-a.example.com'],
      ['thanos.workload-b.example.com:10901', 'thanos.workload-b.example.com'],
    ]);
    const observerArgs = container(findObject(OBSERVER, 'Deployment', 'thanos-query'), 'thanos-query').args.filter((a) => !a.startsWith('--endpoint=') && !a.startsWith('--grpc-address') && !a.startsWith('--http-address'));
    const observer = async (name: string, dir: string | undefined) => {
      const e = structuredClone(endpoints.endpoints[0]);
      e.address = `127.0.0.1:${gwGrpc}`;
      const tls = e.client_config.tls_config as Record<string, string>;
      for (const k of Object.keys(tls)) if (typeof tls[k] === 'string') tls[k] = tls[k].replace('/etc/fleet-tls/client/', dir ?? clientDir);
      if (!dir) {
        delete tls.cert_file;
        delete tls.key_file;
      }
      const file = join(work, `${name}-endpoints.yaml`);
      writeFileSync(file, toYaml({ endpoints: [e] }));
      const port = await freePort();
      const p = start(name, 'thanos', [...observerArgs.map((a) => a.replace(/^--endpoint\.sd-config-file=.*/, `--endpoint.sd-config-file=${file}`)), `--grpc-address=127.0.0.1:${await freePort()}`, `--http-address=127.0.0.1:${port}`]);
      return { p, port };
    };
    const good = await observer('observer', clientDir);
    const rogue = await observer('observer-other-ca', rogueDir);
    const anonymous = await observer('observer-no-certificate', undefined);
    const all = [gateway, good.p, rogue.p, anonymous.p];

    const connected = /^thanos_store_nodes_grpc_connections\{external_labels="no_external_labels",store_type="query"\} 1$/m;
    await until('the observer connected to the gateway', async () => (connected.test(await metrics(good.port)) ? true : undefined), all);
    const stores = (await (await fetch(`http://127.0.0.1:${good.port}/api/v1/stores`)).json()) as { data: Record<string, { name: string; lastError: string | null }[]> };
    expect(stores.data.query).toEqual([expect.objectContaining({ name: `127.0.0.1:${gwGrpc}`, lastError: null })]);
    // Both others have tried (several update rounds of 5s), and got nowhere.
    await new Promise((r) => setTimeout(r, 12_000));
    expect(await metrics(rogue.port)).not.toMatch(/^thanos_store_nodes_grpc_connections\{/m);
    expect(await metrics(anonymous.port)).not.toMatch(/^thanos_store_nodes_grpc_connections\{/m);
    expect(rogue.p.log + anonymous.p.log).toMatch(/update of endpoint failed/);
  }, 90_000);

  test('the observer\'s Alertmanager answers only HTTPS with a client certificate of the fleet\'s CA', async () => {
    const web = configMapData(OBSERVER, 'alertmanager-web', 'web.yml');
    expect(parse(web)).toEqual({
      tls_server_config: { cert_file: '/etc/fleet-tls/server/tls.crt', key_file: '/etc/fleet-tls/server/tls.key', client_ca_file: '/etc/fleet-tls/server/ca.crt', client_auth_type: 'RequireAndVerifyClientCert', min_version: 'TLS12' },
    });
    const am = findObject(OBSERVER, 'StatefulSet', 'alertmanager');
    const amc = container(am, 'alertmanager');
    expect(amc.args).toContain('--web.config.file=/etc/alertmanager/web/web.yml');
    // The kubelet has no client certificate: the probes check the port.
    expect(amc.readinessProbe).toMatchObject({ tcpSocket: { port: 'web' } });
    writeFileSync(join(work, 'web.yml'), web.split('/etc/fleet-tls/server/').join(serverDir));
    writeFileSync(join(work, 'alertmanager.yml'), toYaml({ route: { receiver: 'null', group_by: ['alertname', 'cluster'] }, receivers: [{ name: 'null' }] }));
    const port = await freePort();
    const p = start('alertmanager', 'alertmanager', [
      `--config.file=${join(work, 'alertmanager.yml')}`,
      `--storage.path=${join(work, 'am-data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      `--web.config.file=${join(work, 'web.yml')}`,
      '--cluster.listen-address=',
    ]);
    const request = (method: string, path: string, dir: string | undefined, body?: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = https.request(
          {
            host: '127.0.0.1',
            port,
            method,
            path,
            servername: 'alertmanager.monitoring.svc',
            ca: readFileSync(`${clientDir}ca.crt`),
            ...(dir ? { cert: readFileSync(`${dir}tls.crt`), key: readFileSync(`${dir}tls.key`) } : {}),
            headers: body ? { 'content-type': 'application/json' } : {},
          },
          (res) => {
            let data = '';
            res.on('data', (d) => (data += d));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data }));
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    await until('Alertmanager serving HTTPS', async () => ((await request('GET', '/-/ready', clientDir)).status === 200 ? true : undefined), [p]);
    const alert = JSON.stringify([{ labels: { alertname: 'Probe', cluster: 'workload-a', severity: 'warning' }, annotations: { summary: 'x' } }]);
    expect((await request('POST', '/api/v2/alerts', clientDir, alert)).status).toBe(200);
    const alerts = JSON.parse((await request('GET', '/api/v2/alerts', clientDir)).body) as { labels: Record<string, string> }[];
    expect(alerts.map((a) => a.labels.cluster)).toEqual(['workload-a']);
    // Another CA's certificate, no certificate, plain HTTP: refused.
    await expect(request('GET', '/api/v2/status', rogueDir)).rejects.toThrow();
    await expect(request('GET', '/api/v2/status', undefined)).rejects.toThrow();
    const plain = await new Promise<number>((resolve, reject) => http.get(`http://127.0.0.1:${port}/api/v2/status`, (res) => resolve(res.statusCode ?? 0)).on('error', reject));
    expect(plain).toBe(400);
  }, 60_000);

  test.each([OBSERVER, WORKLOAD])('%s: promtool check config accepts prometheus.yml, the client certificate files in place', (dir) => {
    const text = configMapData(dir, 'prometheus-config', 'prometheus.yml');
    expect(text).toContain('/etc/fleet-tls/client/');
    const sa = join(work, 'sa');
    mkdirSync(sa, { recursive: true });
    writeFileSync(join(sa, 'token'), 'x');
    writeFileSync(join(sa, 'ca.crt'), readFileSync(`${clientDir}ca.crt`));
    const local = parse(text.split('/etc/fleet-tls/client/').join(clientDir).split('/var/run/secrets/kubernetes.io/serviceaccount/').join(`${sa}/`));
    const res = withFiles({ 'prometheus.yml': toYaml({ ...local, rule_files: [] }) }, (d) => promtool(['check', 'config', 'prometheus.yml'], { cwd: d }));
    expect({ status: res.status, output: res.output }).toEqual({ status: 0, output: expect.stringContaining('SUCCESS') });
  });
});

describe('variants of the declaration', () => {
  const synth = (f: FleetConfig) => synthesizeAll([f]);
  const objectsIn = (files: Map<string, string>, dir: string): K8sObject[] => parseObjectsOf(dir, files).map((o) => o.object);

  test('an observer that is also a workload cluster: its Query reaches its own sidecars in the cluster and the other gateways over TLS; it runs the app exporter', () => {
    const both = withCluster('observer', (c) => ({ ...c, roles: ['workload', 'observer'] }));
    expect(fleetProblems(both)).toEqual([]);
    const files = synth(both);
    const objects = objectsIn(files, 'fleet/observer');
    expect(objects.some((o) => o.kind === 'Deployment' && o.metadata.name === 'app-exporter')).toBe(true);
    const endpoints = parse(objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'thanos-query-endpoints')!.data['endpoints.yaml']);
    expect(endpoints.endpoints.map((e: { address: string }) => e.address)).toEqual(['thanos.workload-a.example.com:10901', 'thanos.workload-b.example.com:10901']);
    // No load balancer for a gateway of its own.
    expect(objects.filter((o) => o.kind === 'Service' && o.metadata.name === 'thanos-query-fleet')).toEqual([]);
  });

  test('Promtail instead of Alloy: the same tenant, client certificate and cluster label', () => {
    const promtail = { ...exampleFleet, clusters: exampleFleet.clusters.map((c) => ({ ...c, stack: { ...c.stack, logCollector: { ...c.stack.logCollector, kind: 'promtail' as const } } })) };
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    let files: Map<string, string>;
    try {
      files = synth(promtail);
      // Promtail's deprecation is said once per cluster that runs it, not swallowed by the fleet.
      expect(warn.mock.calls).toEqual(promtail.clusters.map(() => [PROMTAIL_DEPRECATION_WARNING]));
    } finally {
      warn.mockRestore();
    }
    const config = objectsIn(files, 'fleet/workload-b').find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'promtail')!;
    expect(parse(config.data['promtail.yaml']).clients).toEqual([
      {
        url: 'https://loki.observer.example.com:3100/loki/api/v1/push',
        tenant_id: 'workload-b',
        tls_config: { ca_file: '/etc/fleet-tls/client/ca.crt', cert_file: '/etc/fleet-tls/client/tls.crt', key_file: '/etc/fleet-tls/client/tls.key' },
        external_labels: { cluster: 'workload-b' },
      },
    ]);
  });

  test('a third workload cluster is one entry: the observer\'s Query, store gateways, compactors, tenants and alerts follow', () => {
    const c = exampleFleet.clusters[2];
    const more: FleetConfig = {
      ...exampleFleet,
      clusters: [
        ...exampleFleet.clusters,
        {
          ...c,
          name: 'workload-c',
          stack: { ...c.stack, thanos: { ...c.stack.thanos, objectStorage: { backend: 's3', bucket: 'example-fleet-workload-c-metrics', endpoint: 's3.eu-west-1.amazonaws.com', region: 'eu-west-1', credentialsSecret: { name: 'thanos-objstore' } } } },
          addresses: { egressCidrs: ['198.51.100.48/28'], loadBalancerCidrs: ['203.0.113.48/28'] },
          endpoints: { storeApi: 'thanos.workload-c.example.com:10901' },
        },
      ],
    };
    const files = synth(more);
    const observer = objectsIn(files, 'fleet/observer');
    expect(observer.filter((o) => o.kind === 'StatefulSet').map((o) => o.metadata.name)).toEqual(expect.arrayContaining(['thanos-store-workload-c', 'thanos-compact-workload-c']));
    const ds = parse(observer.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'grafana-datasources')!.data['datasources.yaml']);
    expect(ds.datasources.find((d: { uid: string }) => d.uid === 'loki').secureJsonData.httpHeaderValue1).toBe('observer|workload-a|workload-b|workload-c');
    const query = observer.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'thanos-query')!;
    expect(JSON.stringify(query.spec.egress)).toContain('203.0.113.48/28');
    const am = observer.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'alertmanager')!;
    expect(JSON.stringify(am.spec.ingress)).toContain('198.51.100.48/28');
    expect(files.get('fleet/workload-c/thanos-query.yaml')).toContain('thanos.workload-c.example.com');
  });
});

test('a cluster name longer than 37 characters is refused: the observer\'s StatefulSet thanos-compact-<name> must stay within 52', () => {
  const long = 'w'.repeat(38);
  expect(fleetProblems(withCluster('workload-b', (c) => ({ ...c, name: long }))).map((p) => `${p.path}: ${p.message}`)).toContainEqual(expect.stringMatching(/^clusters\[2\]\.name: "w{38}" is not allowed; use at most 37 .*longer than 52 characters/));
  expect(fleetProblems(withCluster('workload-b', (c) => ({ ...c, name: 'w'.repeat(37) })))).toEqual([]);
  expect(`thanos-compact-${'w'.repeat(37)}`.length).toBe(52);
});

test('the synth writes the fleet\'s clusters beside the environments and says so per folder', () => {
  const out = join(mkdtempSync(join(tmpdir(), 'fleet-synth-')), 'dist');
  const lines: string[] = [];
  expect(runSynth([...ENVIRONMENTS, exampleFleet], out, { stdout: (t) => lines.push(t) })).toBe(0);
  const text = lines.join('');
  expect(text).toMatch(/^synthesized 5 folders into /);
  for (const dir of ['fleet/observer', 'fleet/workload-a', 'fleet/workload-b', 'production', 'staging']) expect(text).toMatch(new RegExp(`\\n  ${dir.replace('/', '\\/')} +\\d+ files, \\d+ objects\\n`));
  expect(readFileSync(join(out, 'fleet', 'workload-a', 'kustomization.yaml'), 'utf8')).toMatch(/^# Generated by observability-stack \(cdk8s\) for cluster "workload-a" of fleet "fleet"\./);
});
