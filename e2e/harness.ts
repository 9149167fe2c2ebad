import { buildSync } from 'esbuild';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join } from 'path';
import { parse } from 'yaml';
import type { StackConfig } from '../lib/config/types';
import { synthesizeAll } from '../lib/synth';
import { toYaml } from '../lib/render/yaml';
import type { RuleGroup } from '../lib/observability/rule-group';
import { allObjects, K8sObject } from '../test/support/synth';
import { amtool, promtool, toolPath } from '../test/support/tools';
import { forgetTempDir, freePorts, http, registerTempDir, removeStaleRoots, repoRoot, Service, startService, tail, waitFor } from './processes';
import { Sinks } from './sinks';
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
  mountPaths,
  PathMap,
  prometheusArgs,
  replaceSloGroups,
  shortPeriodSloRules,
  SloSource,
} from './transform';

/**
 * Starts the production stack's Prometheus, two clustered Alertmanagers, the exporter and the
 * receiver sinks on loopback ports, from the synthesized manifests (see transform.ts for
 * exactly what changes). Used by `npm run e2e` (e2e/run.ts) and `npm run demo` (e2e/demo.ts).
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

export interface Harness {
  readonly root: string;
  readonly settings: HarnessSettings;
  readonly sinks: Sinks;
  readonly urls: { readonly prometheus: string; readonly alertmanagers: readonly string[]; readonly exporter: string; readonly sinks: string };
  readonly prometheus: () => Service;
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
  /** Stop Prometheus (SIGTERM, or SIGKILL) and start it again on the same data; resolves when ready. */
  restartPrometheus(signal?: NodeJS.Signals): Promise<void>;
  stop(): Promise<void>;
}

function workloadObjects(config: StackConfig): K8sObject[] {
  const files = synthesizeAll([config]);
  return allObjects(files).filter((o) => o.file.startsWith(`${config.environment}/`)).map((o) => o.object);
}

function configMap(objects: readonly K8sObject[], name: string, namespace: string): Record<string, string> {
  const cm = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === name && (o.metadata.namespace ?? 'default') === namespace);
  if (!cm) throw new Error(`ConfigMap ${namespace}/${name} is not in the synthesized output`);
  return cm.data ?? {};
}

/**
 * Write the container's volumes under the pod root: ConfigMaps with their (transformed) data,
 * the ServiceAccount token (a dummy), other volumes as empty directories. Secrets (the user
 * creates them; they are not in the output) are written by the caller.
 */
