import { parse } from 'yaml';
import type { ClusterFixture, EndpointSlice, Pod, Service } from '../test/support/file-sd';
import { discover } from '../test/support/file-sd';
import { toYaml } from '../lib/render/yaml';
import type { RuleGroup } from '../lib/observability/rule-group';
import { renderRuleFile } from '../lib/observability/rule-group';
import type { AlertWindow, AlertWindows, SloDeclaration, SloRuleOptions, ValidateOptions } from '../lib/observability/slo';
import { findAlertWindows, formatDuration, generateSloRuleGroups, parseDuration, validateSlos } from '../lib/observability/slo';

/**
 * The transform from the synthesized production manifests to processes on one machine.
 * Pure functions (no I/O), each unit-tested in test/e2e-transform.test.ts. What changes,
 * and nothing else:
 *
 * - Pods. A pod the harness runs is the workload's pod template as the manifests write it
 *   (labels, annotations, containers, mounts, args), with only the containers that run
 *   locally, at 127.0.0.1, and every container port mapped to a free local port. The
 *   `prometheus.io/port` annotation is mapped with the port it names, so the rendered
 *   relabelling (`keepequal` of annotation and container port) selects the same target.
 * - Discovery. There is no Kubernetes API server, so each `kubernetes_sd_configs` block
 *   becomes `static_configs` holding exactly the targets, with the `__meta_kubernetes_*`
 *   labels, that Kubernetes discovery would give for those pods (test/support/file-sd.ts
 *   emulates it). Every `relabel_configs` of the rendered config then runs unchanged in the
 *   real Prometheus: job names, keep/drop, the label set. Likewise Thanos Query's
 *   `--endpoint=dnssrv+_<port>._tcp.<service>.<namespace>.svc` becomes one `--endpoint` per
 *   local pod the Service selects (`resolveSrv`).
 * - Time. Scrape and evaluation intervals, Alertmanager's `group_wait`/`group_interval`,
 *   and the SLO burn-rate windows, scaled down (the SLOs are re-rendered with a period
 *   `factor` times shorter: see `shortPeriodSloRules`). `repeat_interval` is kept, so that a
 *   second copy of a notification during the run can only be a duplicate. Thanos timings the
 *   manifests leave at their defaults, shortened (`HarnessSettings.thanos`): the store
 *   gateway's block sync (15m -> 5s), the compactor's consistency delay (30m -> 0s), delete
 *   delay (48h -> 0s) and wait interval (5m -> 10s).
 * - Files. Each mount of a running container is a directory under the pod's root; paths in
 *   args and configs that fall under a mount are prefixed with that root. The rule files are
 *   one directory shared by the Prometheus replicas (the harness), as the ConfigMap has the
 *   same path in every pod: Prometheus phases a rule group's evaluations by its file path.
 * - Object storage. Thanos's objstore.yml gets the FILESYSTEM type, a local directory standing
 *   in for the bucket (`localObjstoreConfig`); the credentials Secret it would read through
 *   `secretKeyRef` gets unused test values.
 * - Receivers. Slack (incoming webhooks, or an app token with `app_url` at the Slack sink),
 *   PagerDuty, email, webhooks and the dead man's switch point at local sinks; the `*_file`
 *   secrets (URLs included) get test values (`localAlertmanagerConfig`); the email receiver
 *   keeps `require_tls` and gets the sink's CA. Routing, grouping, inhibition, templates
 *   unchanged.
 * - Args. The containers' own args from the manifests, with listen addresses, peers,
 *   endpoints, the sidecar's Prometheus URL and the external URL local.
 *
 * Not run locally, so their scrape jobs have no targets: kubelet/cAdvisor (no nodes),
 * kube-state-metrics, node-exporter, the config reloaders; Grafana, Loki and the log
 * collector (no binary: their Go modules are AGPL-3.0, see scripts/tools/manifest.ts).
 */

type Obj = Record<string, any>;

// ---------------------------------------------------------------------------------------
// Pods

/** A pod the harness runs on this machine. */
export interface LocalPodSpec {
  /** Pod name, e.g. `alertmanager-0`, or any name for a Deployment's pod. */
  readonly name: string;
  /** `Kind/name` of the workload whose pod template it is, e.g. `StatefulSet/alertmanager`. */
  readonly workload: string;
  /** Containers that run locally; the template's other containers are left out of the pod. */
  readonly containers: readonly string[];
  /** In-cluster container port -> local port, for every port of the running containers. */
  readonly ports: Readonly<Record<number, number>>;
}

export interface LocalPod {
  readonly spec: LocalPodSpec;
  readonly namespace: string;
  /** The pod as Kubernetes discovery sees it (local address and ports). */
  readonly pod: Pod;
  /** The pod template's spec (containers as synthesized, unmapped). */
  readonly template: Obj;
}

