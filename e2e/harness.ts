import { spawnSync } from 'child_process';
import { buildSync } from 'esbuild';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join } from 'path';
import { parse } from 'yaml';
import type { StackConfig } from '../lib/config/types';
import { synthesizeAll } from '../lib/synth';
import { toYaml } from '../lib/render/yaml';
import { formatDuration, parseDuration } from '../lib/observability/slo';
import type { RuleGroup } from '../lib/observability/rule-group';
import { allObjects, K8sObject } from '../test/support/synth';
import { amtool, promtool, toolPath } from '../test/support/tools';
import { forgetTempDir, freePorts, http, registerTempDir, removeStaleRoots, repoRoot, Service, startService, tail, waitFor } from './processes';
import { Sinks } from './sinks';
import { History, historyTimeline, writeHistoryBlocks } from './thanos';
import {
  alertmanagerArgs,
  containerArgs,
  containerEnv,
  exporterArgs,
  localAlertmanagerConfig,
  localCluster,
  LocalPod,
  localPrometheusConfig,
  localRuleFiles,
  LocalPodSpec,
  localObjstoreConfig,
  mountPaths,
  PathMap,
  prometheusArgs,
  replaceSloGroups,
  shortPeriodSloRules,
  SloSource,
  thanosArgs,
} from './transform';

/**
 * Starts the production stack's Prometheus HA pair (each replica with its Thanos sidecar),
 * two clustered Alertmanagers, the Thanos store gateway and Query (the compactor on demand),
 * the exporter and the receiver sinks on loopback ports, from the synthesized manifests (see
 * transform.ts for exactly what changes). Used by `npm run e2e` (e2e/run.ts) and `npm run
 * demo` (e2e/demo.ts). Binaries: the pinned set `npm run tools` builds (toolPath).
 */

export interface HarnessSettings {
  /** SLO periods and windows are divided by this (30d -> 12h, 5m -> 5s with 60). */
  readonly timeScale: number;
  readonly scrapeInterval: string;
  readonly scrapeTimeout: string;
  readonly evaluationInterval: string;
  readonly groupWait: string;
  readonly groupInterval: string;
  /** Exporter overrides: simulation step, request rate, seed, spontaneous bursts a day (0: none). */
  readonly exporter: { readonly interval: string; readonly requestsPerSecond: string; readonly seed: string; readonly burstsPerDay: string };
  /** Gossip timings of the two Alertmanagers (flags without `--cluster.`). */
  readonly cluster: Readonly<Record<string, string>>;
  /**
   * Thanos flags the manifests leave at their defaults, shortened for the run (flag name
   * without `--` -> value): the store gateway's and the compactor's timings.
   */
  readonly thanos: { readonly store: Readonly<Record<string, string>>; readonly compactor: Readonly<Record<string, string>> };
}

export const DEFAULT_SETTINGS: HarnessSettings = {
  timeScale: 60,
  scrapeInterval: '1s',
  scrapeTimeout: '1s',
  evaluationInterval: '1s',
  // Not a whole number of evaluation intervals: a group's flushes then fall half a second
  // after the rule evaluations that add or resolve its alerts, never at the same instant.
  // When a change reaches the two Alertmanagers between their (millisecond-apart) flushes,
  // one flushes the state before the change, waits its peer_timeout, finds the other's
  // notification log entry different and sends its stale view: a notification that repeats
  // an earlier one (seen in this harness with 5s). The production defaults avoid the same
  // alignment: group_wait 10s/25s/55s against a 30s evaluation interval
  // (DEFAULT_ROUTE_TIMINGS in lib/render/alertmanager.ts).
  groupWait: '4500ms',
  groupInterval: '5s',
  exporter: { interval: '0.25', requestsPerSecond: '1000', seed: '7', burstsPerDay: '0' },
  cluster: {
    'gossip-interval': '100ms',
    'pushpull-interval': '5s',
    'peer-timeout': '2s',
    'settle-timeout': '5s',
    'probe-interval': '500ms',
    'probe-timeout': '250ms',
    'reconnect-interval': '2s',
  },
  thanos: {
    // Look for new and deleted blocks every 5s (default 15m).
    store: { 'sync-block-duration': '5s' },
    compactor: {
      // Process blocks as soon as they are uploaded (default 30m after upload: object stores
      // are eventually consistent; the local folder is not).
      'consistency-delay': '0s',
      // Delete blocks marked for deletion (compacted away, or past retention) at the next
      // iteration instead of 48h later, and iterate every 10s instead of 5m.
      'delete-delay': '0s',
      'wait-interval': '10s',
    },
  },
};

