import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import type { DashboardFolderConfig, ObjectStorageConfig, PodPeerConfig, RelabelConfig, Resources, ScrapeConfig, StackConfig, StorageConfig } from './types';
import { alertmanagerInput, alertmanagerInputProblems, DEFAULT_ROUTE_TIMINGS } from '../render/alertmanager';
import { MOVED_INFRASTRUCTURE_THRESHOLDS } from '../observability/alerts/kubernetes/thresholds';
import { UPSTREAM_RUNBOOKS } from '../observability/alerts/common';
import { alertThresholdProblems } from '../observability/alerts/thresholds';
import { fromRuleFileGroup, ruleGroupProblems } from '../observability/rule-group';
import { DASHBOARD_FOLDERS, stackDashboards } from '../observability/dashboards';
import { userDashboardProblems } from '../observability/user-dashboards';
import {
  DEFAULT_REPLICA_LABEL,
  JOB_CADVISOR,
  JOB_KUBELET,
  JOB_POD_SIDECARS,
  JOB_PODS,
  JOB_SERVICE_ENDPOINTS,
  PROMETHEUS_SECRETS_DIR,
  RESERVED_REMOTE_WRITE_HEADERS,
  SERVICE_ACCOUNT_CA_PATH,
  SERVICE_ACCOUNT_TOKEN_PATH,
} from '../render/prometheus';
import schema from './schema.json';
import isValidShape from './schema-validator.generated';

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

/**
 * Fields that existed in earlier versions of the config and what replaced them: the schema
 * refuses them as unknown, with this message instead of the generic one.
 */
export const REPLACED_FIELDS: Readonly<Record<string, string>> = {
  'network.apiServerCidrs':
    'was replaced by network.apiServerEndpointCidrs, which takes the API server\'s endpoint addresses (kubectl get endpointslice -n default -l kubernetes.io/service-name=kubernetes), not the kubernetes Service\'s ClusterIP; leave it out to allow TCP 443 and 6443 to any address',
  'alertmanager.webhook.url': 'is not a field any more: the URL is read from Secret key "webhook.url" (Alertmanager url_file), so it stays out of dist/; remove url and put the URL in the Secret',
  ...Object.fromEntries(
    Object.entries(MOVED_INFRASTRUCTURE_THRESHOLDS).map(([field, target]) => [`alerts.thresholds.infrastructure.${field}`, `moved; set alerts.thresholds.${target} instead (same fields)`]),
  ),
};

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
        if (o.region !== undefined && !/^[a-z0-9-]+$/.test(o.region)) this.add(`${path}.region`, `${this.show(o.region)} is not a region name; use e.g. "eu-west-1"`);
        else if (o.region === undefined && !o.credentialsSecret) {
          this.add(`${path}.region`, 'is required without credentialsSecret (workload identity): the AWS SDK needs the bucket\'s region, e.g. "eu-west-1"');
        }
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

type SchemaNode = {
  readonly $ref?: string;
  readonly description?: string;
  readonly properties?: Record<string, SchemaNode>;
};

let ajv: Ajv | undefined;
let compiled: ValidateFunction | undefined;
const branchValidators = new WeakMap<object, ValidateFunction>();

/**
 * The config schema (lib/config/schema.json, generated from types.ts) compiled with every error
 * and the schema of each (for the messages): only for a config the generated validator rejected,
 * since compiling it costs a few hundred milliseconds.
 */
function schemaValidator(): ValidateFunction {
  if (compiled === undefined) {
    ajv = new Ajv({ strict: true, allowUnionTypes: true, allErrors: true, verbose: true });
    compiled = ajv.compile(schema);
  }
  return compiled;
}

/** A validator of one branch of a union (its `$ref`s resolve against the config schema). */
function branchValidator(branch: SchemaNode): ValidateFunction {
  let v = branchValidators.get(branch);
  if (v === undefined) {
    v = ajv!.compile({ definitions: schema.definitions, ...branch });
    branchValidators.set(branch, v);
  }
  return v;
}

/** `prometheus.storage.size`, `thanos.query.extraEndpoints[0]` from a JSON pointer. */
function fieldPath(pointer: string): string {
  let out = '';
  for (const raw of pointer.split('/').slice(1)) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    out += /^\d+$/.test(part) ? `[${part}]` : out === '' ? part : `.${part}`;
  }
  return out;
}

