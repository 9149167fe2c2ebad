import { alertmanagerInput, alertmanagerInputProblems, ROUTING_CONFIG_FIELDS } from '../render/alertmanager';
import type { AlertmanagerConfig, GrafanaConfig, ObjectStorageConfig, PodPeerConfig, Resources, StackConfig, StorageConfig } from './types';

/** One problem: the field path (e.g. `prometheus.replicas`) and what is allowed. */
export interface ConfigProblem {
  readonly path: string;
  readonly message: string;
}

/** Thrown when a StackConfig is invalid; lists every problem, each with its field path. */
export class ConfigValidationError extends Error {
  constructor(readonly environment: string, readonly problems: readonly ConfigProblem[]) {
    super(
      `Invalid configuration for environment "${environment}" (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  - ${p.path}: ${p.message}`).join('\n'),
    );
    this.name = 'ConfigValidationError';
  }
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const PROM_DURATION = /^(\d+(ms|s|m|h|d|w|y))+$/;
const QUANTITY = /^(\d+(\.\d+)?)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const LABEL_KEY_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const HOST_PORT = /^[A-Za-z0-9.-]+:\d{1,5}$/;
const CIDR = /^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$|^[0-9a-fA-F:]+\/\d{1,3}$/;
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/** Every field of `alertmanager` and `grafana` (unknown ones are refused). */
const ALERTMANAGER_FIELDS: readonly (keyof AlertmanagerConfig)[] = ['enabled', 'replicas', 'storage', 'resources', 'receiversSecret', ...ROUTING_CONFIG_FIELDS];
const GRAFANA_FIELDS: readonly (keyof GrafanaConfig)[] = ['enabled', 'replicas', 'resources', 'storage', 'database', 'adminSecret', 'externalUrl'];

const DURATION_UNITS_MS: Record<string, number> = { ms: 1, s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 7 * 86400e3, y: 365 * 86400e3 };

/** Milliseconds of a Prometheus duration such as `1h30m`; throws on a malformed one. */
export function durationMs(duration: string): number {
  if (!PROM_DURATION.test(duration)) throw new Error(`"${duration}" is not a Prometheus duration`);
  let total = 0;
  for (const m of duration.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)) total += Number(m[1]) * DURATION_UNITS_MS[m[2]];
  return total;
}