export const TEST_SECRETS = { pagerdutyRoutingKey: 'e2e-routing-key-0123456789abcdef', smtpPassword: 'e2e-smtp-password', webhookToken: 'e2e-webhook-token' };

export interface HarnessOptions {
  readonly config: StackConfig;
  /** The stack's SLOs (to render them with a short period); required when the rules have SLO groups. */
  readonly slos?: SloSource;
  readonly settings?: HarnessSettings;
  /**
   * Load the rule files only when `loadRules()` is called (Prometheus starts with an empty
   * rules directory and reloads). A just-started Prometheus has a few seconds of samples, and
   * an error ratio over so few requests is noisy: the baseline's 0.05 % errors can exceed a
   * 1x burn threshold for a moment. Loading the rules after a warm-up avoids that.
   * @default false (rules loaded at start)
   */
  readonly deferRules?: boolean;
  /** Change the synthesized objects before use (tests of the harness itself). @default none */
  readonly patchObjects?: (objects: K8sObject[]) => K8sObject[];
  /** Where process logs go (kept after the run). */
  readonly logDir: string;
  readonly log: (line: string) => void;
}

export interface PrometheusReplica {
  readonly pod: string;
  readonly url: string;
  readonly service: () => Service;
  /** Its TSDB folder (the `/prometheus` volume). */
  readonly dataDir: string;
}

export interface ThanosComponent {
  readonly pod: string;
  /** `127.0.0.1:<port>` of its StoreAPI (gRPC), when it has one. */
  readonly grpc?: string;
  /** `http://127.0.0.1:<port>`. */
  readonly http: string;
  readonly service: () => Service | undefined;
}

export interface ThanosParts {
  /** The FILESYSTEM bucket (the objstore type standing in for S3). */
  readonly bucketDir: string;
  readonly history: History;
  /** ULIDs of the history blocks written into each replica's TSDB folder, by pod. */
  readonly historyBlocks: Readonly<Record<string, readonly string[]>>;
  readonly sidecars: readonly ThanosComponent[];
  readonly store: ThanosComponent;
  readonly query: ThanosComponent;
  readonly compactor: ThanosComponent & { readonly args: readonly string[] };
  /** Start the compactor (its pod is in the local cluster from the start; the process runs from now); resolves when ready, throws with its log when it exits. */
  startCompactor(): Promise<void>;
}

export interface Harness {
  readonly root: string;
  readonly settings: HarnessSettings;
  readonly sinks: Sinks;
  readonly urls: { readonly prometheus: string; readonly alertmanagers: readonly string[]; readonly exporter: string; readonly sinks: string };
  /** The first Prometheus replica (prometheus-0). */
  readonly prometheus: () => Service;
  /** Every Prometheus replica that runs (the HA pair in production). */
  readonly prometheusReplicas: readonly PrometheusReplica[];
  /** Thanos (sidecars, store gateway, Query, compactor), when the stack deploys it. */
  readonly thanos?: ThanosParts;
  /** Pods of the local cluster (discovered by Prometheus) whose process is started later. */
  readonly deferredPods: () => readonly string[];
  /** `--version` of each binary that runs, by name. */
  readonly versions: Readonly<Record<string, string>>;
  readonly alertmanagers: readonly Service[];
  readonly exporter: Service;
  /** The alertmanager.yml the Alertmanagers run (for routing expectations). */
  readonly alertmanagerConfig: Record<string, any>;
  /** Rule files as Prometheus loads them, and the short-period SLO groups. */
  readonly ruleFiles: Readonly<Record<string, string>>;
  /** The pods that run, as discovery sees them. */
  readonly pods: readonly LocalPod[];
  readonly sloGroups: readonly RuleGroup[];
  /** Write the rule files (when deferred) and reload Prometheus; resolves when every group is loaded. */
  loadRules(): Promise<void>;
  /** Stop prometheus-0 (SIGTERM, or SIGKILL) and start it again on the same data; resolves when ready. */
  restartPrometheus(signal?: NodeJS.Signals): Promise<void>;
  stop(): Promise<void>;
}