function join(path: string, field: string): string {
  return path === '' ? field : `${path}.${field}`;
}

function resolve(node: SchemaNode | undefined): SchemaNode | undefined {
  if (node?.$ref === undefined) return node;
  return resolve(schema.definitions[node.$ref.replace('#/definitions/', '') as keyof typeof schema.definitions] as SchemaNode);
}

/** The edit distance of two field names (for "did you mean"). */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
  }
  return d[a.length][b.length];
}

const TYPE_NAMES: Record<string, string> = { string: 'a string', number: 'a number', integer: 'a whole number', boolean: 'true or false', object: 'an object', array: 'a list', null: 'null' };

function valueAt(config: unknown, pointer: string): unknown {
  let node = config;
  for (const raw of pointer.split('/').slice(1)) node = (node as Record<string, unknown> | undefined)?.[raw.replace(/~1/g, '/').replace(/~0/g, '~')];
  return node;
}

function under(pointer: string, prefix: string): boolean {
  return pointer === prefix || pointer.startsWith(`${prefix}/`);
}

/**
 * The errors to report. A union (`anyOf`: an alerting or a recording rule) that matched no
 * branch is reported by the branch that came closest (fewest errors, checked again on its own),
 * so the message is about the shape the value was meant to have; a discriminated union
 * (`if`/`then` on `backend`, `type`) already reports only the chosen branch.
 */
function reported(errors: readonly ErrorObject[], config: unknown, base = ''): ErrorObject[] {
  const unions = errors.filter((e) => e.keyword === 'anyOf');
  let kept = errors.filter((e) => e.keyword !== 'anyOf' && e.keyword !== 'if');
  for (const union of unions) {
    const at = union.instancePath;
    const value = valueAt(config, at.slice(base.length));
    let best: ErrorObject[] | undefined;
    for (const branch of union.schema as SchemaNode[]) {
      const v = branchValidator(branch);
      const errs = v(value) ? [] : (v.errors ?? []).map((e) => ({ ...e, instancePath: at + e.instancePath }));
      if (best === undefined || errs.length < best.length) best = reported(errs, value, at);
    }
    kept = [...kept.filter((e) => !under(e.instancePath, at)), ...(best ?? [])];
  }
  return kept;
}

function show(value: unknown): string {
  return typeof value === 'string' ? `"${value}"` : JSON.stringify(value);
}

/** Problems of the config's shape: unknown fields, missing fields, wrong types and values. */
export function schemaProblems(config: unknown): ConfigProblem[] {
  if ((isValidShape as (data: unknown) => boolean)(config)) return [];
  const validate = schemaValidator();
  if (validate(config)) throw new Error('config schema: the generated validator and ajv disagree; run `npm run schema`');
  const problems: ConfigProblem[] = [];
  for (const e of reported(validate.errors ?? [], config)) {
    const path = fieldPath(e.instancePath);
    const where = path === '' ? 'the config' : path;
    if (e.keyword === 'additionalProperties') {
      const field = String(e.params.additionalProperty);
      const allowed = Object.keys((e.parentSchema as SchemaNode | undefined)?.properties ?? {});
      const near = allowed
        .filter(
          (a) =>
            distance(a, field) <= Math.max(2, Math.floor(field.length / 4)) ||
            (field.length >= 3 && a.toLowerCase().startsWith(field.toLowerCase())) ||
            (a.length >= 4 && field.toLowerCase().startsWith(a.toLowerCase())),
        )
        .sort((a, b) => distance(a, field) - distance(b, field))[0];
      const replaced = REPLACED_FIELDS[join(path, field)];
      problems.push({
        path: join(path, field),
        message: replaced ?? `unknown field of ${where}${near ? ` (did you mean "${near}"?)` : ''}; allowed: ${allowed.join(', ')}`,
      });
    } else if (e.keyword === 'required') {
      const field = String(e.params.missingProperty);
      const described = (e.parentSchema as SchemaNode | undefined)?.properties?.[field];
      const description = (described?.description ?? resolve(described)?.description)?.split(/(?<=\.)\s/)[0];
      problems.push({ path: join(path, field), message: `is required${description ? ` (${description.replace(/\.$/, '')})` : ''}` });
    } else if (e.keyword === 'type') {
      const types = String(e.params.type).split(',').map((t) => TYPE_NAMES[t] ?? t);
      problems.push({ path: where, message: `${show(valueAt(config, e.instancePath))} is not allowed; ${types.join(' or ')} is required` });
    } else if (e.keyword === 'enum' || e.keyword === 'const') {
      const allowed = (e.params.allowedValues ?? [e.params.allowedValue]) as unknown[];
      problems.push({ path: where, message: `${show(valueAt(config, e.instancePath))} is not allowed; use ${allowed.length === 1 ? show(allowed[0]) : `one of ${allowed.map(show).join(', ')}`}` });
    } else {
      problems.push({ path: where, message: e.message ?? e.keyword });
    }
  }
  // One problem per field and message (several branches may report the same one).
  return problems.filter((p, i) => problems.findIndex((q) => q.path === p.path && q.message === p.message) === i);
}