export const LOCAL_IP = '127.0.0.1';
const NODE_NAME = 'e2e-node';
const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet'];

function findWorkload(objects: readonly Obj[], ref: string): Obj {
  const [kind, name] = ref.split('/');
  if (!WORKLOAD_KINDS.includes(kind) || !name) throw new Error(`workload "${ref}": expected Kind/name with Kind one of ${WORKLOAD_KINDS.join(', ')}`);
  const found = objects.filter((o) => o.kind === kind && o.metadata?.name === name);
  if (found.length !== 1) throw new Error(`workload "${ref}": ${found.length} found in the synthesized objects; expected exactly one`);
  return found[0];
}

function mapPort(spec: LocalPodSpec, port: number, what: string): number {
  const local = spec.ports[port];
  if (local === undefined) throw new Error(`pod ${spec.name}: ${what} uses port ${port}, which has no local port; add it to ports`);
  return local;
}

/** The pod a workload would create, as discovery sees it, with local address and ports. */
export function localPod(objects: readonly Obj[], spec: LocalPodSpec): LocalPod {
  const workload = findWorkload(objects, spec.workload);
  const template = workload.spec?.template;
  if (!template?.spec?.containers) throw new Error(`workload "${spec.workload}" has no pod template`);
  const namespace: string = workload.metadata.namespace ?? 'default';
  const containers = (template.spec.containers as Obj[]).filter((c) => spec.containers.includes(c.name));
  const missing = spec.containers.filter((n) => !containers.some((c) => c.name === n));
  if (missing.length > 0) throw new Error(`pod ${spec.name}: ${spec.workload} has no container ${missing.join(', ')}`);
  const annotations: Record<string, string> = { ...(template.metadata?.annotations ?? {}) };
  const scrapePort = annotations['prometheus.io/port'];
  if (scrapePort !== undefined && /^[0-9]+$/.test(scrapePort)) {
    annotations['prometheus.io/port'] = String(mapPort(spec, Number(scrapePort), 'annotation prometheus.io/port'));
  }
  const pod: Pod = {
    metadata: {
      name: spec.name,
      namespace,
      uid: `e2e-${spec.name}`,
      labels: { ...(template.metadata?.labels ?? {}) },
      annotations,
      ownerReferences: [{ kind: workload.kind === 'Deployment' ? 'ReplicaSet' : workload.kind, name: workload.metadata.name, controller: true }],
    },
    spec: {
      nodeName: NODE_NAME,
      containers: containers.map((c) => ({
        name: c.name,
        image: c.image,
        ports: ((c.ports ?? []) as Obj[]).map((p) => ({
          ...(p.name ? { name: p.name } : {}),
          containerPort: mapPort(spec, p.containerPort, `container ${c.name} port ${p.name ?? p.containerPort}`),
          protocol: p.protocol ?? 'TCP',
        })),
      })),
    },
    status: {
      phase: 'Running',
      podIP: LOCAL_IP,
      hostIP: LOCAL_IP,
      conditions: [{ type: 'Ready', status: 'True' }],
      containerStatuses: containers.map((c) => ({ name: c.name, containerID: `e2e://${spec.name}/${c.name}` })),
    },
  };
  return { spec, namespace, pod, template: template.spec };
}