function workloadObjects(config: StackConfig): K8sObject[] {
  const files = synthesizeAll([config]);
  return allObjects(files).filter((o) => o.file.startsWith(`${config.environment}/`)).map((o) => o.object);
}

export function configMap(objects: readonly K8sObject[], name: string, namespace: string): Record<string, string> {
  const cm = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === name && (o.metadata.namespace ?? 'default') === namespace);
  if (!cm) throw new Error(`ConfigMap ${namespace}/${name} is not in the synthesized output`);
  return cm.data ?? {};
}

/**
 * Write the container's volumes under the pod root: ConfigMaps with their (transformed) data,
 * the ServiceAccount token (a dummy), other volumes as empty directories. Secrets (the user
 * creates them; they are not in the output) are written by the caller.
 */
export function materialize(p: LocalPod, containerName: string, paths: PathMap, objects: readonly K8sObject[], transform: (configMap: string, data: Record<string, string>, dir: string) => Record<string, string>): void {
  const c = (p.template.containers as any[]).find((x) => x.name === containerName);
  for (const [, dir] of paths) mkdirSync(dir, { recursive: true });
  for (const m of (c.volumeMounts ?? []) as any[]) {
    const volume = ((p.template.volumes ?? []) as any[]).find((v) => v.name === m.name);
    const dir = paths.find(([from]) => from === m.mountPath.replace(/\/+$/, ''))![1];
    if (volume?.configMap) {
      const data = transform(volume.configMap.name, configMap(objects, volume.configMap.name, p.namespace), dir);
      for (const [file, content] of Object.entries(data)) writeFileSync(join(dir, file), content);
    }
  }
  const sa = paths.find(([from]) => from === '/var/run/secrets/kubernetes.io/serviceaccount');
  if (sa) {
    writeFileSync(join(sa[1], 'token'), 'e2e-not-a-token');
    writeFileSync(join(sa[1], 'namespace'), p.namespace);
  }
}

/** The container's mounts with the one of a ConfigMap volume moved to a folder shared with other pods. */
function shareConfigMapMount(p: LocalPod, containerName: string, paths: PathMap, configMap: string, shared: string): PathMap {
  const c = (p.template.containers as any[]).find((x) => x.name === containerName);
  const mount = ((c?.volumeMounts ?? []) as any[]).find((m) => ((p.template.volumes ?? []) as any[]).find((v) => v.name === m.name)?.configMap?.name === configMap);
  if (!mount) throw new Error(`${p.spec.name}/${containerName} mounts no ConfigMap ${configMap}`);
  const at = String(mount.mountPath).replace(/\/+$/, '');
  return paths.map(([from, to]) => (from === at ? ([from, shared] as const) : ([from, to] as const)));
}

export function writeFiles(files: Readonly<Record<string, string>>): void {
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content);
  }
}