/**
 * All problems of a config (empty when valid): first its shape against the schema generated
 * from the types (unknown, missing and mistyped fields), then, when the shape is right, the
 * values (formats, ranges, and what one field requires of another).
 */
export function configProblems(config: StackConfig, options: ValidationOptions = {}): ConfigProblem[] {
  const shape = schemaProblems(config);
  if (shape.length > 0) return shape;
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
  // InfoInhibitor (a rule over ALERTS) fires one evaluation after the info alert it mutes;
  // Alertmanager holds info alerts for the info route's group_wait, which must outlast that
  // evaluation, or every info alert is notified before its inhibitor arrives.
  const infoWait = DEFAULT_ROUTE_TIMINGS.info.groupWait;
  if (config.alertmanager.enabled && PROM_DURATION.test(p.evaluationInterval) && durationMs(p.evaluationInterval) >= durationMs(infoWait)) {
    c.add(
      'prometheus.evaluationInterval',
      `"${p.evaluationInterval}" is not below ${infoWait}, the time Alertmanager holds an info alert (InfoInhibitor fires one evaluation after it, and must arrive first); use at most ${durationMs(infoWait) / 1000 - 5}s`,
    );
  }
  if (p.externalUrl !== undefined) c.url('prometheus.externalUrl', p.externalUrl);
  prometheusExtensions(c, config);

  const am = config.alertmanager;
  c.boolean('alertmanager.enabled', am.enabled);
  c.integer('alertmanager.replicas', am.replicas, 1, 9);
  c.storage('alertmanager.storage', am.storage);
  c.resources('alertmanager.resources', am.resources);
  c.secret('alertmanager.receiversSecret', am.receiversSecret);
  // Receivers, routes and every field they read: the renderer's own checks, with the
  // config's field paths (lib/render/alertmanager.ts).
  for (const problem of alertmanagerInputProblems(alertmanagerInput(am, '/etc/alertmanager/secrets'))) c.add(problem.path, problem.message);

  const g = config.grafana;
  c.boolean('grafana.enabled', g.enabled);
  if (g.enabled && !p.enabled) c.add('grafana.enabled', 'Grafana\'s datasources need Prometheus; enable prometheus or disable grafana');
  c.integer('grafana.replicas', g.replicas, 1, 10);
  c.resources('grafana.resources', g.resources);
  if (g.storage) c.storage('grafana.storage', g.storage);
  if (g.database !== undefined) {
    const db = g.database;
    {
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
  grafanaExtensions(c, config);

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

  if (config.alerts?.upstreamRunbooks !== undefined) c.oneOf('alerts.upstreamRunbooks', config.alerts.upstreamRunbooks, UPSTREAM_RUNBOOKS);
  for (const problem of alertThresholdProblems(config.alerts?.thresholds)) {
    const at = problem.indexOf(': ');
    c.add(`alerts.${problem.slice(0, at)}`, problem.slice(at + 2));
  }

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

  extraRuleGroupProblems(c, config);

  return c.problems;
}

const PROM_LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** The stack's own scrape jobs (names an extra scrape config must not take). */
const STACK_JOBS = [JOB_PODS, JOB_POD_SIDECARS, JOB_SERVICE_ENDPOINTS, JOB_KUBELET, JOB_CADVISOR, 'thanos-sidecar'];

function relabelProblems(c: Checker, path: string, configs: readonly RelabelConfig[] | undefined): void {
  (configs ?? []).forEach((r, i) => {
    if (r.regex !== undefined) {
      try {
        new RegExp(`^(?:${r.regex})$`);
      } catch (e) {
        c.add(`${path}[${i}].regex`, `${c.show(r.regex)} is not a regular expression: ${(e as Error).message}`);
      }
    }
    if (r.target_label !== undefined && !/^[a-zA-Z_][a-zA-Z0-9_]*$|\$/.test(r.target_label)) c.add(`${path}[${i}].target_label`, `${c.show(r.target_label)} is not a label name`);
    if ((r.action ?? 'replace') === 'replace' && r.target_label === undefined) c.add(`${path}[${i}].target_label`, 'is required by action "replace"');
    if (r.action === 'hashmod' && r.modulus === undefined) c.add(`${path}[${i}].modulus`, 'is required by action "hashmod"');
  });
}

/** External labels, remote write, extra scrape configs and the Secrets they read. */
function prometheusExtensions(c: Checker, config: StackConfig): void {
  const p = config.prometheus;
  for (const [name, value] of Object.entries(p.externalLabels ?? {})) {
    const at = `prometheus.externalLabels.${name}`;
    if (!PROM_LABEL_NAME.test(name) || name.startsWith('__')) c.add(at, 'is not a Prometheus label name; use letters, digits and \'_\' (not starting with \'__\')');
    else if (name === 'cluster' || name === DEFAULT_REPLICA_LABEL) c.add(at, `is set by the stack (${name === 'cluster' ? 'the cluster name' : 'one value per replica, for Thanos deduplication'}); choose another name`);
    if (value === '' || value.includes('$')) c.add(at, `${c.show(value)} is not allowed; use a non-empty value without '$' (Prometheus 3 expands $VAR in external labels)`);
  }

  const secrets = (p.secrets ?? []).map((s) => s.name);
  (p.secrets ?? []).forEach((s, i) => {
    c.dnsSubdomain(`prometheus.secrets[${i}].name`, s.name, 'Secret name');
    if (secrets.indexOf(s.name) !== i) c.add(`prometheus.secrets[${i}].name`, `"${s.name}" is listed twice`);
  });

  const remoteNames = new Set<string>();
  const mounted = new Set(secrets);
  (p.remoteWrite ?? []).forEach((rw, i) => {
    const at = `prometheus.remoteWrite[${i}]`;
    c.url(`${at}.url`, rw.url);
    if (/\/\/[^/]*@/.test(rw.url)) c.add(`${at}.url`, 'must not carry credentials; use auth with a Secret');
    if (rw.name !== undefined) {
      if (rw.name === '' || remoteNames.has(rw.name)) c.add(`${at}.name`, `${c.show(rw.name)} is not allowed; remote-write names must be non-empty and unique`);
      remoteNames.add(rw.name);
    }
    if (rw.remoteTimeout !== undefined) c.duration(`${at}.remoteTimeout`, rw.remoteTimeout, '30s');
    for (const header of Object.keys(rw.headers ?? {})) {
      if (RESERVED_REMOTE_WRITE_HEADERS.includes(header.toLowerCase())) {
        c.add(`${at}.headers.${header}`, header.toLowerCase() === 'authorization' ? 'is not allowed (it would put a credential in the config); use auth with a Secret' : 'is set by Prometheus itself and cannot be changed');
      }
    }
    if (rw.auth) {
      c.secret(`${at}.auth.secret`, rw.auth.secret);
      mounted.add(rw.auth.secret.name);
      const key = rw.auth.type === 'basic' ? rw.auth.passwordKey : rw.auth.tokenKey;
      if (key !== undefined && !/^[-._a-zA-Z0-9]+$/.test(key)) c.add(`${at}.auth.${rw.auth.type === 'basic' ? 'passwordKey' : 'tokenKey'}`, `${c.show(key)} is not a Secret key; use letters, digits, '-', '_' and '.'`);
    }
    relabelProblems(c, `${at}.writeRelabelConfigs`, rw.writeRelabelConfigs);
  });

  const jobs = new Set(STACK_JOBS);
  (p.extraScrapeConfigs ?? []).forEach((sc: ScrapeConfig, i) => {
    const at = `prometheus.extraScrapeConfigs[${i}]`;
    if (sc.job_name === '') c.add(`${at}.job_name`, 'must not be empty');
    else if (jobs.has(sc.job_name)) c.add(`${at}.job_name`, `"${sc.job_name}" is already a job of the stack or of another extra scrape config; job names must be unique`);
    jobs.add(sc.job_name);
    const interval = sc.scrape_interval ?? p.scrapeInterval;
    const timeout = sc.scrape_timeout ?? (sc.scrape_interval !== undefined && PROM_DURATION.test(sc.scrape_interval) && durationMs(sc.scrape_interval) < durationMs(p.scrapeTimeout) ? sc.scrape_interval : p.scrapeTimeout);
    if (sc.scrape_interval !== undefined) c.duration(`${at}.scrape_interval`, sc.scrape_interval, '30s');
    if (sc.scrape_timeout !== undefined) c.duration(`${at}.scrape_timeout`, sc.scrape_timeout, '10s');
    if (PROM_DURATION.test(interval) && PROM_DURATION.test(timeout) && durationMs(timeout) > durationMs(interval)) {
      c.add(`${at}.scrape_timeout`, `"${timeout}" is longer than the scrape interval "${interval}"; Prometheus refuses it`);
    }
    if (sc.metrics_path !== undefined && !sc.metrics_path.startsWith('/')) c.add(`${at}.metrics_path`, `${c.show(sc.metrics_path)} must start with "/"`);
    const files: Array<[string, string | undefined]> = [
      [`${at}.basic_auth.password_file`, sc.basic_auth?.password_file],
      [`${at}.authorization.credentials_file`, sc.authorization?.credentials_file],
      [`${at}.tls_config.ca_file`, sc.tls_config?.ca_file],
      [`${at}.tls_config.cert_file`, sc.tls_config?.cert_file],
      [`${at}.tls_config.key_file`, sc.tls_config?.key_file],
    ];
    for (const [field, file] of files) {
      if (file === undefined || file === SERVICE_ACCOUNT_TOKEN_PATH || file === SERVICE_ACCOUNT_CA_PATH) continue;
      const m = new RegExp(`^${PROMETHEUS_SECRETS_DIR}/([^/]+)/[^/]+$`).exec(file);
      if (!m || !mounted.has(m[1])) {
        c.add(field, `${c.show(file)} is not in a mounted Secret; list the Secret in prometheus.secrets and use ${PROMETHEUS_SECRETS_DIR}/<secret>/<key>`);
      }
    }
    (sc.static_configs ?? []).forEach((group, g) => {
      group.targets.forEach((target, t) => {
        if (!/^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9a-fA-F:]+\](:\d{1,5})?$/.test(target)) c.add(`${at}.static_configs[${g}].targets[${t}]`, `${c.show(target)} is not "host:port"`);
      });
    });
    (sc.kubernetes_sd_configs ?? []).forEach((sd, k) => {
      (sd.namespaces?.names ?? []).forEach((ns, n) => c.dnsLabel(`${at}.kubernetes_sd_configs[${k}].namespaces.names[${n}]`, ns));
    });
    relabelProblems(c, `${at}.relabel_configs`, sc.relabel_configs);
    relabelProblems(c, `${at}.metric_relabel_configs`, sc.metric_relabel_configs);
  });
}