function selects(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  if (!selector || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

/**
 * The cluster as discovery sees it with only the local pods: their Services (every Service
 * of the synthesized objects) and one EndpointSlice per (Service, selected local pod), since
 * each local pod has its own port numbers. No nodes: kubelet and cAdvisor have no targets.
 */
export function localCluster(objects: readonly Obj[], specs: readonly LocalPodSpec[]): { fixture: ClusterFixture; pods: LocalPod[] } {
  const names = specs.map((s) => s.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new Error(`pod name "${dup}" is used twice`);
  const pods = specs.map((s) => localPod(objects, s));
  const services: Service[] = [];
  const endpointSlices: EndpointSlice[] = [];
  for (const svc of objects.filter((o) => o.kind === 'Service')) {
    const ns = svc.metadata.namespace ?? 'default';
    services.push({ metadata: { name: svc.metadata.name, namespace: ns, labels: svc.metadata.labels, annotations: svc.metadata.annotations } });
    for (const p of pods) {
      if (p.namespace !== ns || !selects(svc.spec?.selector, p.pod.metadata.labels)) continue;
      const ports = ((svc.spec?.ports ?? []) as Obj[]).map((sp) => {
        const protocol = sp.protocol ?? 'TCP';
        const target = sp.targetPort ?? sp.port;
        const cp = p.pod.spec.containers.flatMap((c) => c.ports ?? []).find((x) => {
          if (typeof target === 'string') return x.name === target && (x.protocol ?? 'TCP') === protocol;
          return x.containerPort === p.spec.ports[target] && (x.protocol ?? 'TCP') === protocol;
        });
        // A target port no local container declares (e.g. a container left out) has no endpoint port.
        return cp ? { ...(sp.name ? { name: sp.name } : {}), port: cp.containerPort, protocol } : undefined;
      });
      if (ports.some((x) => x === undefined)) continue;
      endpointSlices.push({
        metadata: {
          name: `${svc.metadata.name}-${p.spec.name}`,
          namespace: ns,
          labels: { 'kubernetes.io/service-name': svc.metadata.name, 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' },
        },
        addressType: 'IPv4',
        endpoints: [
          {
            addresses: [LOCAL_IP],
            conditions: { ready: true, serving: true, terminating: false },
            ...(svc.spec?.clusterIP === 'None' ? { hostname: p.spec.name } : {}),
            nodeName: NODE_NAME,
            targetRef: { kind: 'Pod', name: p.spec.name, namespace: ns },
          },
        ],
        ports: ports as NonNullable<(typeof ports)[number]>[],
      });
    }
  }
  return { fixture: { pods: pods.map((p) => p.pod), services, endpointSlices, nodes: [] }, pods };
}

// ---------------------------------------------------------------------------------------
// Containers: environment, mounts, args

/** In-pod path prefix -> local directory, longest prefix first. */
export type PathMap = ReadonlyArray<readonly [string, string]>;

const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

function container(p: LocalPod, name: string): Obj {
  const c = (p.template.containers as Obj[]).find((x) => x.name === name);
  if (!c) throw new Error(`pod ${p.spec.name}: no container ${name}`);
  return c;
}

/** Each mount of the container (and the ServiceAccount token, when mounted) as a directory under `root`. */
export function mountPaths(p: LocalPod, containerName: string, root: string): PathMap {
  const c = container(p, containerName);
  const paths: string[] = ((c.volumeMounts ?? []) as Obj[]).map((m) => m.mountPath);
  if (p.template.automountServiceAccountToken !== false && p.template.serviceAccountName) paths.push(SERVICE_ACCOUNT_DIR);
  return paths
    .map((m) => m.replace(/\/+$/, ''))
    .sort((a, b) => b.length - a.length)
    .map((m) => [m, `${root.replace(/\/+$/, '')}${m}`] as const);
}

/** A path under a mount, rewritten to the local directory; other values unchanged. */
export function localPath(value: string, paths: PathMap): string {
  for (const [from, to] of paths) {
    if (value === from || value.startsWith(`${from}/`)) return to + value.slice(from.length);
  }
  return value;
}

/** Every string in a config object that is a path under a mount, rewritten. */
export function rewritePaths<T>(value: T, paths: PathMap): T {
  if (typeof value === 'string') return localPath(value, paths) as T;
  if (Array.isArray(value)) return value.map((v) => rewritePaths(v, paths)) as T;
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rewritePaths(v, paths)])) as T;
  return value;
}

/** Values of Secret keys a container reads through `secretKeyRef` (the user creates the Secrets; they are not in the output). */
export type SecretValues = (secretName: string, key: string) => string | undefined;

/** The container's environment, with the downward API fields a local pod has and the Secret keys `secrets` gives. */
export function containerEnv(p: LocalPod, containerName: string, secrets?: SecretValues): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of (container(p, containerName).env ?? []) as Obj[]) {
    if (e.value !== undefined) env[e.name] = String(e.value);
    else if (e.valueFrom?.secretKeyRef && secrets) {
      const ref = e.valueFrom.secretKeyRef;
      const value = secrets(ref.name, ref.key);
      if (value === undefined) throw new Error(`container ${containerName}: env ${e.name} reads Secret ${ref.name} key ${ref.key}, which the e2e harness has no value for`);
      env[e.name] = value;
    } else if (e.valueFrom?.fieldRef) {
      const field = e.valueFrom.fieldRef.fieldPath as string;
      const values: Record<string, string> = {
        'metadata.name': p.spec.name,
        'metadata.namespace': p.namespace,
        'status.podIP': LOCAL_IP,
        'status.hostIP': LOCAL_IP,
        'spec.nodeName': NODE_NAME,
      };
      if (values[field] === undefined) throw new Error(`container ${containerName}: env ${e.name} uses fieldRef ${field}, which the e2e harness does not emulate`);
      env[e.name] = values[field];
    } else {
      throw new Error(`container ${containerName}: env ${e.name} uses ${Object.keys(e.valueFrom ?? {}).join(',')}, which the e2e harness does not emulate`);
    }
  }
  return env;
}

/** Kubernetes `$(VAR)` expansion of args (`$$` escapes; unknown variables stay as written). */
export function expandArgs(args: readonly string[], env: Readonly<Record<string, string>>): string[] {
  return args.map((a) => a.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, name: string | undefined) => (m === '$$' ? '$' : env[name!] ?? m)));
}