function bundleExporter(out: string): void {
  buildSync({
    entryPoints: [join(repoRoot(), 'exporter', 'src', 'main.ts')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outfile: out,
    logLevel: 'error',
  });
}

/** Fail early, with the tool's message, on a config the real binaries would refuse. */
function checkWithTools(promConfigFile: string, amConfigFile: string): void {
  const p = promtool(['check', 'config', promConfigFile]);
  if (p.status !== 0) throw new Error(`promtool check config refused the local prometheus.yml:\n${p.output}`);
  const a = amtool(['check-config', amConfigFile]);
  if (a.status !== 0) throw new Error(`amtool check-config refused the local alertmanager.yml:\n${a.output}`);
}

export async function startHarness(o: HarnessOptions): Promise<Harness> {
  const settings = o.settings ?? DEFAULT_SETTINGS;
  const t0 = Date.now();
  const stale = removeStaleRoots(tmpdir());
  if (stale.length > 0) o.log(`removed temporary roots of runs that are gone: ${stale.join(', ')}`);
  const root = mkdtempSync(join(tmpdir(), `obs-e2e-${process.pid}-`));
  registerTempDir(root);
  mkdirSync(o.logDir, { recursive: true });
  const started: Service[] = [];
  let sinks: Sinks | undefined;
  const stopEverything = async () => {
    // One at a time, last started first: a leaving Alertmanager waits (up to 10s) for a peer
    // to acknowledge its leave message, which a peer that is shutting down too never does.
    for (const s of [...started].reverse()) await s.stop('SIGTERM', 10_000);
    await sinks?.stop();
    rmSync(root, { recursive: true, force: true });
    forgetTempDir(root);
  };

  try {
    const objects = (o.patchObjects ?? ((x) => x))(workloadObjects(o.config));
    o.log(`synthesized ${o.config.environment}: ${objects.length} objects (${Date.now() - t0} ms)`);
    const workload = (kind: string, name: string) => objects.find((x) => x.kind === kind && x.metadata.name === name);
    const hasContainer = (w: K8sObject | undefined, name: string) => ((w?.spec?.template?.spec?.containers ?? []) as any[]).some((c) => c.name === name);

    // ---- Which pods run: the Prometheus HA pair (two replicas, one when the environment runs
    // one), with their Thanos sidecars; two clustered Alertmanagers (one when unclustered);
    // one pod of each other Thanos component; the exporter.
    const promSet = workload('StatefulSet', 'prometheus');
    const promCount = Math.min(2, Number(promSet?.spec?.replicas ?? 1));
    const withThanos = hasContainer(promSet, 'thanos-sidecar') && !!workload('StatefulSet', 'thanos-store') && !!workload('Deployment', 'thanos-query') && !!workload('StatefulSet', 'thanos-compact');
    const [exporterPort, sinkHttp, sinkSmtp] = await freePorts(3);
    const promPorts = await freePorts(promCount * 3);
    const amSet = workload('StatefulSet', 'alertmanager');
    const amCount = Math.min(2, Number(amSet?.spec?.replicas ?? 1));
    const amWeb = await freePorts(amCount);
    const amMesh = await freePorts(amCount, { udp: true });
    const amNames = amWeb.map((_, i) => `alertmanager-${i}`);
    const thanosPorts = withThanos ? await freePorts(5) : [];
    const promNames = Array.from({ length: promCount }, (_, i) => `prometheus-${i}`);
    const specs: LocalPodSpec[] = [
      ...promNames.map((name, i) => ({
        name,
        workload: 'StatefulSet/prometheus',
        containers: withThanos ? ['prometheus', 'thanos-sidecar'] : ['prometheus'],
        ports: (withThanos ? { 9090: promPorts[3 * i], 10901: promPorts[3 * i + 1], 10902: promPorts[3 * i + 2] } : { 9090: promPorts[3 * i] }) as Record<number, number>,
      })),
      ...amNames.map((name, i) => ({ name, workload: 'StatefulSet/alertmanager', containers: ['alertmanager'], ports: { 9093: amWeb[i], 9094: amMesh[i] } })),
      { name: 'app-exporter-e2e', workload: 'Deployment/app-exporter', containers: ['app-exporter'], ports: { 8000: exporterPort } },
      ...(withThanos
        ? [
            { name: 'thanos-store-0', workload: 'StatefulSet/thanos-store', containers: ['thanos-store'], ports: { 10901: thanosPorts[0], 10902: thanosPorts[1] } },
            { name: 'thanos-query-e2e', workload: 'Deployment/thanos-query', containers: ['thanos-query'], ports: { 10901: thanosPorts[2], 10902: thanosPorts[3] } },
            { name: 'thanos-compact-0', workload: 'StatefulSet/thanos-compact', containers: ['thanos-compact'], ports: { 10902: thanosPorts[4] } },
          ]
        : []),
    ];
    const { fixture, pods } = localCluster(objects, specs);
    const pod = (name: string) => pods.find((p) => p.spec.name === name)!;
    const urls = {
      prometheus: `http://127.0.0.1:${promPorts[0]}`,
      alertmanagers: amWeb.map((port) => `http://127.0.0.1:${port}`),
      exporter: `http://127.0.0.1:${exporterPort}`,
      sinks: `http://127.0.0.1:${sinkHttp}`,
    };

    // ---- Binaries: the pinned set, each named with its version in the log.
    const versions: Record<string, string> = {};
    for (const name of ['prometheus', 'promtool', 'alertmanager', 'amtool', ...(withThanos ? ['thanos'] : [])]) {
      // Prometheus's tools print their version on stdout, Thanos on stderr.
      const res = spawnSync(toolPath(name), ['--version'], { encoding: 'utf8', timeout: 30_000 });
      versions[name] = `${res.stdout ?? ''}${res.stderr ?? ''}`.split('\n')[0].trim();
      if (res.status !== 0 || !/version \d/.test(versions[name])) throw new Error(`${toolPath(name)} --version: exit ${res.status}, "${versions[name]}"`);
      o.log(`binary ${toolPath(name)}: ${versions[name]}`);
    }

    // ---- Sinks.
    sinks = new Sinks(root, { ...TEST_SECRETS, smtpUser: o.config.alertmanager.email?.authUsername });
    await sinks.start({ http: sinkHttp, smtp: sinkSmtp });

    // ---- Rules: the stack's files, SLO groups re-rendered with a short period.
    let sloGroups: RuleGroup[] = [];
    let ruleFiles: Record<string, string> = {};
    const rulesFor = (data: Record<string, string>) => {
      const hasSlo = Object.values(data).some((t) => (parse(t) as { groups: { name: string }[] }).groups.some((g) => g.name.startsWith('sloth-slo-')));
      let files = data;
      if (o.slos) {
        const { production, short } = shortPeriodSloRules(o.slos, settings.timeScale);
        files = replaceSloGroups(data, production, short);
        sloGroups = short;
      } else if (hasSlo) {
        throw new Error('prometheus-rules has SLO groups but the harness was given no SLO source to render them with a short period');
      }
      ruleFiles = localRuleFiles(files, settings.evaluationInterval);
      return ruleFiles;
    };

    // ---- Thanos: the bucket (FILESYSTEM standing in for the object store) and weeks-old blocks.
    const bucketDir = join(root, 'bucket');
    const history = historyTimeline(Date.now());
    const historyBlocks: Record<string, string[]> = {};
    const objstore = (name: string, data: Record<string, string>) => {
      if (name !== 'thanos-objstore') return data;
      return { 'objstore.yml': localObjstoreConfig(data['objstore.yml'], bucketDir) };
    };
    // The objstore credentials Secret is the user's; the FILESYSTEM bucket reads no credentials.
    const secrets = (secretName: string, key: string) => `e2e-unused-${secretName}-${key}`;

    // ---- Prometheus replicas (and their sidecars' args).
    interface Replica { pod: string; port: number; args: string[]; env: NodeJS.ProcessEnv; rulesDir?: string; dataDir: string; service?: Service; sidecarArgs?: string[] }
    const replicas: Replica[] = [];
    const historyWrites: Promise<void>[] = [];
    let promConfigFile = '';
    // The rule files are one folder shared by the replicas, as the ConfigMap is mounted at the
    // same path in every pod: Prometheus offsets a rule group's evaluations within the interval
    // by a hash of its name and file path, so the same paths make the replicas evaluate (and
    // send alerts) at the same instants, as in the cluster. Per-pod folders would give each
    // replica its own phase, and alerts would reach the Alertmanagers at two instants per
    // interval, one of which can fall between the two Alertmanagers' flushes of a group (the
    // race the notification timings are chosen to avoid; see DEFAULT_SETTINGS.groupWait).
    const sharedRules = join(root, 'configmaps', 'prometheus-rules');
    for (const [i, name] of promNames.entries()) {
      const p = pod(name);
      const podRoot = join(root, 'pods', name);
      const paths = shareConfigMapMount(p, 'prometheus', mountPaths(p, 'prometheus', podRoot), 'prometheus-rules', sharedRules);
      let rulesDir: string | undefined;
      materialize(p, 'prometheus', paths, objects, (cm, data, dir) => {
        if (cm === 'prometheus-rules') {
          rulesDir = dir;
          const files = rulesFor(data);
          return o.deferRules ? {} : files;
        }
        if (cm === 'prometheus-config') {
          const local = localPrometheusConfig(parse(data['prometheus.yml']), {
            cluster: fixture,
            scrapeInterval: settings.scrapeInterval,
            scrapeTimeout: settings.scrapeTimeout,
            evaluationInterval: settings.evaluationInterval,
            paths,
          });
          return { 'prometheus.yml': toYaml(local) };
        }
        return data;
      });
      const url = `http://127.0.0.1:${promPorts[3 * i]}`;
      const args = prometheusArgs(containerArgs(p, 'prometheus', paths), {
        listen: `127.0.0.1:${promPorts[3 * i]}`,
        externalUrl: url,
        // The binary is the pinned version the manifests deploy: the container's own flags apply as they are.
        featureFlags: [],
      });
      promConfigFile = args.find((a) => a.startsWith('--config.file='))!.slice('--config.file='.length);
      const dataDir = args.find((a) => a.startsWith('--storage.tsdb.path='))!.slice('--storage.tsdb.path='.length);
      const replica: Replica = { pod: name, port: promPorts[3 * i], args, env: { ...process.env, ...containerEnv(p, 'prometheus') }, rulesDir, dataDir };
      if (withThanos) {
        const sidecarPaths = mountPaths(p, 'thanos-sidecar', podRoot);
        materialize(p, 'thanos-sidecar', sidecarPaths, objects, objstore);
        replica.sidecarArgs = thanosArgs(containerArgs(p, 'thanos-sidecar', sidecarPaths, secrets), { self: p, cluster: fixture });
        if (!replica.sidecarArgs.includes(`--tsdb.path=${dataDir}`)) throw new Error(`the sidecar of ${name} does not read its Prometheus's TSDB folder ${dataDir}: ${replica.sidecarArgs.join(' ')}`);
        historyWrites.push(writeHistoryBlocks(history, dataDir, podRoot).then((ulids) => void (historyBlocks[name] = ulids)));
      }
      replicas.push(replica);
    }
    // Both replicas' history at once (a promtool each).
    await Promise.all(historyWrites);
    if (withThanos) {
      // Prometheus's own time retention is relative to its newest block: the history must fit in it.
      const retention = replicas[0].args.find((a) => a.startsWith('--storage.tsdb.retention.time='))?.split('=')[1];
      const retentionMs = retention ? parseDuration(retention) : undefined;
      if (retentionMs !== undefined && retentionMs <= history.end - history.start) {
        throw new Error(`--storage.tsdb.retention.time=${retention} is shorter than the history the Thanos scenarios need (${formatDuration(history.end - history.start)}): Prometheus would delete it before the sidecar uploads it`);
      }
      o.log(`history for Thanos: ${historyBlocks[promNames[0]].length} blocks of 2h in each replica's TSDB folder, ${new Date(history.start).toISOString()} .. ${new Date(history.end).toISOString()}`);
    }

    // ---- Alertmanagers.
    let amConfig: Record<string, any> = {};
    const amArgs: string[][] = [];
    let amConfigFile = '';
    for (const [i, name] of amNames.entries()) {
      const p = pod(name);
      const paths = mountPaths(p, 'alertmanager', join(root, 'pods', name));
      let secretFiles: Record<string, string> = {};
      materialize(p, 'alertmanager', paths, objects, (cm, data) => {
        if (cm !== 'alertmanager-config') return data;
        const local = localAlertmanagerConfig(parse(data['alertmanager.yml']), {
          sinks: sinks!.targets(),
          secrets: TEST_SECRETS,
          groupWait: settings.groupWait,
          groupInterval: settings.groupInterval,
          paths,
        });
        amConfig = local.config;
        secretFiles = local.secretFiles;
        return { 'alertmanager.yml': toYaml(local.config) };
      });
      writeFiles(secretFiles);
      const args = alertmanagerArgs(containerArgs(p, 'alertmanager', paths), {
        self: p,
        pods,
        externalUrl: urls.alertmanagers[i],
        extra: Object.entries(settings.cluster).map(([k, v]) => `--cluster.${k}=${v}`),
      });
      amConfigFile = args.find((a) => a.startsWith('--config.file='))!.slice('--config.file='.length);
      amArgs.push(args);
    }

    // ---- Thanos store gateway, Query, compactor.
    const thanosComponent = (name: string, container: string, overrides?: Readonly<Record<string, string>>) => {
      const p = pod(name);
      const paths = mountPaths(p, container, join(root, 'pods', name));
      materialize(p, container, paths, objects, objstore);
      return { pod: p, args: thanosArgs(containerArgs(p, container, paths, secrets), { self: p, cluster: fixture, overrides }) };
    };
    const store = withThanos ? thanosComponent('thanos-store-0', 'thanos-store', settings.thanos.store) : undefined;
    const query = withThanos ? thanosComponent('thanos-query-e2e', 'thanos-query') : undefined;
    const compactor = withThanos ? thanosComponent('thanos-compact-0', 'thanos-compact', settings.thanos.compactor) : undefined;
    if (withThanos) mkdirSync(bucketDir, { recursive: true });

    checkWithTools(promConfigFile, amConfigFile);
    o.log(`configs written under ${root} and accepted by promtool and amtool (${Date.now() - t0} ms)`);

    // ---- Exporter.
    const exporterPod = pod('app-exporter-e2e');
    const bundle = join(root, 'app-exporter.cjs');
    bundleExporter(bundle);
    // No spontaneous simulated bursts (about 4 a day by default, 2-15 % errors for 1-5 minutes:
    // above both page thresholds): an alert the scenarios did not cause, or a page that keeps
    // firing past the resolve wait. Only the scenarios' incidents make errors.
    const overrides: Record<string, string> = {
      host: '127.0.0.1',
      interval: settings.exporter.interval,
      'requests-per-second': settings.exporter.requestsPerSecond,
      seed: settings.exporter.seed,
      'bursts-per-day': settings.exporter.burstsPerDay,
    };
    const expArgs = exporterArgs(containerArgs(exporterPod, 'app-exporter', []), { self: exporterPod, overrides });

    // ---- Start, in dependency order (Prometheus after the Alertmanagers it sends to; the
    // sidecars after their Prometheus; Query last).
    const httpPort = (args: readonly string[]) => args.find((a) => a.startsWith('--http-address='))!.split(':').pop();
    const grpcAddress = (args: readonly string[]) => args.find((a) => a.startsWith('--grpc-address='))?.slice('--grpc-address='.length);
    const exporter = startService('app-exporter', process.execPath, [bundle, ...expArgs], { logFile: join(o.logDir, 'app-exporter.log') });
    started.push(exporter);
    const alertmanagers = amArgs.map((args, i) => startService(`alertmanager-${i}`, toolPath('alertmanager'), args, { logFile: join(o.logDir, `alertmanager-${i}.log`) }));
    started.push(...alertmanagers);
    const promLog = (r: Replica) => join(o.logDir, r.pod === 'prometheus-0' ? 'prometheus.log' : `${r.pod}.log`);
    for (const r of replicas) {
      r.service = startService(r.pod, toolPath('prometheus'), r.args, { env: r.env, logFile: promLog(r) });
      started.push(r.service);
    }
    const sidecars: Array<{ pod: string; grpc: string; http: string; service: Service }> = [];
    for (const r of replicas) {
      if (!r.sidecarArgs) continue;
      const service = startService(`${r.pod}-sidecar`, toolPath('thanos'), r.sidecarArgs, { logFile: join(o.logDir, `${r.pod}-thanos-sidecar.log`) });
      started.push(service);
      sidecars.push({ pod: r.pod, grpc: grpcAddress(r.sidecarArgs)!, http: `http://127.0.0.1:${httpPort(r.sidecarArgs)}`, service });
    }
    const storeService = store && startService('thanos-store', toolPath('thanos'), store.args, { logFile: join(o.logDir, 'thanos-store.log') });
    if (storeService) started.push(storeService);
    const queryService = query && startService('thanos-query', toolPath('thanos'), query.args, { logFile: join(o.logDir, 'thanos-query.log') });
    if (queryService) started.push(queryService);

    const ready = async (name: string, url: string, service: () => Service) =>
      waitFor(`${name} to be ready at ${url}`, async () => {
        if (!service().running) throw new Error(`${name} exited: ${tail(service().logFile, 15)}`);
        await http(url);
        return true;
      }, { timeoutMs: 60_000, describe: () => tail(service().logFile, 10) });
    await Promise.all([
      ready('app-exporter', `${urls.exporter}/readyz`, () => exporter),
      ...alertmanagers.map((am, i) => ready(am.name, `${urls.alertmanagers[i]}/-/ready`, () => am)),
      ...replicas.map((r) => ready(r.pod, `http://127.0.0.1:${r.port}/-/ready`, () => r.service!)),
      ...sidecars.map((sc) => ready(sc.service.name, `${sc.http}/-/ready`, () => sc.service)),
      ...(storeService && store ? [ready('thanos-store', `http://127.0.0.1:${httpPort(store.args)}/-/ready`, () => storeService)] : []),
      ...(queryService && query ? [ready('thanos-query', `http://127.0.0.1:${httpPort(query.args)}/-/ready`, () => queryService)] : []),
    ]);
    // The two Alertmanagers see each other.
    if (amCount > 1) {
      await waitFor(`the Alertmanager cluster to have ${amCount} members and be ready`, async () => {
        const s = await Promise.all(urls.alertmanagers.map((u) => http(`${u}/api/v2/status`)));
        return s.every((x) => x.cluster?.status === 'ready' && (x.cluster?.peers ?? []).length === amCount) ? true : undefined;
      }, { timeoutMs: 30_000 });
    }
    o.log(
      `started: prometheus ${replicas.map((r) => `${r.pod} http://127.0.0.1:${r.port}`).join(', ')}, alertmanagers ${urls.alertmanagers.join(' ')}, exporter ${urls.exporter}, sinks ${urls.sinks} smtp ${sinks.urls.smarthost}` +
        `${withThanos ? `, thanos sidecars ${sidecars.map((x) => x.grpc).join(' ')}, store ${grpcAddress(store!.args)}, query http://127.0.0.1:${httpPort(query!.args)}` : ''} (${Date.now() - t0} ms)`,
    );

    const loadRules = async () => {
      if (replicas.some((r) => !r.rulesDir)) throw new Error('the Prometheus container mounts no prometheus-rules ConfigMap');
      if (!o.deferRules) return;
      const want = Object.values(ruleFiles).reduce((n, t) => n + (parse(t) as { groups: unknown[] }).groups.length, 0);
      for (const dir of new Set(replicas.map((r) => r.rulesDir!))) for (const [file, content] of Object.entries(ruleFiles)) writeFileSync(join(dir, file), content);
      await Promise.all(
        replicas.map(async (r) => {
          const url = `http://127.0.0.1:${r.port}`;
          await http(`${url}/-/reload`, { method: 'POST', timeoutMs: 30_000 });
          await waitFor(`${r.pod} to load ${want} rule groups`, async () => ((await http(`${url}/api/v1/rules`)).data.groups.length === want ? true : undefined), { timeoutMs: 20_000 });
        }),
      );
    };

    const restartPrometheus = async (signal: NodeJS.Signals = 'SIGTERM') => {
      const r = replicas[0];
      await r.service!.stop(signal, 30_000);
      const i = started.indexOf(r.service!);
      r.service = startService(r.pod, toolPath('prometheus'), r.args, { env: r.env, logFile: promLog(r) });
      started[i] = r.service;
      await ready(r.pod, `${urls.prometheus}/-/ready`, () => r.service!);
    };

    let compactorService: Service | undefined;
    const deferred = new Set(withThanos ? ['thanos-compact-0'] : []);
    const startCompactor = async () => {
      if (!compactor) throw new Error('the stack deploys no Thanos compactor');
      if (compactorService?.running) return;
      compactorService = startService('thanos-compact', toolPath('thanos'), compactor.args, { logFile: join(o.logDir, 'thanos-compact.log') });
      started.push(compactorService);
      const service = compactorService;
      await ready('thanos-compact', `http://127.0.0.1:${httpPort(compactor.args)}/-/ready`, () => service);
      deferred.delete('thanos-compact-0');
    };

    const thanos: ThanosParts | undefined = withThanos
      ? {
          bucketDir,
          history,
          historyBlocks,
          sidecars: sidecars.map((x) => ({ pod: x.pod, grpc: x.grpc, http: x.http, service: () => x.service })),
          store: { pod: 'thanos-store-0', grpc: grpcAddress(store!.args), http: `http://127.0.0.1:${httpPort(store!.args)}`, service: () => storeService },
          query: { pod: 'thanos-query-e2e', grpc: grpcAddress(query!.args), http: `http://127.0.0.1:${httpPort(query!.args)}`, service: () => queryService },
          compactor: { pod: 'thanos-compact-0', http: `http://127.0.0.1:${httpPort(compactor!.args)}`, args: compactor!.args, service: () => compactorService },
          startCompactor,
        }
      : undefined;

    return {
      root,
      settings,
      sinks,
      urls,
      prometheus: () => replicas[0].service!,
      prometheusReplicas: replicas.map((r) => ({ pod: r.pod, url: `http://127.0.0.1:${r.port}`, service: () => r.service!, dataDir: r.dataDir })),
      thanos,
      deferredPods: () => [...deferred],
      versions,
      alertmanagers,
      exporter,
      alertmanagerConfig: amConfig,
      ruleFiles,
      pods,
      sloGroups,
      loadRules,
      restartPrometheus,
      stop: stopEverything,
    };
  } catch (e) {
    await stopEverything();
    throw e;
  }
}