const FOLDER_UID = /^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$/;

/** Grafana's Ingress, single sign-on and dashboard folders. */
function grafanaExtensions(c: Checker, config: StackConfig): void {
  const g = config.grafana;
  if (g.ingress) {
    const ing = g.ingress;
    if (!DNS_SUBDOMAIN.test(ing.host) || ing.host.length > 253) c.add('grafana.ingress.host', `${c.show(ing.host)} is not a host name; use lower-case letters, digits, '-' and '.' (e.g. "grafana.example.com")`);
    if (ing.className !== undefined) c.dnsSubdomain('grafana.ingress.className', ing.className, 'IngressClass name');
    if (ing.tlsSecret) c.secret('grafana.ingress.tlsSecret', ing.tlsSecret);
    if (!config.network.ingressController) c.add('grafana.ingress', 'needs network.ingressController (the namespace of the ingress controller): without it the NetworkPolicy keeps the controller out');
    if (g.externalUrl !== undefined) {
      try {
        const host = new URL(g.externalUrl).hostname;
        if (host !== ing.host) c.add('grafana.externalUrl', `"${g.externalUrl}" is not on the Ingress host "${ing.host}"; remove externalUrl (it is derived from the Ingress) or make them agree`);
      } catch {
        // reported by the URL check
      }
    }
  }
  if (g.sso) {
    const sso = g.sso;
    if (g.externalUrl === undefined && !g.ingress) c.add('grafana.sso', 'needs a public URL for the login redirect: set grafana.externalUrl or grafana.ingress');
    if (sso.clientId === '') c.add('grafana.sso.clientId', 'must not be empty');
    c.secret('grafana.sso.clientSecret', sso.clientSecret);
    if (sso.clientSecretKey !== undefined && !/^[-._a-zA-Z0-9]+$/.test(sso.clientSecretKey)) c.add('grafana.sso.clientSecretKey', `${c.show(sso.clientSecretKey)} is not a Secret key`);
    for (const key of ['authUrl', 'tokenUrl', 'apiUrl'] as const) {
      let ok = false;
      try {
        ok = new URL(sso[key]).protocol === 'https:';
      } catch {
        ok = false;
      }
      if (!ok) c.add(`grafana.sso.${key}`, `${c.show(sso[key])} is not an https URL; the identity provider must be reached over TLS`);
    }
    if (sso.scopes !== undefined && sso.scopes.length === 0) c.add('grafana.sso.scopes', 'must not be empty (e.g. ["openid", "email", "profile"])');
    if (sso.allowedGroups !== undefined && sso.groupsAttributePath === undefined) c.add('grafana.sso.groupsAttributePath', 'is required with allowedGroups: where Grafana finds the user\'s groups (e.g. "groups[*]")');
    for (const key of ['name', 'roleAttributePath', 'groupsAttributePath'] as const) {
      const v = sso[key];
      if (v !== undefined && (v.trim() === '' || /[\n\r]/.test(v))) c.add(`grafana.sso.${key}`, `${c.show(v)} is not allowed; use one non-empty line`);
    }
  }
  const uids = new Set<string>();
  (g.dashboardFolders ?? []).forEach((folder: DashboardFolderConfig, i) => {
    const at = `grafana.dashboardFolders[${i}]`;
    if (!FOLDER_UID.test(folder.uid)) c.add(`${at}.uid`, `${c.show(folder.uid)} is not allowed; use 1-40 lower-case letters, digits and '-' (it names a directory and a ConfigMap)`);
    else if (Object.values(DASHBOARD_FOLDERS).some((f) => f.uid === folder.uid)) c.add(`${at}.uid`, `"${folder.uid}" is a folder of the stack; give your folder its own uid`);
    else if (uids.has(folder.uid)) c.add(`${at}.uid`, `"${folder.uid}" is used twice`);
    uids.add(folder.uid);
    if (folder.title.trim() === '') c.add(`${at}.title`, 'must not be empty');
    if (folder.dashboards.length === 0) c.add(`${at}.dashboards`, 'a folder needs at least one dashboard');
  });
  if ((g.dashboardFolders ?? []).length > 0) {
    // Every dashboard the stack could provision, for their uids.
    const stack = stackDashboards({ metricsDatasource: 'prometheus', namespace: config.namespace, thanos: true, loki: true, alertmanager: true, logCollector: 'alloy' });
    for (const p of userDashboardProblems(config, new Set(stack.map((d) => d.dashboard.uid!)))) c.add(p.path, p.message);
  }
}

/** Rule groups of the user's own: the building block's checks, with the config's field paths. */
function extraRuleGroupProblems(c: Checker, config: StackConfig): void {
  const names = new Set<string>();
  (config.alerts.extraRuleGroups ?? []).forEach((group, i) => {
    const at = `alerts.extraRuleGroups[${i}]`;
    if (names.has(group.name)) c.add(`${at}.name`, `"${group.name}" is used twice; group names must be unique`);
    names.add(group.name);
    for (const problem of ruleGroupProblems(fromRuleFileGroup(group), at)) {
      const colon = problem.indexOf(': ');
      c.add(problem.slice(0, colon).replace(/\.keepFiringFor$/, '.keep_firing_for'), problem.slice(colon + 2));
    }
  });
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