const QUANTITY_FACTORS: Record<string, number> = {
  '': 1, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/** The numeric value of a Kubernetes quantity such as `512Mi` or `250m`. */
export function quantityValue(q: string): number {
  const m = QUANTITY.exec(q);
  if (!m) throw new Error(`"${q}" is not a Kubernetes quantity`);
  return Number(m[1]) * QUANTITY_FACTORS[m[3] ?? ''];
}

class Checker {
  readonly problems: ConfigProblem[] = [];

  add(path: string, message: string): void {
    this.problems.push({ path, message });
  }

  show(value: unknown): string {
    return typeof value === 'string' ? `"${value}"` : JSON.stringify(value);
  }

  string(path: string, value: unknown): value is string {
    if (typeof value !== 'string') {
      this.add(path, `${this.show(value)} is not allowed; a string is required`);
      return false;
    }
    return true;
  }

  boolean(path: string, value: unknown): void {
    if (typeof value !== 'boolean') this.add(path, `${this.show(value)} is not allowed; use true or false`);
  }

  dnsLabel(path: string, value: unknown, max = 63): void {
    if (this.string(path, value) && (!DNS_LABEL.test(value) || value.length > max)) {
      this.add(path, `${this.show(value)} is not a DNS label; use at most ${max} lower-case letters, digits and '-', starting and ending with a letter or digit (e.g. "monitoring")`);
    }
  }

  dnsSubdomain(path: string, value: unknown, what = 'name'): void {
    if (this.string(path, value) && (!DNS_SUBDOMAIN.test(value) || value.length > 253)) {
      this.add(path, `${this.show(value)} is not a valid Kubernetes ${what}; use lower-case letters, digits, '-' and '.' (e.g. "alertmanager-receivers")`);
    }
  }

  integer(path: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): void {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
      this.add(path, `${this.show(value)} is not allowed; use a whole number ${range}`);
    }
  }

  positive(path: string, value: unknown): void {
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) this.add(path, `${this.show(value)} is not allowed; use a number > 0`);
  }

  duration(path: string, value: unknown, example = '15d'): void {
    if (this.string(path, value) && !PROM_DURATION.test(value)) {
      this.add(path, `${this.show(value)} is not a duration; use a number with a unit ms, s, m, h, d, w or y (e.g. "${example}")`);
    }
  }

  quantity(path: string, value: unknown, example: string): boolean {
    if (this.string(path, value) && !QUANTITY.test(value)) {
      this.add(path, `${this.show(value)} is not a Kubernetes quantity; use e.g. "${example}"`);
      return false;
    }
    return typeof value === 'string';
  }

  /** An image reference pinned to an exact tag (not `latest`) or a digest. */
  image(path: string, value: unknown): void {
    if (value === undefined) {
      this.add(path, 'is required: the image you build and push (README, "The exporter image"), e.g. "registry.example.com/observability/app-exporter:0.1.0"');
      return;
    }
    if (!this.string(path, value)) return;
    const m = /^([a-z0-9]+(?:[._-][a-z0-9]+)*(?::\d+)?(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*)(?::([\w][\w.-]{0,127}))?(?:@(sha256:[a-f0-9]{64}))?$/.exec(value);
    if (!m) this.add(path, `${this.show(value)} is not an image reference; use <registry>/<repository>:<tag>, e.g. "registry.example.com/observability/app-exporter:0.1.0"`);
    else if (!m[2] && !m[3]) this.add(path, `${this.show(value)} has no tag; pin the image to an exact version, e.g. "${value}:0.1.0"`);
    else if (m[2] === 'latest' && !m[3]) this.add(path, `${this.show(value)} is not pinned; use an exact version tag or a digest instead of "latest"`);
  }

  url(path: string, value: unknown): void {
    if (!this.string(path, value)) return;
    let ok = false;
    try {
      const u = new URL(value);
      ok = u.protocol === 'https:' || u.protocol === 'http:';
    } catch {
      ok = false;
    }
    if (!ok) this.add(path, `${this.show(value)} is not an http(s) URL; use e.g. "https://grafana.example.com"`);
  }

  /** Refuses fields the object does not have; true when it is an object. */
  fields(path: string, value: unknown, allowed: readonly string[]): boolean {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      this.add(path, `must be an object with fields ${allowed.join(', ')}`);
      return false;
    }
    for (const key of Object.keys(value)) {
      if (!allowed.includes(key)) this.add(`${path}.${key}`, `unknown field; allowed fields are ${allowed.join(', ')}`);
    }
    return true;
  }

  oneOf<T extends string>(path: string, value: unknown, allowed: readonly T[]): value is T {
    if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
      this.add(path, `${this.show(value)} is not allowed; use one of ${allowed.map((a) => `"${a}"`).join(', ')}`);
      return false;
    }
    return true;
  }

  labels(path: string, labels: unknown): void {
    if (typeof labels !== 'object' || labels === null) {
      this.add(path, 'must be an object of label names to values');
      return;
    }
    for (const [key, value] of Object.entries(labels)) {
      const slash = key.lastIndexOf('/');
      const name = slash >= 0 ? key.slice(slash + 1) : key;
      const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
      if (!LABEL_KEY_NAME.test(name) || name.length > 63 || (prefix !== undefined && !DNS_SUBDOMAIN.test(prefix))) {
        this.add(`${path}.${key}`, 'is not a valid label key; use [prefix/]name with a name of at most 63 letters, digits, "-", "_", "."');
      }
      if (typeof value !== 'string' || !LABEL_VALUE.test(value) || value.length > 63) {
        this.add(`${path}.${key}`, `${this.show(value)} is not a valid label value; use at most 63 letters, digits, "-", "_", "."`);
      }
    }
  }

  cidr(path: string, value: unknown, example: string): void {
    if (this.string(path, value) && !CIDR.test(value)) this.add(path, `${this.show(value)} is not a CIDR; use e.g. "${example}"`);
  }

  ipv4(path: string, value: unknown, example: string): void {
    if (this.string(path, value) && !(IPV4.test(value) && value.split('.').every((o) => Number(o) <= 255))) this.add(path, `${this.show(value)} is not an IPv4 address; use e.g. "${example}"`);
  }

  podPeer(path: string, p: PodPeerConfig | undefined): void {
    if (typeof p !== 'object' || p === null) {
      this.add(path, 'must be { namespace, podLabels? }');
      return;
    }
    this.dnsLabel(`${path}.namespace`, p.namespace);
    if (p.podLabels !== undefined) this.labels(`${path}.podLabels`, p.podLabels);
  }

  resources(path: string, r: Resources | undefined): void {
    if (!r) {
      this.add(path, 'is required (cpuRequest, memoryRequest, memoryLimit)');
      return;
    }
    const cpuReq = this.quantity(`${path}.cpuRequest`, r.cpuRequest, '100m');
    const memReq = this.quantity(`${path}.memoryRequest`, r.memoryRequest, '256Mi');
    const memLim = this.quantity(`${path}.memoryLimit`, r.memoryLimit, '512Mi');
    if (memReq && memLim && quantityValue(r.memoryRequest) > quantityValue(r.memoryLimit)) {
      this.add(`${path}.memoryLimit`, `${this.show(r.memoryLimit)} is below memoryRequest ${this.show(r.memoryRequest)}; the limit must be >= the request`);
    }
    if (r.cpuLimit !== undefined && this.quantity(`${path}.cpuLimit`, r.cpuLimit, '1') && cpuReq && quantityValue(r.cpuRequest) > quantityValue(r.cpuLimit)) {
      this.add(`${path}.cpuLimit`, `${this.show(r.cpuLimit)} is below cpuRequest ${this.show(r.cpuRequest)}; the limit must be >= the request`);
    }
  }

  storage(path: string, s: StorageConfig | undefined): void {
    if (!s) {
      this.add(path, 'is required (size, optional storageClassName)');
      return;
    }
    this.quantity(`${path}.size`, s.size, '50Gi');
    if (s.storageClassName !== undefined) this.dnsSubdomain(`${path}.storageClassName`, s.storageClassName, 'StorageClass name');
  }

  secret(path: string, ref: { name: string } | undefined): void {
    if (!ref) this.add(path, 'is required: name the Secret you create (see README, "Secrets")');
    else this.dnsSubdomain(`${path}.name`, ref.name, 'Secret name');
  }

  objectStorage(path: string, o: ObjectStorageConfig | undefined): void {
    if (!o) {
      this.add(path, 'is required');
      return;
    }
    if (!this.oneOf(`${path}.backend`, o.backend, ['filesystem', 's3', 'gcs', 'azure'] as const)) return;
    switch (o.backend) {
      case 's3':
        this.bucket(`${path}.bucket`, o.bucket);
        if (this.string(`${path}.endpoint`, o.endpoint) && (o.endpoint.includes('://') || o.endpoint.includes('/'))) {
          this.add(`${path}.endpoint`, `${this.show(o.endpoint)} is not allowed; give the host (and port) without scheme or path, e.g. "s3.eu-west-1.amazonaws.com"`);
        }
        if (o.credentialsSecret) this.secret(`${path}.credentialsSecret`, o.credentialsSecret);
        break;
      case 'gcs':
        this.bucket(`${path}.bucket`, o.bucket);
        if (o.credentialsSecret) this.secret(`${path}.credentialsSecret`, o.credentialsSecret);
        break;
      case 'azure':
        this.bucket(`${path}.container`, o.container);
        if (this.string(`${path}.storageAccount`, o.storageAccount) && !/^[a-z0-9]{3,24}$/.test(o.storageAccount)) {
          this.add(`${path}.storageAccount`, `${this.show(o.storageAccount)} is not an Azure storage account name; use 3 to 24 lower-case letters and digits`);
        }
        if (o.credentialsSecret) this.secret(`${path}.credentialsSecret`, o.credentialsSecret);
        break;
      default:
        break;
    }
  }

  bucket(path: string, value: unknown): void {
    if (this.string(path, value) && !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(value)) {
      this.add(path, `${this.show(value)} is not a bucket name; use 3 to 63 lower-case letters, digits, '.' and '-'`);
    }
  }
}