/** The container's args: variables expanded and paths under its mounts rewritten. */
export function containerArgs(p: LocalPod, containerName: string, paths: PathMap, secrets?: SecretValues): string[] {
  const c = container(p, containerName);
  if (c.command && c.command.length > 0) throw new Error(`container ${containerName}: a command override is not emulated`);
  return expandArgs(c.args ?? [], containerEnv(p, containerName, secrets)).map((a) => {
    const m = /^(--?[^=]+=)(.*)$/.exec(a);
    return m ? m[1] + localPath(m[2], paths) : localPath(a, paths);
  });
}

function flagName(arg: string): string | undefined {
  const m = /^--?([^=]+)/.exec(arg);
  return m ? m[1] : undefined;
}

/** Replace every `--name=...` (or drop it, when `value` is undefined), or append it when absent. */
export function setFlag(args: readonly string[], name: string, value: string | undefined): string[] {
  const out = args.filter((a) => flagName(a) !== name);
  return value === undefined ? out : [...out, `--${name}=${value}`];
}

/** Prometheus's args: local listen address and external URL, plus the feature flags 2.x needs. */
export function prometheusArgs(args: readonly string[], o: { readonly listen: string; readonly externalUrl: string; readonly featureFlags: readonly string[]; readonly extra?: readonly string[] }): string[] {
  let out = setFlag(args, 'web.listen-address', o.listen);
  out = setFlag(out, 'web.external-url', o.externalUrl);
  for (const f of o.featureFlags) if (!out.includes(f)) out.push(f);
  return [...out, ...(o.extra ?? [])];
}

/**
 * Alertmanager's args: local web and cluster addresses; `--cluster.peer` pod DNS names
 * (`<pod>.<service>.<namespace>.svc[.cluster.local]:<port>`) resolved to the local pods'
 * ports, and peers that do not run locally dropped.
 */
export function alertmanagerArgs(
  args: readonly string[],
  o: { readonly self: LocalPod; readonly pods: readonly LocalPod[]; readonly externalUrl: string; readonly extra?: readonly string[] },
): string[] {
  const out: string[] = [];
  const local = (pod: LocalPod, address: string, what: string) => {
    const port = Number(address.slice(address.lastIndexOf(':') + 1));
    if (!Number.isInteger(port) || address.lastIndexOf(':') < 0) throw new Error(`${what}: "${address}" has no port`);
    return `${LOCAL_IP}:${mapPort(pod.spec, port, what)}`;
  };
  for (const a of args) {
    const name = flagName(a);
    const value = a.includes('=') ? a.slice(a.indexOf('=') + 1) : '';
    switch (name) {
      case 'web.listen-address':
        out.push(`--${name}=${local(o.self, value, name)}`);
        break;
      case 'cluster.listen-address':
      case 'cluster.advertise-address':
        // An empty listen address disables clustering (single replica): keep it empty.
        out.push(value === '' ? a : `--${name}=${local(o.self, value, name)}`);
        break;
      case 'cluster.peer': {
        const host = value.slice(0, value.lastIndexOf(':'));
        const m = /^([^.]+)\.([^.]+)\.([^.]+)\.svc(\.cluster\.local)?$/.exec(host);
        if (!m) throw new Error(`--cluster.peer=${value}: not a pod DNS name <pod>.<service>.<namespace>.svc; the e2e harness cannot resolve it`);
        const peer = o.pods.find((p) => p.spec.name === m[1] && p.namespace === m[3]);
        if (peer) out.push(`--${name}=${local(peer, value, name)}`);
        break;
      }
      case 'web.external-url':
        break;
      default:
        out.push(a);
    }
  }
  return [...out, `--web.external-url=${o.externalUrl}`, ...(o.extra ?? [])];
}

/** The exporter's args with its port mapped and the overrides (e.g. `--interval`) applied. */
export function exporterArgs(args: readonly string[], o: { readonly self: LocalPod; readonly overrides: Readonly<Record<string, string>> }): string[] {
  let out = args.map((a) => {
    if (flagName(a) !== 'port') return a;
    return `--port=${mapPort(o.self.spec, Number(a.slice(a.indexOf('=') + 1)), '--port')}`;
  });
  for (const [k, v] of Object.entries(o.overrides)) out = setFlag(out, k, v);
  return out;
}

// ---------------------------------------------------------------------------------------
// Thanos

const SRV_NAME = /^_([^.]+)\._(tcp|udp)\.([^.]+)\.([^.]+)\.svc(\.cluster\.local)?$/;

/**
 * The local addresses (`127.0.0.1:<port>`) a `dnssrv+` lookup of a Service port returns in the
 * local cluster: `_<port name>._tcp.<service>.<namespace>.svc` has one SRV record per ready
 * endpoint of the Service's EndpointSlices, with that port's number.
 */
