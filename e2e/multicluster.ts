import * as https from 'https';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { parse } from 'yaml';
import { exampleFleet } from '../lib/config';
import type { FleetConfig } from '../lib/config/fleet';
import { FLEET_TLS_KEYS } from '../lib/config/fleet';
import { resolveFleet } from '../lib/fleet/model';
import { CLIENT_TLS_DIR, SERVER_TLS_DIR } from '../lib/fleet/tls';
import { synthesizeAll } from '../lib/synth';
import { toYaml } from '../lib/render/yaml';
import { allObjects, K8sObject } from '../test/support/synth';
import { TestPki } from '../test/support/certs';
import { promtool, amtool, toolPath } from '../test/support/tools';
import { DEFAULT_SETTINGS, HarnessSettings, materialize, TEST_SECRETS, writeFiles } from './harness';
import { forgetTempDir, freePorts, http, registerTempDir, runningServices, Service, startService, stopAll as stopAllServices, tail, waitFor } from './processes';
import { RunReport } from './report';
import { Sinks } from './sinks';
import {
  alertmanagerArgs,
  containerArgs,
  containerEnv,
  localAlertmanagerConfig,
  localCluster,
  LocalPod,
  LocalPodSpec,
  localObjstoreConfig,
  localPrometheusConfig,
  localRuleFiles,
  mountPaths,
  PathMap,
  prometheusArgs,
  rewritePaths,
  thanosArgs,
} from './transform';

/**
 * The multi-cluster scenarios of `npm run e2e`: the example fleet (lib/config/fleet-example.ts,
 * dist/fleet/) from its synthesized manifests, each cluster on loopback ports with the real
 * binaries, and the cross-cluster connections over TLS with client certificates made by
 * openssl for the run:
 *
 * - workload-a and workload-b: each its Prometheus HA pair with the Thanos sidecars (uploading
 *   to the cluster's own bucket, a local folder) and its StoreAPI gateway (thanos-query with
 *   gRPC server TLS); each Prometheus sends its alerts to the observer's Alertmanagers over
 *   HTTPS with the cluster's client certificate.
 * - observer: the global Thanos Query (its endpoint config: each gateway over TLS), a store
 *   gateway per cluster bucket, two of the central Alertmanager's replicas (HTTPS requiring
 *   client certificates; receivers pointed at the sinks), one Prometheus replica with its
 *   sidecar (it scrapes the global Query and evaluates FleetClusterUnreachable).
 *
 * What differs from the manifests, and why: each endpoint host name resolves to the local port
 * of what its load balancer fronts (`thanos.<cluster>.example.com:10901` -> that gateway,
 * `alertmanager-<i>.observer.example.com:9093` -> Alertmanager i; the third replica does not
 * run and its target is left out); the observer's Query verifies each gateway's certificate by
 * the endpoint's `server_name` as configured, a Prometheus verifies the Alertmanager's by the
 * address it connects to (127.0.0.1, which the run's server certificate also holds); timings as
 * the single-environment e2e (HarnessSettings), and the `fleet` group's `for: 5m` shortened to
 * `FLEET_FOR`. Compactors, Grafana, Loki and the collectors do not run (the compactor is
 * covered by the single-environment scenarios; Loki, Grafana, Alloy cannot be built here).
 */

type Obj = Record<string, any>;

/** The `for` of FleetClusterUnreachable for the run (5m in the manifests). */
export const FLEET_FOR = '10s';

const WORKLOADS = ['workload-a', 'workload-b'] as const;

function fail(message: string): never {
  throw new Error(message);
}

interface Proc {
  readonly name: string;
  readonly args: string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly binary: string;
  readonly ready: string;
  /** The readiness URL needs the client certificate (the central Alertmanager). */
  readonly tls?: boolean;
  service?: Service;
}

export interface MultiClusterOptions {
  readonly logDir: string;
  readonly log: (line: string) => void;
  readonly settings?: HarnessSettings;
  readonly fleet?: FleetConfig;
}