/** All problems of a config (empty when valid). */
export function configProblems(config: StackConfig, options: ValidationOptions = {}): ConfigProblem[] {
  const c = new Checker();
  c.dnsLabel('environment', config.environment);
  if (c.string('cluster', config.cluster) && !LABEL_VALUE.test(config.cluster)) {
    c.add('cluster', `${c.show(config.cluster)} is not allowed; use letters, digits, '-', '_' and '.' (it becomes a label value)`);
  }
  // 51 = 63 minus the "-node-agents" suffix of the node agents' namespace.
  c.dnsLabel('namespace', config.namespace, 51);
  c.labels('labels', config.labels);
  c.url('runbookBaseUrl', config.runbookBaseUrl);

  c.boolean('scheduling.spreadAcrossZones', config.scheduling?.spreadAcrossZones);
  if (config.scheduling?.priorityClassName !== undefined) c.dnsSubdomain('scheduling.priorityClassName', config.scheduling.priorityClassName, 'PriorityClass name');

  const net = config.network;
  if (net?.ingressController) c.podPeer('network.ingressController', net.ingressController);
  if ((net as { apiServerCidrs?: unknown } | undefined)?.apiServerCidrs !== undefined) {
    c.add(
      'network.apiServerCidrs',
      'was replaced by network.apiServerEndpointCidrs, which takes the API server\'s endpoint addresses (kubectl get endpointslice -n default -l kubernetes.io/service-name=kubernetes), not the kubernetes Service\'s ClusterIP; leave it out to allow TCP 443 and 6443 to any address',
    );
  }
  if (net?.apiServerEndpointCidrs !== undefined) {
    if (!Array.isArray(net.apiServerEndpointCidrs) || net.apiServerEndpointCidrs.length === 0) {
      c.add('network.apiServerEndpointCidrs', 'an empty list blocks the API server; list its endpoint addresses (kubectl get endpointslice -n default -l kubernetes.io/service-name=kubernetes) or leave the field out');
    } else {
      net.apiServerEndpointCidrs.forEach((cidr, i) => c.cidr(`network.apiServerEndpointCidrs[${i}]`, cidr, '172.18.0.2/32'));
    }
  }
  if (!Array.isArray(net?.externalEgressCidrs)) c.add('network.externalEgressCidrs', 'is required: the CIDRs of the outside services (["0.0.0.0/0"] when unknown)');
  else net.externalEgressCidrs.forEach((cidr, i) => c.cidr(`network.externalEgressCidrs[${i}]`, cidr, '0.0.0.0/0'));
  if (net?.additionalScrapers !== undefined) {
    if (!Array.isArray(net.additionalScrapers)) c.add('network.additionalScrapers', 'must be a list of { namespace, podLabels? }');
    else net.additionalScrapers.forEach((s, i) => c.podPeer(`network.additionalScrapers[${i}]`, s));
  }
  if (net?.nodeLocalDnsCache !== undefined) {
    const addresses = net.nodeLocalDnsCache.addresses;
    if (!Array.isArray(addresses) || addresses.length === 0) c.add('network.nodeLocalDnsCache.addresses', 'list the addresses the cache listens on, e.g. ["169.254.20.10"]; or leave nodeLocalDnsCache out');
    else addresses.forEach((a, i) => c.ipv4(`network.nodeLocalDnsCache.addresses[${i}]`, a, '169.254.20.10'));
  }

  const p = config.prometheus;
  c.boolean('prometheus.enabled', p.enabled);
  c.integer('prometheus.replicas', p.replicas, 1, 10);
  c.duration('prometheus.retention', p.retention, '15d');
  c.storage('prometheus.storage', p.storage);
  c.resources('prometheus.resources', p.resources);
  c.duration('prometheus.scrapeInterval', p.scrapeInterval, '30s');
  c.duration('prometheus.scrapeTimeout', p.scrapeTimeout, '10s');
  c.duration('prometheus.evaluationInterval', p.evaluationInterval, '30s');
  if (PROM_DURATION.test(p.scrapeInterval) && PROM_DURATION.test(p.scrapeTimeout) && durationMs(p.scrapeTimeout) > durationMs(p.scrapeInterval)) {
    c.add('prometheus.scrapeTimeout', `"${p.scrapeTimeout}" is longer than scrapeInterval "${p.scrapeInterval}"; Prometheus requires scrapeTimeout <= scrapeInterval`);
  }
  if (p.externalUrl !== undefined) c.url('prometheus.externalUrl', p.externalUrl);

  const am = config.alertmanager;
  c.fields('alertmanager', am, ALERTMANAGER_FIELDS);
  c.boolean('alertmanager.enabled', am.enabled);
  c.integer('alertmanager.replicas', am.replicas, 1, 9);
  c.storage('alertmanager.storage', am.storage);
  c.resources('alertmanager.resources', am.resources);
  c.secret('alertmanager.receiversSecret', am.receiversSecret);
  // Receivers, routes and every field they read: the renderer's own checks, with the
  // config's field paths (lib/render/alertmanager.ts).
  for (const problem of alertmanagerInputProblems(alertmanagerInput(am, '/etc/alertmanager/secrets'))) c.add(problem.path, problem.message);

  const g = config.grafana;
  c.fields('grafana', g, GRAFANA_FIELDS);
  c.boolean('grafana.enabled', g.enabled);
  if (g.enabled && !p.enabled) c.add('grafana.enabled', 'Grafana\'s datasources need Prometheus; enable prometheus or disable grafana');
  c.integer('grafana.replicas', g.replicas, 1, 10);
  c.resources('grafana.resources', g.resources);
  if (g.storage) c.storage('grafana.storage', g.storage);
  if (g.database !== undefined) {
    const db = g.database;
    if (c.fields('grafana.database', db, ['type', 'host', 'name', 'credentialsSecret', 'sslMode'])) {
      c.oneOf('grafana.database.type', db.type, ['postgres', 'mysql'] as const);
      if (c.string('grafana.database.host', db.host) && (!HOST_PORT.test(db.host) || Number(db.host.split(':').pop()) < 1 || Number(db.host.split(':').pop()) > 65535)) {
        c.add('grafana.database.host', `${c.show(db.host)} is not allowed; use "host:port" of the database server, e.g. "grafana-db.example.internal:5432"`);
      }
      if (c.string('grafana.database.name', db.name) && !/^[A-Za-z_][A-Za-z0-9_$-]{0,62}$/.test(db.name)) {
        c.add('grafana.database.name', `${c.show(db.name)} is not a database name; use letters, digits, '_', '$' and '-' (at most 63), e.g. "grafana"`);
      }
      c.secret('grafana.database.credentialsSecret', db.credentialsSecret);
      if (db.sslMode !== undefined) {
        if (db.type === 'mysql') c.add('grafana.database.sslMode', 'applies to PostgreSQL only; remove it (MySQL connections are not encrypted by this config, see GrafanaDatabaseConfig)');
        else c.oneOf('grafana.database.sslMode', db.sslMode, ['require', 'disable'] as const);
      }
    }
    if (g.storage !== undefined) c.add('grafana.storage', 'is set with grafana.database: the database is external, nothing is stored in a volume; remove grafana.storage');
  } else if (typeof g.replicas === 'number' && g.replicas > 1) {
    c.add(
      'grafana.replicas',
      `${g.replicas} replicas with SQLite would each keep their own users and sessions (logins fail at random); ` +
        'set grafana.replicas to 1 (SQLite on a PersistentVolumeClaim), or set grafana.database to a shared PostgreSQL or MySQL',
    );
  }
  c.secret('grafana.adminSecret', g.adminSecret);
  if (g.externalUrl !== undefined) c.url('grafana.externalUrl', g.externalUrl);

  const t = config.thanos;
  c.boolean('thanos.enabled', t.enabled);
  c.objectStorage('thanos.objectStorage', t.objectStorage);
  c.integer('thanos.query.replicas', t.query.replicas, 1, 10);
  c.resources('thanos.query.resources', t.query.resources);
  t.query.extraEndpoints.forEach((e, i) => {
    if (!HOST_PORT.test(e)) c.add(`thanos.query.extraEndpoints[${i}]`, `${c.show(e)} is not allowed; use "host:port" of a remote Thanos StoreAPI, e.g. "thanos-query.eu-1.example.com:10901"`);
  });
  c.integer('thanos.storeGateway.replicas', t.storeGateway.replicas, 1, 10);
  c.resources('thanos.storeGateway.resources', t.storeGateway.resources);
  c.storage('thanos.storeGateway.storage', t.storeGateway.storage);
  c.resources('thanos.compactor.resources', t.compactor.resources);
  c.storage('thanos.compactor.storage', t.compactor.storage);
  c.duration('thanos.compactor.retentionRaw', t.compactor.retentionRaw, '30d');
  c.duration('thanos.compactor.retention5m', t.compactor.retention5m, '180d');
  c.duration('thanos.compactor.retention1h', t.compactor.retention1h, '365d');
  if (t.enabled && !p.enabled) c.add('thanos.enabled', 'Thanos needs Prometheus (its sidecar runs in the Prometheus pods); enable prometheus or disable thanos');

  const l = config.loki;
  c.boolean('loki.enabled', l.enabled);
  c.duration('loki.retention', l.retention, '744h');
  if (PROM_DURATION.test(l.retention) && (durationMs(l.retention) < 86_400_000 || durationMs(l.retention) % 86_400_000 !== 0)) {
    c.add('loki.retention', `"${l.retention}" is not allowed; use whole days of at least 24h (the compactor deletes whole 24h index tables), e.g. "744h" or "31d"`);
  }
  c.storage('loki.storage', l.storage);
  c.resources('loki.resources', l.resources);
  c.objectStorage('loki.objectStorage', l.objectStorage);
  c.positive('loki.limits.ingestionRateMb', l.limits.ingestionRateMb);
  c.positive('loki.limits.ingestionBurstSizeMb', l.limits.ingestionBurstSizeMb);
  if (l.limits.ingestionBurstSizeMb < l.limits.ingestionRateMb) {
    c.add('loki.limits.ingestionBurstSizeMb', `${l.limits.ingestionBurstSizeMb} is below ingestionRateMb ${l.limits.ingestionRateMb}; the burst must be >= the rate`);
  }
  if (c.string('loki.limits.maxLineSize', l.limits.maxLineSize) && !/^\d+(B|KB|MB|KiB|MiB)$/.test(l.limits.maxLineSize)) {
    c.add('loki.limits.maxLineSize', `${c.show(l.limits.maxLineSize)} is not a byte size; use e.g. "256KB"`);
  }
  c.integer('loki.limits.maxStreamsPerUser', l.limits.maxStreamsPerUser, 1);

  const lc = config.logCollector;
  c.boolean('logCollector.enabled', lc.enabled);
  if (c.oneOf('logCollector.kind', lc.kind, ['alloy', 'promtail', 'fluentd'] as const)) {
    if (lc.enabled && lc.kind === 'fluentd') {
      if (!lc.elasticsearch) c.add('logCollector.elasticsearch', 'is required when kind is "fluentd": set url and credentialsSecret');
      else {
        c.url('logCollector.elasticsearch.url', lc.elasticsearch.url);
        c.secret('logCollector.elasticsearch.credentialsSecret', lc.elasticsearch.credentialsSecret);
      }
    }
    if (lc.enabled && lc.kind !== 'fluentd' && !l.enabled && !options.lokiElsewhere) {
      c.add('logCollector.kind', `"${lc.kind}" ships logs to Loki, which is disabled; enable loki, choose "fluentd", or disable the collector`);
    }
  }
  c.resources('logCollector.resources', lc.resources);

  c.boolean('kubeStateMetrics.enabled', config.kubeStateMetrics.enabled);
  c.boolean('nodeExporter.enabled', config.nodeExporter.enabled);

  const kc = config.kubernetesComponents;
  if (kc !== undefined) {
    if (typeof kc !== 'object' || kc === null || Array.isArray(kc)) c.add('kubernetesComponents', `${c.show(kc)} is not allowed; use an object such as { controllerManager: true }`);
    else {
      const known = ['kubelet', 'kubeletTls', 'apiServer', 'coreDns', 'controllerManager', 'scheduler'];
      for (const key of Object.keys(kc)) if (!known.includes(key)) c.add(`kubernetesComponents.${key}`, `is not a field; use one of ${known.join(', ')}`);
      for (const key of ['kubelet', 'apiServer', 'coreDns', 'controllerManager', 'scheduler'] as const) if (kc[key] !== undefined) c.boolean(`kubernetesComponents.${key}`, kc[key]);
      if (kc.kubeletTls !== undefined) c.oneOf('kubernetesComponents.kubeletTls', kc.kubeletTls, ['insecure-skip-verify', 'cluster-ca'] as const);
    }
  }

  const e = config.exporter;
  c.boolean('exporter.enabled', e.enabled);
  if (e.enabled || e.image !== undefined) c.image('exporter.image', e.image);
  c.integer('exporter.replicas', e.replicas, 1, 10);
  if (c.oneOf('exporter.source', e.source, ['simulate', 'events', 'stats'] as const) && e.source === 'stats') {
    if (e.statsUrl === undefined) c.add('exporter.statsUrl', 'is required when source is "stats": the application\'s JSON stats URL');
    else c.url('exporter.statsUrl', e.statsUrl);
    if (!e.statsMapping || !Array.isArray(e.statsMapping.fields) || e.statsMapping.fields.length === 0) {
      c.add('exporter.statsMapping', 'is required when source is "stats": { fields: [{ path, metric, labels? }] } (see exporter/README.md, "stats")');
    }
  }
  c.integer('exporter.interval', e.interval, 1, 3600);
  c.resources('exporter.resources', e.resources);

  return c.problems;
}

/** What the config alone does not say (a fleet's clusters). */
export interface ValidationOptions {
  /** The log collector ships to a Loki of another cluster (a fleet's workload cluster). @default false */
  readonly lokiElsewhere?: boolean;
}

/** Throws ConfigValidationError listing every problem; returns the config when valid. */
export function validateConfig(config: StackConfig, options: ValidationOptions = {}): StackConfig {
  const problems = configProblems(config, options);
  if (problems.length > 0) throw new ConfigValidationError(String(config.environment), problems);
  return config;
}