export function resolveSrv(name: string, cluster: ClusterFixture): string[] {
  const m = SRV_NAME.exec(name);
  if (!m) throw new Error(`"${name}": not an SRV name _<port>._<proto>.<service>.<namespace>.svc`);
  const [, portName, proto, service, namespace] = m;
  const out: string[] = [];
  for (const slice of cluster.endpointSlices) {
    if (slice.metadata.namespace !== namespace || slice.metadata.labels?.['kubernetes.io/service-name'] !== service) continue;
    const port = slice.ports.find((x) => x.name === portName && (x.protocol ?? 'TCP').toLowerCase() === proto);
    if (!port?.port) continue;
    for (const ep of slice.endpoints) if (ep.conditions?.ready !== false) for (const a of ep.addresses) out.push(`${a}:${port.port}`);
  }
  return [...new Set(out)].sort();
}

/**
 * A Thanos component's args (`sidecar`, `store`, `query`, `compact`, ...) on this machine:
 * its gRPC and HTTP listen addresses on its mapped local ports; `--prometheus.url` (the
 * Prometheus of the same pod) on that port; each `--endpoint=dnssrv+...` replaced by the
 * addresses the lookup returns in the local cluster (an endpoint the harness cannot resolve,
 * or one that resolves to nothing, is an error). `overrides` set flags the manifests leave
 * at their defaults (test-only timings; see the file header). Everything else as synthesized.
 */
export function thanosArgs(args: readonly string[], o: { readonly self: LocalPod; readonly cluster: ClusterFixture; readonly overrides?: Readonly<Record<string, string>> }): string[] {
  const listen = (value: string, what: string) => {
    const port = Number(value.slice(value.lastIndexOf(':') + 1));
    if (value.lastIndexOf(':') < 0 || !Number.isInteger(port)) throw new Error(`${what}: "${value}" has no port`);
    return `${LOCAL_IP}:${mapPort(o.self.spec, port, what)}`;
  };
  let out: string[] = [];
  for (const a of args) {
    const name = flagName(a);
    const value = a.includes('=') ? a.slice(a.indexOf('=') + 1) : '';
    switch (name) {
      case 'grpc-address':
      case 'http-address':
        out.push(`--${name}=${listen(value, `--${name}`)}`);
        break;
      case 'prometheus.url': {
        const u = new URL(value);
        if (u.hostname !== '127.0.0.1' && u.hostname !== 'localhost') throw new Error(`--prometheus.url=${value}: not the Prometheus of the same pod (127.0.0.1 or localhost); the e2e harness cannot resolve it`);
        u.hostname = LOCAL_IP;
        u.port = String(mapPort(o.self.spec, Number(u.port || (u.protocol === 'https:' ? 443 : 80)), '--prometheus.url'));
        out.push(`--${name}=${u.toString().replace(/\/$/, '')}`);
        break;
      }
      case 'endpoint':
      case 'store': {
        if (!value.startsWith('dnssrv+')) throw new Error(`--${name}=${value}: only dnssrv+ Service lookups are emulated by the e2e harness`);
        const found = resolveSrv(value.slice('dnssrv+'.length), o.cluster);
        if (found.length === 0) throw new Error(`--${name}=${value}: resolves to no local pod (is the component it names running?)`);
        out.push(...found.map((x) => `--${name}=${x}`));
        break;
      }
      default:
        out.push(a);
    }
  }
  for (const [k, v] of Object.entries(o.overrides ?? {})) out = setFlag(out, k, v);
  return out;
}

/**
 * Thanos's objstore.yml with the bucket in a local directory: the FILESYSTEM type stands in
 * for the object store (S3, GCS, Azure, ...); its provider `config` is replaced, `prefix`
 * (any provider) is kept.
 */
export function localObjstoreConfig(text: string, directory: string): string {
  const doc = parse(text) as Obj;
  if (!doc || typeof doc !== 'object' || typeof doc.type !== 'string') throw new Error(`objstore.yml: no "type" in ${JSON.stringify(text).slice(0, 200)}`);
  const unknown = Object.keys(doc).filter((k) => !['type', 'config', 'prefix'].includes(k));
  if (unknown.length > 0) throw new Error(`objstore.yml: ${unknown.join(', ')}: not emulated by the e2e harness (type, config and prefix are)`);
  return toYaml({ type: 'FILESYSTEM', config: { directory }, ...(doc.prefix !== undefined ? { prefix: doc.prefix } : {}) });
}

// ---------------------------------------------------------------------------------------
// prometheus.yml

export interface PrometheusLocalOptions {
  readonly cluster: ClusterFixture;
  readonly scrapeInterval: string;
  readonly scrapeTimeout: string;
  readonly evaluationInterval: string;
  /** Mounts of the Prometheus container (rule files, ServiceAccount token). */
  readonly paths: PathMap;
}

const OTHER_SD = /_sd_configs$/;