export async function multiClusterScenarios(report: RunReport, o: MultiClusterOptions): Promise<void> {
  const settings = o.settings ?? DEFAULT_SETTINGS;
  const fleetConfig = o.fleet ?? exampleFleet;
  const fleet = resolveFleet(fleetConfig);
  const log = o.log;
  const root = mkdtempSync(join(tmpdir(), `obs-e2e-${process.pid}-fleet-`));
  registerTempDir(root);
  mkdirSync(o.logDir, { recursive: true });
  const procs: Proc[] = [];
  let sinks: Sinks | undefined;
  const pki = new TestPki();
  const stopAll = async () => {
    for (const p of [...procs].reverse()) await p.service?.stop('SIGTERM', 10_000);
    await sinks?.stop();
    pki.cleanup();
    rmSync(root, { recursive: true, force: true });
    forgetTempDir(root);
  };

  // ---- TLS material for the run: one CA, a server certificate for every endpoint name (and
  // the in-cluster names and the loopback address), a client certificate.
  pki.ca('fleet-ca');
  const hosts = fleet.clusters.flatMap((c) => [...(c.storeApi ? [c.storeApi.host] : []), ...c.alertmanagers.map((e) => e.host), ...(c.loki ? [c.loki.host] : [])]);
  const server = pki.issue('server', 'fleet-ca', 'server', { dns: [...hosts, 'alertmanager.monitoring.svc', 'loki.monitoring.svc'], ip: ['127.0.0.1'] });
  const client = pki.issue('client', 'fleet-ca', 'client');
  const caPem = readFileSync(pki.path('fleet-ca.crt'), 'utf8');
  const tlsFilesFor = (kind: 'client' | 'server') => ({
    [FLEET_TLS_KEYS.cert]: readFileSync(kind === 'client' ? client.cert : server.cert, 'utf8'),
    [FLEET_TLS_KEYS.key]: readFileSync(kind === 'client' ? client.key : server.key, 'utf8'),
    [FLEET_TLS_KEYS.ca]: caPem,
  });
  /** Write the fleet's TLS Secrets where a container's mounts put them. */
  const writeTlsSecrets = (paths: PathMap) => {
    for (const [from, to] of paths) {
      if (from === CLIENT_TLS_DIR || from === SERVER_TLS_DIR) {
        mkdirSync(to, { recursive: true });
        for (const [k, v] of Object.entries(tlsFilesFor(from === CLIENT_TLS_DIR ? 'client' : 'server'))) writeFileSync(join(to, k), v);
      }
    }
  };
  const tlsGet = (url: string) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const u = new URL(url);
      const req = https.request(
        { host: u.hostname, port: u.port, path: `${u.pathname}${u.search}`, method: 'GET', ca: caPem, cert: readFileSync(client.cert), key: readFileSync(client.key), servername: 'alertmanager.monitoring.svc', timeout: 5000 },
        (res) => {
          let data = '';
          res.on('data', (d) => (data += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data }));
        },
      );
      req.on('error', reject);
      req.end();
    });

  try {
    const files = synthesizeAll([fleetConfig]);
    const objectsOf = (cluster: string): K8sObject[] => allObjects(files).filter((x) => x.file.startsWith(`${fleetConfig.name}/${cluster}/`)).map((x) => x.object);
    const secrets = (secretName: string, key: string) => `e2e-unused-${secretName}-${key}`;
    const bucketOf = (cluster: string) => join(root, 'buckets', cluster);
    for (const c of fleet.clusters) mkdirSync(bucketOf(c.name), { recursive: true });

    // ---- Ports.
    const gatewayPorts = new Map<string, number[]>();
    for (const w of WORKLOADS) gatewayPorts.set(w, await freePorts(2));
    const [sinkHttp, sinkSmtp] = await freePorts(2);
    sinks = new Sinks(root, { ...TEST_SECRETS, smtpUser: fleetConfig.clusters.find((c) => c.roles.includes('observer'))!.stack.alertmanager.email?.authUsername });
    await sinks.start({ http: sinkHttp, smtp: sinkSmtp });
    const amWeb = await freePorts(2);
    const amMesh = await freePorts(2, { udp: true });

    /** Endpoint host -> the local address of what its load balancer fronts. */
    const endpointAddress = new Map<string, string>();
    for (const w of WORKLOADS) endpointAddress.set(fleet.clusters.find((c) => c.name === w)!.storeApi!.host, `127.0.0.1:${gatewayPorts.get(w)![0]}`);
    fleet.observer.alertmanagers.forEach((e, i) => {
      if (i < amWeb.length) endpointAddress.set(e.host, `127.0.0.1:${amWeb[i]}`);
    });

    const ruleFilesOf = (data: Record<string, string>) => {
      const out = localRuleFiles(data, settings.evaluationInterval);
      // The fleet group's `for` (5m) shortened for the run.
      for (const [name, text] of Object.entries(out)) {
        const doc = parse(text) as { groups: { name: string; rules: Obj[] }[] };
        if (!doc.groups.some((g) => g.name === 'fleet')) continue;
        for (const g of doc.groups) if (g.name === 'fleet') for (const r of g.rules) if (r.for) r.for = FLEET_FOR;
        out[name] = toYaml(doc);
      }
      return out;
    };

    /** A cluster's Prometheus pods (with sidecars): their processes. */
    const prometheusProcs = (cluster: string, objects: K8sObject[], pods: LocalPod[], fixture: Parameters<typeof thanosArgs>[1]['cluster'], names: string[], promPorts: number[]) => {
      for (const [i, name] of names.entries()) {
        const p = pods.find((x) => x.spec.name === name)!;
        const podRoot = join(root, cluster, 'pods', name);
        const paths = mountPaths(p, 'prometheus', podRoot);
        materialize(p, 'prometheus', paths, objects, (cm, data) => {
          if (cm === 'prometheus-rules') return ruleFilesOf(data);
          if (cm === 'prometheus-config') {
            const local = localPrometheusConfig(parse(data['prometheus.yml']), {
              cluster: fixture,
              scrapeInterval: settings.scrapeInterval,
              scrapeTimeout: settings.scrapeTimeout,
              evaluationInterval: settings.evaluationInterval,
              paths,
            });
            // Another cluster's Alertmanagers: each host at the local port of its replica.
            for (const am of (local.alerting?.alertmanagers ?? []) as Obj[]) {
              for (const sc of (am.static_configs ?? []) as Obj[]) {
                sc.targets = (sc.targets as string[]).flatMap((t) => {
                  const host = t.slice(0, t.lastIndexOf(':'));
                  if (!fleet.observer.alertmanagers.some((e) => e.host === host)) return [t];
                  const local = endpointAddress.get(host);
                  return local ? [local] : [];
                });
              }
            }
            return { 'prometheus.yml': toYaml(local) };
          }
          return data;
        });
        writeTlsSecrets(paths);
        const url = `http://127.0.0.1:${promPorts[3 * i]}`;
        const args = prometheusArgs(containerArgs(p, 'prometheus', paths), { listen: `127.0.0.1:${promPorts[3 * i]}`, externalUrl: url, featureFlags: [] });
        const check = promtool(['check', 'config', args.find((a) => a.startsWith('--config.file='))!.slice('--config.file='.length)]);
        if (check.status !== 0) fail(`${cluster}/${name}: promtool check config refused the local prometheus.yml:\n${check.output}`);
        procs.push({ name: `${cluster}/${name}`, binary: 'prometheus', args, env: { ...process.env, ...containerEnv(p, 'prometheus') }, ready: `${url}/-/ready` });
        const sidecarPaths = mountPaths(p, 'thanos-sidecar', podRoot);
        materialize(p, 'thanos-sidecar', sidecarPaths, objects, (cm, data) => (cm === 'thanos-objstore' ? { 'objstore.yml': localObjstoreConfig(data['objstore.yml'], bucketOf(cluster)) } : data));
        const sidecarArgs = thanosArgs(containerArgs(p, 'thanos-sidecar', sidecarPaths, secrets), { self: p, cluster: fixture });
        procs.push({ name: `${cluster}/${name}-sidecar`, binary: 'thanos', args: sidecarArgs, ready: `http://127.0.0.1:${promPorts[3 * i + 2]}/-/ready` });
      }
    };

    // ---- The workload clusters.
    for (const w of WORKLOADS) {
      const objects = objectsOf(w);
      const promPorts = await freePorts(6);
      const [gwGrpc, gwHttp] = gatewayPorts.get(w)!;
      const specs: LocalPodSpec[] = [
        ...[0, 1].map((i) => ({ name: `prometheus-${i}`, workload: 'StatefulSet/prometheus', containers: ['prometheus', 'thanos-sidecar'], ports: { 9090: promPorts[3 * i], 10901: promPorts[3 * i + 1], 10902: promPorts[3 * i + 2] } })),
        { name: 'thanos-query-e2e', workload: 'Deployment/thanos-query', containers: ['thanos-query'], ports: { 10901: gwGrpc, 10902: gwHttp } },
      ];
      const { fixture, pods } = localCluster(objects, specs);
      prometheusProcs(w, objects, pods, fixture, ['prometheus-0', 'prometheus-1'], promPorts);
      const gw = pods.find((x) => x.spec.name === 'thanos-query-e2e')!;
      const gwPaths = mountPaths(gw, 'thanos-query', join(root, w, 'pods', 'thanos-query-e2e'));
      writeTlsSecrets(gwPaths);
      const args = thanosArgs(containerArgs(gw, 'thanos-query', gwPaths), { self: gw, cluster: fixture });
      if (args.filter((a) => a.startsWith('--grpc-server-tls-')).length !== 3) fail(`${w}: the gateway serves no TLS: ${args.join(' ')}`);
      procs.push({ name: `${w}/thanos-query`, binary: 'thanos', args, ready: `http://127.0.0.1:${gwHttp}/-/ready` });
    }

    // ---- The observer.
    const observerObjects = objectsOf(fleet.observer.name);
    const others = fleet.clusters.filter((c) => !c.observer);
    const oPromPorts = await freePorts(3);
    const storePorts = await freePorts(2 * (1 + others.length));
    const [qGrpc, qHttp] = await freePorts(2);
    const storePods = [undefined, ...others].map((c, i) => ({
      name: `thanos-store${c ? `-${c.name}` : ''}-0`,
      workload: `StatefulSet/thanos-store${c ? `-${c.name}` : ''}`,
      cluster: c?.name ?? fleet.observer.name,
      containers: [`thanos-store${c ? `-${c.name}` : ''}`],
      ports: { 10901: storePorts[2 * i], 10902: storePorts[2 * i + 1] },
    }));
    const oSpecs: LocalPodSpec[] = [
      { name: 'prometheus-0', workload: 'StatefulSet/prometheus', containers: ['prometheus', 'thanos-sidecar'], ports: { 9090: oPromPorts[0], 10901: oPromPorts[1], 10902: oPromPorts[2] } },
      ...amWeb.map((port, i) => ({ name: `alertmanager-${i}`, workload: 'StatefulSet/alertmanager', containers: ['alertmanager'], ports: { 9093: port, 9094: amMesh[i] } })),
      ...storePods.map(({ cluster: _c, ...s }) => s),
      { name: 'thanos-query-e2e', workload: 'Deployment/thanos-query', containers: ['thanos-query'], ports: { 10901: qGrpc, 10902: qHttp } },
    ];
    const { fixture: oFixture, pods: oPods } = localCluster(observerObjects, oSpecs);
    const oPod = (name: string) => oPods.find((x) => x.spec.name === name)!;
    prometheusProcs(fleet.observer.name, observerObjects, oPods, oFixture, ['prometheus-0'], oPromPorts);

    // The central Alertmanager: receivers at the sinks, TLS requiring client certificates.
    let amConfigFile = '';
    amWeb.forEach((port, i) => {
      const p = oPod(`alertmanager-${i}`);
      const paths = mountPaths(p, 'alertmanager', join(root, 'observer', 'pods', p.spec.name));
      let secretFiles: Record<string, string> = {};
      materialize(p, 'alertmanager', paths, observerObjects, (cm, data) => {
        if (cm === 'alertmanager-web') return { 'web.yml': toYaml(rewritePaths(parse(data['web.yml']), paths)) };
        if (cm !== 'alertmanager-config') return data;
        const local = localAlertmanagerConfig(parse(data['alertmanager.yml']), {
          sinks: sinks!.targets(),
          secrets: TEST_SECRETS,
          groupWait: settings.groupWait,
          groupInterval: settings.groupInterval,
          paths,
        });
        secretFiles = local.secretFiles;
        return { 'alertmanager.yml': toYaml(local.config) };
      });
      writeFiles(secretFiles);
      writeTlsSecrets(paths);
      const args = alertmanagerArgs(containerArgs(p, 'alertmanager', paths), {
        self: p,
        pods: oPods,
        externalUrl: `https://127.0.0.1:${port}`,
        extra: Object.entries(settings.cluster).map(([k, v]) => `--cluster.${k}=${v}`),
      });
      if (!args.some((a) => a.startsWith('--web.config.file='))) fail('the central Alertmanager runs without its web config (TLS)');
      amConfigFile = args.find((a) => a.startsWith('--config.file='))!.slice('--config.file='.length);
      procs.push({ name: `observer/alertmanager-${i}`, binary: 'alertmanager', args, ready: `https://127.0.0.1:${port}/-/ready`, tls: true });
    });
    const amCheck = amtool(['check-config', amConfigFile]);
    if (amCheck.status !== 0) fail(`amtool check-config refused the central Alertmanager's local config:\n${amCheck.output}`);

    // A store gateway per cluster bucket, then the global Query.
    for (const s of storePods) {
      const p = oPod(s.name);
      const container = s.containers[0];
      const paths = mountPaths(p, container, join(root, 'observer', 'pods', s.name));
      materialize(p, container, paths, observerObjects, (cm, data) => (cm.startsWith('thanos-objstore') ? { 'objstore.yml': localObjstoreConfig(data['objstore.yml'], bucketOf(s.cluster)) } : data));
      const args = thanosArgs(containerArgs(p, container, paths, secrets), { self: p, cluster: oFixture, overrides: settings.thanos.store });
      procs.push({ name: `observer/${s.name}`, binary: 'thanos', args, ready: `http://127.0.0.1:${s.ports[10902]}/-/ready` });
    }
    const q = oPod('thanos-query-e2e');
    const qPaths = mountPaths(q, 'thanos-query', join(root, 'observer', 'pods', 'thanos-query-e2e'));
    materialize(q, 'thanos-query', qPaths, observerObjects, (cm, data) => {
      if (cm !== 'thanos-query-endpoints') return data;
      const doc = rewritePaths(parse(data['endpoints.yaml']), qPaths) as { endpoints: { address: string; client_config: Obj }[] };
      for (const e of doc.endpoints) {
        const host = e.address.slice(0, e.address.lastIndexOf(':'));
        const local = endpointAddress.get(host);
        if (!local) fail(`the observer's endpoint ${e.address} is no gateway of the fleet`);
        // The address the load balancer's name resolves to; the certificate is still checked as the configured server_name.
        if (e.client_config.server_name !== host) fail(`endpoint ${e.address}: server_name ${e.client_config.server_name}`);
        e.address = local;
      }
      return { 'endpoints.yaml': toYaml(doc) };
    });
    writeTlsSecrets(qPaths);
    const qArgs = thanosArgs(containerArgs(q, 'thanos-query', qPaths), { self: q, cluster: oFixture });
    procs.push({ name: 'observer/thanos-query', binary: 'thanos', args: qArgs, ready: `http://127.0.0.1:${qHttp}/-/ready` });
    const queryUrl = `http://127.0.0.1:${qHttp}`;
    const observerProm = `http://127.0.0.1:${oPromPorts[0]}`;

    // ---- Start: Alertmanagers, each cluster's Prometheus and sidecars, gateways, stores, Query.
    const order = (p: Proc) => (p.binary === 'alertmanager' ? 0 : p.binary === 'prometheus' ? 1 : p.name.endsWith('-sidecar') ? 2 : p.name.endsWith('thanos-query') && p.name !== 'observer/thanos-query' ? 3 : p.name === 'observer/thanos-query' ? 5 : 4);
    procs.sort((a, b) => order(a) - order(b));
    for (const p of procs) {
      p.service = startService(p.name, toolPath(p.binary), p.args, { env: p.env, logFile: join(o.logDir, `fleet-${p.name.replace(/\//g, '-')}.log`) });
    }
    await Promise.all(
      procs.map((p) =>
        waitFor(`${p.name} to be ready`, async () => {
          if (!p.service!.running) throw new Error(`${p.name} exited: ${tail(p.service!.logFile, 15)}`);
          if (p.tls) return (await tlsGet(p.ready)).status === 200 ? true : undefined;
          await http(p.ready);
          return true;
        }, { timeoutMs: 60_000, describe: () => tail(p.service!.logFile, 10) }),
      ),
    );
    log(`fleet started: ${procs.length} processes (${procs.map((p) => p.name).join(', ')})`);

    const query = async (expr: string, dedup: boolean): Promise<Obj[]> => {
      const r = await http(`${queryUrl}/api/v1/query?query=${encodeURIComponent(expr)}&dedup=${dedup}`);
      return r.data.result as Obj[];
    };
    const byCluster = (rows: Obj[]) => {
      const out: Record<string, number> = {};
      for (const r of rows) out[r.metric.cluster ?? '(none)'] = Number(r.value[1]);
      return out;
    };
    const workloadNames = others.map((c) => c.name);

    let healthy = false;
    healthy = await report.scenario('multi-cluster: the observer\'s Query reaches each workload cluster\'s gateway over TLS and returns both clusters\' series, each HA pair deduplicated, no two clusters merged', async () => {
      const connections = await waitFor('the global Query to be connected to both gateways', async () => {
        const text = String(await http(`${queryUrl}/metrics`));
        const lines = text.split('\n').filter((l) => l.startsWith('thanos_store_nodes_grpc_connections{') && l.includes('store_type="query"'));
        return workloadNames.every((w) => lines.some((l) => l.includes(`cluster=\\"${w}\\"`))) ? lines : undefined;
      }, { timeoutMs: 60_000, describe: () => tail(procs.find((p) => p.name === 'observer/thanos-query')!.service!.logFile, 10) });
      report.check(`thanos_store_nodes_grpc_connections{store_type="query"} names each gateway's clusters: ${connections.map((l) => l.replace(/^thanos_store_nodes_grpc_connections/, '')).join(' ')}`);
      // Each Prometheus scrapes both replicas of its cluster (and the observer's one itself).
      const expr = 'sum by (cluster) (up{job="prometheus"})';
      const want = Object.fromEntries([...workloadNames.map((w) => [w, 2] as const), [fleet.observer.name, 1] as const]);
      const wantRaw = Object.fromEntries([...workloadNames.map((w) => [w, 4] as const), [fleet.observer.name, 1] as const]);
      const same = (a: Record<string, number>, b: Record<string, number>) => JSON.stringify(Object.keys(a).sort().map((k) => [k, a[k]])) === JSON.stringify(Object.keys(b).sort().map((k) => [k, b[k]]));
      // Until every replica has scraped both targets of its cluster (each replica scrapes both).
      const { deduped, raw } = await waitFor('every replica to have scraped both Prometheus targets of its cluster, through the global Query', async () => {
        const d = byCluster(await query(expr, true));
        const r = byCluster(await query(expr, false));
        return same(r, wantRaw) ? { deduped: d, raw: r } : undefined;
      }, { timeoutMs: 60_000 });
      if (!same(deduped, want)) fail(`with dedup: ${JSON.stringify(deduped)}, expected ${JSON.stringify(want)}`);
      report.check(`${expr} with dedup: ${JSON.stringify(deduped)} (each cluster's two Prometheus targets once)`);
      report.check(`without dedup: ${JSON.stringify(raw)} (both replicas' copies)`);
      // Series equal but for the cluster: each cluster's copy stays, none merged into another's.
      const alike = await query('count by (job, namespace, pod) (up{job="prometheus", pod="prometheus-1"})', true);
      if (alike.length !== 1 || Number(alike[0].value[1]) !== workloadNames.length) fail(`up{pod="prometheus-1"}: ${JSON.stringify(alike)}`);
      report.check(`up{job="prometheus", pod="prometheus-1"}: ${workloadNames.length} series, one per workload cluster (they differ only in cluster and instance)`);
      const replicaLabels = (await query('up{job="prometheus"}', true)).filter((r) => r.metric.prometheus_replica !== undefined);
      if (replicaLabels.length > 0) fail(`deduplicated series still carry prometheus_replica: ${JSON.stringify(replicaLabels[0].metric)}`);
      report.check('deduplicated series carry no prometheus_replica label');
    });

    const alertsAt = async (url: string, filter: string): Promise<Obj[]> => JSON.parse((await tlsGet(`${url}/api/v2/alerts?filter=${encodeURIComponent(filter)}`)).body) as Obj[];
    const amUrls = amWeb.map((p) => `https://127.0.0.1:${p}`);

    await report.scenario('multi-cluster: the Watchdog of each cluster reaches the central Alertmanager once, labelled with its cluster, and pings that cluster\'s own dead man\'s switch', async () => {
      const want = fleet.clusters.map((c) => c.name).sort();
      for (const url of amUrls) {
        const watchdogs = await waitFor(`${url} to hold a Watchdog of every cluster`, async () => {
          const a = await alertsAt(url, 'alertname="Watchdog"');
          return JSON.stringify(a.map((x) => x.labels.cluster).sort()) === JSON.stringify(want) ? a : undefined;
        }, { timeoutMs: 60_000 });
        const withReplica = watchdogs.filter((a) => a.labels.prometheus_replica !== undefined);
        if (withReplica.length > 0) fail(`a Watchdog carries the replica label: ${JSON.stringify(withReplica[0].labels)}`);
        report.check(`${url} (over TLS with the client certificate): ${watchdogs.length} Watchdog alerts, one per cluster (${want.join(', ')}), the HA pairs' copies as one`);
      }
      const pings = await waitFor('each cluster\'s switch to be pinged', async () => {
        const d = sinks!.pings.filter((x) => x.receiver.startsWith('deadmans-switch-'));
        return want.every((c) => d.some((x) => x.receiver === `deadmans-switch-${c}`)) ? d : undefined;
      }, { timeoutMs: 60_000 });
      if (sinks!.pings.length !== pings.length) fail(`a switch outside the fleet's was pinged: ${JSON.stringify(sinks!.pings.map((p) => p.receiver))}`);
      for (const p of pings) {
        const clusters = p.labels.map((l) => `${l.alertname}/${l.cluster}`);
        if (p.status !== 'firing' || clusters.length !== 1 || clusters[0] !== `Watchdog/${p.receiver.slice('deadmans-switch-'.length)}`) fail(`${p.receiver} got ${p.status} ${JSON.stringify(clusters)}`);
      }
      report.check(`${pings.length} pings, each switch only with its own cluster's Watchdog (${want.map((c) => `deadmans-switch-${c}`).join(', ')})`);
      const tlsAlerting = await http(`${procs.find((p) => p.name === 'workload-a/prometheus-0')!.ready.replace('/-/ready', '')}/api/v1/alertmanagers`);
      const active = (tlsAlerting.data.activeAlertmanagers as { url: string }[]).map((a) => a.url).sort();
      if (active.length !== amUrls.length || !active.every((u) => u.startsWith('https://'))) fail(`workload-a/prometheus-0 alertmanagers: ${JSON.stringify(active)}`);
      report.check(`workload-a's Prometheus sends to ${active.join(', ')} (HTTPS with its client certificate)`);
    }, { skipBecause: healthy ? undefined : 'the fleet is not up' });

    await report.scenario('multi-cluster: a workload cluster that goes away fires FleetClusterUnreachable naming it, at the central Alertmanager and in a notification; the other stays quiet', async () => {
      const gone = workloadNames[workloadNames.length - 1];
      const stay = workloadNames.filter((w) => w !== gone);
      const before = sinks!.deliveries.length;
      for (const p of procs.filter((x) => x.name.startsWith(`${gone}/`))) await p.service!.stop('SIGKILL', 10_000);
      report.check(`stopped every process of ${gone}: ${procs.filter((x) => x.name.startsWith(`${gone}/`)).map((x) => x.name).join(', ')}`);
      const firing = await waitFor(`FleetClusterUnreachable{cluster="${gone}"} to fire in the observer's Prometheus`, async () => {
        const r = await http(`${observerProm}/api/v1/alerts`);
        const a = (r.data.alerts as Obj[]).filter((x) => x.labels.alertname === 'FleetClusterUnreachable' && x.state === 'firing');
        return a.length > 0 ? a : undefined;
      }, { timeoutMs: 90_000 });
      if (firing.map((a) => a.labels.cluster).join(',') !== gone) fail(`firing for ${JSON.stringify(firing.map((a) => a.labels))}`);
      report.check(`the observer's Prometheus fires FleetClusterUnreachable{cluster="${gone}"} (for ${FLEET_FOR} in this run), not for ${stay.join(', ')}`);
      const central = await waitFor('the central Alertmanager to hold it', async () => {
        const a = await alertsAt(amUrls[0], 'alertname="FleetClusterUnreachable"');
        return a.length > 0 ? a : undefined;
      }, { timeoutMs: 30_000 });
      if (central.length !== 1 || central[0].labels.cluster !== gone) fail(`central Alertmanager: ${JSON.stringify(central.map((a) => a.labels))}`);
      report.check(`the central Alertmanager holds it once, labelled cluster="${gone}" (the alert's own label, not the observer's external label)`);
      const note = await waitFor('a notification of it', async () => {
        const d = sinks!.deliveries.slice(before).filter((x) => x.kind === 'slack' && String(x.body.attachments?.[0]?.title ?? '').includes('FleetClusterUnreachable'));
        return d.length > 0 ? d : undefined;
      }, { timeoutMs: 60_000 });
      const title = String(note[0].body.attachments[0].title);
      if (!title.endsWith(` in ${gone}`)) fail(`Slack title "${title}" does not name the cluster`);
      report.check(`Slack ${note[0].key}: "${title}"`);
      // The observer pages (production's paging): the incident names the cluster in its details.
      const pd = await waitFor('the page of it', async () => {
        const d = sinks!.deliveries.slice(before).filter((x) => x.kind === 'pagerduty' && String(x.body.payload?.summary ?? '').includes('FleetClusterUnreachable'));
        return d.length > 0 ? d : undefined;
      }, { timeoutMs: 30_000 });
      if (pd[0].body.payload.custom_details?.cluster !== gone) fail(`PagerDuty details: ${JSON.stringify(pd[0].body.payload.custom_details)}`);
      report.check(`PagerDuty: "${pd[0].body.payload.summary}", details.cluster = ${gone}`);
      // Grafana's view, through the global Query: the observer's sidecar gives the alert's series
      // the observer's cluster label; the multi-cluster table (its query from the manifests)
      // still counts it for the lost cluster, by affected_cluster.
      const viaQuery = await waitFor('the alert\'s series through the global Query', async () => {
        const r = await query('ALERTS{alertname="FleetClusterUnreachable", alertstate="firing"}', true);
        return r.length > 0 ? r : undefined;
      }, { timeoutMs: 60_000 });
      report.check(`through the global Query the alert's series reads ${JSON.stringify({ cluster: viaQuery[0].metric.cluster, affected_cluster: viaQuery[0].metric.affected_cluster })}`);
      if (viaQuery[0].metric.affected_cluster !== gone) fail(`ALERTS through Query: ${JSON.stringify(viaQuery.map((r) => r.metric))}`);
      const dashboards = objectsOf(fleet.observer.name)
        .filter((x) => x.kind === 'ConfigMap' && String(x.metadata.name).startsWith('grafana-dashboards-'))
        .flatMap((x) => Object.values(x.data as Record<string, string>).map((t) => JSON.parse(t) as Obj));
      const table = (dashboards.find((d) => d.uid === 'k8s-resources-multicluster')!.panels as Obj[]).find((p) => p.title === 'Clusters' && p.targets)!;
      const tableExpr = String((table.targets as Obj[]).map((t) => t.expr).find((e: string) => e.includes('ALERTS'))).replace(/\$cluster/g, '.*');
      const counted = byCluster(await query(tableExpr, true));
      if (!(counted[gone] >= 1)) fail(`the multi-cluster table's "Critical alerts firing" does not count ${gone}: ${JSON.stringify(counted)}`);
      report.check(`the multi-cluster table's "Critical alerts firing" counts it for ${gone}: ${JSON.stringify(counted)}`);
      const notes = sinks!.deliveries.slice(before).filter((x) => JSON.stringify(x.body).includes('FleetClusterUnreachable'));
      const aboutStay = notes.filter((x) => stay.some((w) => JSON.stringify(x.body).includes(`"cluster":"${w}"`) || String(x.body.attachments?.[0]?.title ?? '').endsWith(` in ${w}`)));
      if (aboutStay.length > 0) fail(`a notification about ${stay.join(', ')}: ${JSON.stringify(aboutStay[0].body).slice(0, 300)}`);
    }, { skipBecause: healthy ? undefined : 'the fleet is not up' });
  } finally {
    await stopAll();
  }
}

/** `npm run e2e -- --only multi-cluster`: the fleet's scenarios alone (about two minutes). */
export async function runMultiClusterE2e(): Promise<number> {
  const report = new RunReport('e2e');
  report.log(`e2e of the example fleet only; run log: ${report.relativeDir()}/run.log`);
  await multiClusterScenarios(report, { logDir: report.dir, log: report.log });
  await stopAllServices();
  const left = runningServices();
  if (left.length > 0) report.log(`still running after teardown: ${left.join(', ')}`);
  const dir = report.write({});
  report.log(`${report.failed ? 'FAILED' : 'PASSED'} in ${(report.elapsed() / 1000).toFixed(1)}s; run log: ${dir}/run.log`);
  return report.failed || left.length > 0 ? 1 : 0;
}