function materialize(p: LocalPod, containerName: string, paths: PathMap, objects: readonly K8sObject[], transform: (configMap: string, data: Record<string, string>, dir: string) => Record<string, string>): void {
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

function writeFiles(files: Readonly<Record<string, string>>): void {
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

    const [promPort, exporterPort, sinkHttp, sinkSmtp] = await freePorts(4);
    // Two clustered Alertmanagers (one when the environment runs a single, unclustered replica).
    const amSet = objects.find((x) => x.kind === 'StatefulSet' && x.metadata.name === 'alertmanager');
    const amCount = Math.min(2, Number(amSet?.spec?.replicas ?? 1));
    const amWeb = await freePorts(amCount);
    const amMesh = await freePorts(amCount, { udp: true });
    const amNames = amWeb.map((_, i) => `alertmanager-${i}`);
    const specs: LocalPodSpec[] = [
      { name: 'prometheus-0', workload: 'StatefulSet/prometheus', containers: ['prometheus'], ports: { 9090: promPort } },
      ...amNames.map((name, i) => ({ name, workload: 'StatefulSet/alertmanager', containers: ['alertmanager'], ports: { 9093: amWeb[i], 9094: amMesh[i] } })),
      { name: 'app-exporter-e2e', workload: 'Deployment/app-exporter', containers: ['app-exporter'], ports: { 8000: exporterPort } },
    ];
    const { fixture, pods } = localCluster(objects, specs);
    const pod = (name: string) => pods.find((p) => p.spec.name === name)!;
    const urls = {
      prometheus: `http://127.0.0.1:${promPort}`,
      alertmanagers: amWeb.map((port) => `http://127.0.0.1:${port}`),
      exporter: `http://127.0.0.1:${exporterPort}`,
      sinks: `http://127.0.0.1:${sinkHttp}`,
    };

    // ---- Sinks.
    sinks = new Sinks(root, { ...TEST_SECRETS, smtpUser: o.config.alertmanager.email?.authUsername });
    await sinks.start({ http: sinkHttp, smtp: sinkSmtp });

    // ---- Rules: the stack's files, SLO groups re-rendered with a short period.
    const promPod = pod('prometheus-0');
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

    // ---- Prometheus.
    const promRoot = join(root, 'pods', 'prometheus-0');
    const promPaths = mountPaths(promPod, 'prometheus', promRoot);
    let promConfigFile = '';
    let rulesDir: string | undefined;
    materialize(promPod, 'prometheus', promPaths, objects, (name, data, dir) => {
      if (name === 'prometheus-rules') {
        rulesDir = dir;
        const files = rulesFor(data);
        return o.deferRules ? {} : files;
      }
      if (name === 'prometheus-config') {
        const local = localPrometheusConfig(parse(data['prometheus.yml']), {
          cluster: fixture,
          scrapeInterval: settings.scrapeInterval,
          scrapeTimeout: settings.scrapeTimeout,
          evaluationInterval: settings.evaluationInterval,
          paths: promPaths,
        });
        return { 'prometheus.yml': toYaml(local) };
      }
      return data;
    });
    const promArgs = prometheusArgs(containerArgs(promPod, 'prometheus', promPaths), {
      listen: `127.0.0.1:${promPort}`,
      externalUrl: urls.prometheus,
      // The binary is the pinned version the manifests deploy: the container's own flags apply as they are.
      featureFlags: [],
    });
    promConfigFile = promArgs.find((a) => a.startsWith('--config.file='))!.slice('--config.file='.length);
    const promEnv = { ...process.env, ...containerEnv(promPod, 'prometheus') };

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
          sinks: { slackUrl: sinks!.urls.slack, pagerdutyUrl: sinks!.urls.pagerduty, webhookUrl: sinks!.urls.webhook, smarthost: sinks!.urls.smarthost, smtpCaFile: sinks!.certFile },
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

    // ---- Start, in dependency order (Prometheus last: it sends to the Alertmanagers).
    const exporter = startService('app-exporter', process.execPath, [bundle, ...expArgs], { logFile: join(o.logDir, 'app-exporter.log') });
    started.push(exporter);
    const alertmanagers = amArgs.map((args, i) => startService(`alertmanager-${i}`, toolPath('alertmanager'), args, { logFile: join(o.logDir, `alertmanager-${i}.log`) }));
    started.push(...alertmanagers);
    let prometheus = startService('prometheus', toolPath('prometheus'), promArgs, { env: promEnv, logFile: join(o.logDir, 'prometheus.log') });
    started.push(prometheus);

    const ready = async (name: string, url: string, service: () => Service) =>
      waitFor(`${name} to be ready at ${url}`, async () => {
        if (!service().running) throw new Error(`${name} exited: ${tail(service().logFile, 15)}`);
        await http(url);
        return true;
      }, { timeoutMs: 60_000, describe: () => tail(service().logFile, 10) });
    await Promise.all([
      ready('app-exporter', `${urls.exporter}/readyz`, () => exporter),
      ...alertmanagers.map((am, i) => ready(am.name, `${urls.alertmanagers[i]}/-/ready`, () => am)),
      ready('prometheus', `${urls.prometheus}/-/ready`, () => prometheus),
    ]);
    // The two Alertmanagers see each other.
    if (amCount > 1) {
      await waitFor(`the Alertmanager cluster to have ${amCount} members and be ready`, async () => {
        const s = await Promise.all(urls.alertmanagers.map((u) => http(`${u}/api/v2/status`)));
        return s.every((x) => x.cluster?.status === 'ready' && (x.cluster?.peers ?? []).length === amCount) ? true : undefined;
      }, { timeoutMs: 30_000 });
    }
    o.log(`started: prometheus ${urls.prometheus}, alertmanagers ${urls.alertmanagers.join(' ')}, exporter ${urls.exporter}, sinks ${urls.sinks} smtp ${sinks.urls.smarthost} (${Date.now() - t0} ms)`);

    const loadRules = async () => {
      if (!rulesDir) throw new Error('the Prometheus container mounts no prometheus-rules ConfigMap');
      if (!o.deferRules) return;
      for (const [file, content] of Object.entries(ruleFiles)) writeFileSync(join(rulesDir, file), content);
      await http(`${urls.prometheus}/-/reload`, { method: 'POST', timeoutMs: 30_000 });
      const want = Object.values(ruleFiles).reduce((n, t) => n + (parse(t) as { groups: unknown[] }).groups.length, 0);
      await waitFor(`Prometheus to load ${want} rule groups`, async () => ((await http(`${urls.prometheus}/api/v1/rules`)).data.groups.length === want ? true : undefined), { timeoutMs: 20_000 });
    };

    const restartPrometheus = async (signal: NodeJS.Signals = 'SIGTERM') => {
      await prometheus.stop(signal, 30_000);
      const i = started.indexOf(prometheus);
      prometheus = startService('prometheus', toolPath('prometheus'), promArgs, { env: promEnv, logFile: join(o.logDir, 'prometheus.log') });
      started[i] = prometheus;
      await ready('prometheus', `${urls.prometheus}/-/ready`, () => prometheus);
    };

    return {
      root,
      settings,
      sinks,
      urls,
      prometheus: () => prometheus,
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