function staticFrom(holder: Obj, cluster: ClusterFixture, where: string): Obj {
  const out: Obj = {};
  for (const [key, value] of Object.entries(holder)) {
    if (key === 'kubernetes_sd_configs') {
      const groups = (value as Obj[]).flatMap((sd) => discover(sd, cluster));
      out.static_configs = [...((holder.static_configs as Obj[] | undefined) ?? []), ...groups.map((g) => ({ targets: g.targets, labels: g.labels }))];
    } else if (key === 'static_configs') {
      if (!holder.kubernetes_sd_configs) out.static_configs = value;
    } else if (OTHER_SD.test(key)) {
      throw new Error(`${where}: ${key} is not emulated by the e2e harness (only kubernetes_sd_configs and static_configs are)`);
    } else {
      out[key] = value;
    }
  }
  return out;
}

/** prometheus.yml for the local Prometheus (see the file header for what changes). */
export function localPrometheusConfig(config: Obj, o: PrometheusLocalOptions): Obj {
  const out: Obj = { ...config };
  out.global = { ...(config.global ?? {}), scrape_interval: o.scrapeInterval, scrape_timeout: o.scrapeTimeout, evaluation_interval: o.evaluationInterval };
  out.scrape_configs = ((config.scrape_configs ?? []) as Obj[]).map((sc) => {
    const job = staticFrom(sc, o.cluster, `scrape_configs[${sc.job_name}]`);
    if (job.scrape_interval !== undefined) job.scrape_interval = o.scrapeInterval;
    if (job.scrape_timeout !== undefined) job.scrape_timeout = o.scrapeTimeout;
    return job;
  });
  if (config.alerting?.alertmanagers) {
    out.alerting = {
      ...config.alerting,
      alertmanagers: (config.alerting.alertmanagers as Obj[]).map((am, i) => staticFrom(am, o.cluster, `alerting.alertmanagers[${i}]`)),
    };
  }
  return rewritePaths(out, o.paths);
}

/** Rule files (file name -> text) with every group's own `interval` set to the test's. */
export function localRuleFiles(files: Readonly<Record<string, string>>, evaluationInterval: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, text] of Object.entries(files)) {
    const doc = parse(text) as { groups: Obj[] };
    if (!doc.groups.some((g) => g.interval !== undefined)) {
      out[name] = text;
      continue;
    }
    out[name] = toYaml({ groups: doc.groups.map((g) => (g.interval !== undefined ? { ...g, interval: evaluationInterval } : g)) });
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// alertmanager.yml

export interface Sinks {
  /**
   * Slack: every receiver's incoming-webhook URL, and the Slack API URL (`app_url`) when
   * receivers post with an app token; the sink tells them apart by `channel`.
   */
  readonly slackUrl: string;
  /** PagerDuty Events API v2 URL. */
  readonly pagerdutyUrl: string;
  /** The webhook receivers' URL (`url_file` secrets). */
  readonly webhookUrl: string;
  /** The dead man's switch receiver's URL. @default webhookUrl */
  readonly deadMansSwitchUrl?: string;
  /** SMTP `host:port` (STARTTLS, AUTH PLAIN). */
  readonly smarthost: string;
  /** CA certificate that signed the SMTP sink's TLS certificate. */
  readonly smtpCaFile: string;
}

/** Values of the receivers Secret's keys, by the field that reads them. */
export interface ReceiverSecretValues {
  readonly pagerdutyRoutingKey: string;
  readonly smtpPassword: string;
  readonly webhookToken: string;
  /** The Slack app bot token (`app_token_file`). @default 'e2e-slack-app-token' */
  readonly slackAppToken?: string;
}

export interface AlertmanagerLocalOptions {
  readonly sinks: Sinks;
  readonly secrets: ReceiverSecretValues;
  /** Overrides of every route's `group_wait` and `group_interval` (those the route sets). */
  readonly groupWait: string;
  readonly groupInterval: string;
  /** Mounts of the Alertmanager container (the receivers Secret). */
  readonly paths: PathMap;
}

export interface AlertmanagerLocal {
  readonly config: Obj;
  /** The receivers Secret's files, local path -> content. */
  readonly secretFiles: Record<string, string>;
}

const RECEIVER_TYPES = ['slack_configs', 'pagerduty_configs', 'email_configs', 'webhook_configs'];

function routeTimings(route: Obj, o: AlertmanagerLocalOptions, root: boolean): Obj {
  const out: Obj = { ...route };
  if (root || route.group_wait !== undefined) out.group_wait = o.groupWait;
  if (root || route.group_interval !== undefined) out.group_interval = o.groupInterval;
  if (route.routes) out.routes = (route.routes as Obj[]).map((r) => routeTimings(r, o, false));
  return out;
}

function noOtherFiles(cfg: Obj, allowed: readonly string[], where: string): void {
  const walk = (v: unknown, path: string) => {
    if (!v || typeof v !== 'object') return;
    for (const [k, x] of Object.entries(v as Obj)) {
      if (k.endsWith('_file') && !allowed.includes(`${path}${k}`)) throw new Error(`${where}: ${path}${k} is not emulated by the e2e harness`);
      walk(x, `${path}${k}.`);
    }
  };
  walk(cfg, '');
}

/** alertmanager.yml pointed at the sinks, and the receivers Secret's files it reads. */
export function localAlertmanagerConfig(config: Obj, o: AlertmanagerLocalOptions): AlertmanagerLocal {
  const secretFiles: Record<string, string> = {};
  const secret = (path: string, value: string, where: string) => {
    const local = localPath(path, o.paths);
    if (local === path) throw new Error(`${where}: ${path} is not under a mount of the Alertmanager container`);
    if (secretFiles[local] !== undefined && secretFiles[local] !== value) throw new Error(`${where}: ${path} is read as two different secrets`);
    secretFiles[local] = value;
    return local;
  };
  const global = { ...(config.global ?? {}) };
  for (const k of Object.keys(global)) {
    if (/^(slack_api_url|pagerduty_url|smtp_|opsgenie|victorops|wechat|telegram|webex)/.test(k)) throw new Error(`global.${k}: not emulated by the e2e harness; set it on the receiver`);
  }
  const receivers = ((config.receivers ?? []) as Obj[]).map((r) => {
    const out: Obj = { name: r.name };
    for (const [type, list] of Object.entries(r)) {
      if (type === 'name') continue;
      if (!RECEIVER_TYPES.includes(type)) throw new Error(`receiver ${r.name}: ${type} is not emulated by the e2e harness`);
      out[type] = (list as Obj[]).map((c, i) => {
        const where = `receiver ${r.name} ${type}[${i}]`;
        const x: Obj = { ...c };
        if (type === 'slack_configs') {
          noOtherFiles(c, ['api_url_file', 'app_token_file'], where);
          if (x.app_token_file) {
            // A Slack app: the token is sent as a bearer token to app_url (chat.postMessage).
            x.app_token_file = secret(x.app_token_file, o.secrets.slackAppToken ?? 'e2e-slack-app-token', where);
            x.app_url = o.sinks.slackUrl;
          } else if (x.api_url_file) x.api_url_file = secret(x.api_url_file, o.sinks.slackUrl, where);
          else x.api_url = o.sinks.slackUrl;
        } else if (type === 'pagerduty_configs') {
          noOtherFiles(c, ['routing_key_file'], where);
          if (x.service_key !== undefined || x.service_key_file !== undefined) throw new Error(`${where}: Events API v1 (service_key) is not emulated; use routing_key`);
          if (x.routing_key_file) x.routing_key_file = secret(x.routing_key_file, o.secrets.pagerdutyRoutingKey, where);
          else x.routing_key = o.secrets.pagerdutyRoutingKey;
          x.url = o.sinks.pagerdutyUrl;
        } else if (type === 'email_configs') {
          noOtherFiles(c, ['auth_password_file', 'tls_config.ca_file'], where);
          x.smarthost = o.sinks.smarthost;
          if (x.auth_password_file) x.auth_password_file = secret(x.auth_password_file, o.secrets.smtpPassword, where);
          else if (x.auth_username) x.auth_password = o.secrets.smtpPassword;
          // The sink's certificate is signed by a CA made for the run; verification stays on.
          x.tls_config = { ...(c.tls_config ?? {}), ca_file: o.sinks.smtpCaFile };
        } else if (type === 'webhook_configs') {
          noOtherFiles(c, ['url_file', 'http_config.authorization.credentials_file'], where);
          // The dead man's switch, one for all or one per cluster (a fleet's central Alertmanager).
          const url = r.name === 'deadmans-switch' || String(r.name).startsWith('deadmans-switch-') ? (o.sinks.deadMansSwitchUrl ?? o.sinks.webhookUrl) : o.sinks.webhookUrl;
          if (x.url_file) x.url_file = secret(x.url_file, url, where);
          else x.url = url;
          const file = c.http_config?.authorization?.credentials_file;
          if (file) x.http_config = { ...c.http_config, authorization: { ...c.http_config.authorization, credentials_file: secret(file, o.secrets.webhookToken, where) } };
        }
        return x;
      });
    }
    return out;
  });
  const out: Obj = { ...config, global, route: routeTimings(config.route, o, true), receivers };
  return { config: out, secretFiles };
}

// ---------------------------------------------------------------------------------------
// SLO rules with a short period

/** The stack's SLOs as the generator is called for them. */
export interface SloSource {
  readonly declarations: readonly SloDeclaration[];
  readonly options?: SloRuleOptions;
  readonly validateOptions?: ValidateOptions;
}

function scaleDuration(text: string, factor: number, what: string): string {
  const ms = parseDuration(text);
  if (ms === undefined) throw new Error(`${what}: "${text}" is not a duration`);
  if (ms % factor !== 0 || (ms / factor) % 1000 !== 0) throw new Error(`${what}: ${text} / ${factor} is not a whole number of seconds; choose a factor that divides it`);
  return formatDuration(ms / factor);
}

/** The same windows (same budget percentages, hence the same burn-rate factors), `factor` times shorter. */
export function scaleAlertWindows(w: AlertWindows, factor: number): AlertWindows {
  if (!Number.isInteger(factor) || factor < 1) throw new Error(`factor ${factor} must be a positive integer`);
  const win = (x: AlertWindow, at: string): AlertWindow => ({
    errorBudgetPercent: x.errorBudgetPercent,
    shortWindow: scaleDuration(x.shortWindow, factor, `${at}.shortWindow`),
    longWindow: scaleDuration(x.longWindow, factor, `${at}.longWindow`),
  });
  return {
    sloPeriod: scaleDuration(w.sloPeriod, factor, 'sloPeriod'),
    page: { quick: win(w.page.quick, 'page.quick'), slow: win(w.page.slow, 'page.slow') },
    ticket: { quick: win(w.ticket.quick, 'ticket.quick'), slow: win(w.ticket.slow, 'ticket.slow') },
  };
}

/**
 * The stack's SLOs with a period `factor` times shorter: the same SLIs, objectives, labels and
 * alert routing labels, the same budget percentages and so the same burn-rate factors and
 * thresholds, every window and `for:` divided by `factor`. Returns the production groups (to
 * check against the stack's rule files) and the short ones.
 */
export function shortPeriodSloRules(source: SloSource, factor: number): { readonly production: RuleGroup[]; readonly short: RuleGroup[] } {
  const production = generateSloRuleGroups(validateSlos(source.declarations, source.validateOptions ?? {}), source.options);
  const catalogue = source.validateOptions?.alertWindows ?? [];
  const windows: AlertWindows[] = [];
  const decls = source.declarations.map((d, i) => {
    const period = d.period ?? '30d';
    const w = findAlertWindows(period, catalogue) ?? findAlertWindows(period);
    if (!w) throw new Error(`slos[${i}]: no alert windows for period ${period}`);
    const scaled = scaleAlertWindows(w, factor);
    if (!windows.some((x) => x.sloPeriod === scaled.sloPeriod)) windows.push(scaled);
    const a = d.alerting;
    const alerting = a && {
      ...a,
      ...(a.for ? { for: scaleDuration(a.for, factor, `slos[${i}].alerting.for`) } : {}),
      ...(a.pageAlert ? { pageAlert: { ...a.pageAlert, ...(a.pageAlert.for ? { for: scaleDuration(a.pageAlert.for, factor, `slos[${i}].alerting.pageAlert.for`) } : {}) } } : {}),
      ...(a.ticketAlert ? { ticketAlert: { ...a.ticketAlert, ...(a.ticketAlert.for ? { for: scaleDuration(a.ticketAlert.for, factor, `slos[${i}].alerting.ticketAlert.for`) } : {}) } } : {}),
    };
    return { ...d, period: scaled.sloPeriod, ...(alerting ? { alerting } : {}) };
  });
  const short = generateSloRuleGroups(validateSlos(decls, { alertWindows: windows }), source.options);
  return { production, short };
}

function canonical(group: RuleGroup | Obj): Obj {
  return (parse(renderRuleFile([group as RuleGroup])) as { groups: Obj[] }).groups[0];
}

/**
 * The stack's rule files with the SLO groups replaced by their short-period versions. Every
 * production SLO group must be found in the files exactly as the generator writes it (so the
 * groups replaced are the stack's, not look-alikes); any difference is an error.
 */
export function replaceSloGroups(files: Readonly<Record<string, string>>, production: readonly RuleGroup[], short: readonly RuleGroup[]): Record<string, string> {
  if (production.length !== short.length) throw new Error('replaceSloGroups: production and short group lists differ in length');
  const byName = new Map(production.map((g, i) => [g.name, i]));
  const found = new Set<string>();
  const out: Record<string, string> = {};
  for (const [file, text] of Object.entries(files)) {
    const doc = parse(text) as { groups: Obj[] };
    let changed = false;
    const groups = doc.groups.map((g) => {
      const i = byName.get(g.name);
      if (i === undefined) return g;
      if (JSON.stringify(canonical(production[i])) !== JSON.stringify(g)) {
        throw new Error(`rule file ${file}: group ${g.name} is not what the SLO generator writes for the stack's SLOs; the e2e would replace a group it does not know`);
      }
      found.add(g.name);
      changed = true;
      return canonical(short[i]);
    });
    out[file] = changed ? toYaml({ groups }) : text;
  }
  const missing = production.filter((g) => !found.has(g.name)).map((g) => g.name);
  if (missing.length > 0) throw new Error(`SLO groups not found in the rule files: ${missing.join(', ')}`);
  return out;
}
