/**
 * The Grafana Alloy configuration (Alloy configuration syntax, `config.alloy`) of the
 * log-collector DaemonSet. Component names and arguments were checked against the Alloy
 * reference documentation and argument structs of grafana/alloy at the pinned v1.19.2
 * (docs/sources/reference/components/, internal/component/; recorded in
 * test/fixtures/upstream/alloy-components.txt, which test/upstream-config.test.ts checks):
 *
 *   discovery.kubernetes "pods"   role = "pod", `selectors { role, field }` limits the watch
 *                                 to this node's pods (spec.nodeName=<node>)
 *   discovery.relabel "pod_logs"  `rule { source_labels, separator, regex, replacement,
 *                                 target_label, action }` -> namespace, pod, container,
 *                                 node, app labels and `__path__`
 *   local.file_match "pod_logs"   `path_targets` (globs in `__path__`)
 *   loki.source.file "pod_logs"   `targets`, `forward_to`
 *   loki.process "pod_logs"       stage.cri {}, stage.drop { older_than, drop_counter_reason },
 *                                 stage.json { expressions }, stage.template
 *                                 { source, template }, stage.labels { values },
 *                                 stage.label_drop { values }
 *   loki.write "loki"             endpoint { url } -> `<loki>/loki/api/v1/push`
 *
 * Label cardinality is bounded on purpose: the stream labels are namespace, pod,
 * container, node, app, stream (stdout|stderr) and level, and level is normalised to one
 * of six values by the template stage. `filename` (added by loki.source.file, one value
 * per rotated file) is dropped. The log line itself is kept whole: a JSON line keeps every
 * field for LogQL's `| json`; only `level` is promoted to a label.
 */

/** An Alloy expression written as-is (a component reference or a function call). */
export class AlloyExpr {
  constructor(readonly text: string) {}
}

export type AlloyValue = string | number | boolean | AlloyExpr | readonly AlloyValue[] | { readonly [key: string]: AlloyValue };

export interface AlloyBlock {
  readonly name: string;
  readonly label?: string;
  readonly body: readonly (AlloyAttribute | AlloyBlock)[];
}

export interface AlloyAttribute {
  readonly attr: string;
  readonly value: AlloyValue;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

function isBlock(x: AlloyAttribute | AlloyBlock): x is AlloyBlock {
  return (x as AlloyBlock).body !== undefined;
}

/** An Alloy string literal (JSON escapes are valid Alloy/Go escapes). */
export function alloyString(s: string): string {
  return JSON.stringify(s);
}

function value(v: AlloyValue, indent: string): string {
  if (v instanceof AlloyExpr) return v.text;
  if (typeof v === 'string') return alloyString(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${(v as readonly AlloyValue[]).map((x) => value(x, indent)).join(', ')}]`;
  const entries = Object.entries(v as Record<string, AlloyValue>);
  if (entries.length === 0) return '{}';
  const inner = `${indent}  `;
  const width = Math.max(...entries.map(([k]) => (IDENT.test(k) ? k : alloyString(k)).length));
  return `{\n${entries.map(([k, x]) => `${inner}${(IDENT.test(k) ? k : alloyString(k)).padEnd(width)} = ${value(x, inner)},`).join('\n')}\n${indent}}`;
}

function block(b: AlloyBlock, indent: string): string {
  const head = `${indent}${b.name}${b.label !== undefined ? ` ${alloyString(b.label)}` : ''}`;
  if (b.body.length === 0) return `${head} {}`;
  const inner = `${indent}  `;
  const attrs = b.body.filter((x): x is AlloyAttribute => !isBlock(x));
  const width = attrs.length ? Math.max(...attrs.map((a) => a.attr.length)) : 0;
  const lines = b.body.map((x) => (isBlock(x) ? block(x, inner) : `${inner}${x.attr.padEnd(width)} = ${value(x.value, inner)}`));
  return `${head} {\n${lines.join('\n')}\n${indent}}`;
}

/** Alloy configuration text of the given top-level blocks. */
export function renderAlloyBlocks(blocks: readonly AlloyBlock[]): string {
  for (const b of blocks) checkNames(b);
  return `${blocks.map((b) => block(b, '')).join('\n\n')}\n`;
}

function checkNames(b: AlloyBlock): void {
  if (!b.name.split('.').every((part) => IDENT.test(part))) throw new Error(`alloy: "${b.name}" is not a block name`);
  if (b.label !== undefined && !IDENT.test(b.label)) throw new Error(`alloy: block label "${b.label}" of ${b.name} must be an identifier (letters, digits, '_')`);
  for (const x of b.body) {
    if (isBlock(x)) checkNames(x);
    else if (!IDENT.test(x.attr)) throw new Error(`alloy: "${x.attr}" in ${b.name} is not an attribute name`);
  }
}

const a = (attr: string, v: AlloyValue): AlloyAttribute => ({ attr, value: v });
const expr = (text: string) => new AlloyExpr(text);

/** Lines older than this are not (re-)sent (see the stage.drop comment). */
export const REPLAY_MAX_AGE = '1h';

/** The six level values the template stage maps every line to (bounded label). */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'critical', 'unknown'] as const;

/**
 * Go text/template that normalises a JSON level (`level`, `lvl` or `severity`, any case,
 * or pino/bunyan numbers) to one of LOG_LEVELS. `print` turns a missing value (non-JSON
 * line, no level field) into "<nil>", which maps to "unknown". `eq` with several
 * arguments is true when the first equals any of the others (text/template).
 */
export const LEVEL_TEMPLATE =
  '{{ $l := ToLower (print .Value) }}' +
  '{{ if eq $l "trace" "debug" "dbug" "10" "20" }}debug' +
  '{{ else if eq $l "info" "information" "notice" "30" }}info' +
  '{{ else if eq $l "warn" "warning" "40" }}warn' +
  '{{ else if eq $l "error" "err" "eror" "50" }}error' +
  '{{ else if eq $l "fatal" "critical" "crit" "panic" "alert" "emerg" "emergency" "60" }}critical' +
  '{{ else }}unknown{{ end }}';

/** JMESPath: the first of `level`, `lvl`, `severity` present in a JSON line. */
export const LEVEL_JMESPATH = 'level || lvl || severity';

/** Labels every log stream carries (plus `level` and `stream`). */
export const POD_LOG_LABELS = ['namespace', 'pod', 'container', 'node', 'app'] as const;

/**
 * How a collector pushes to Loki, beyond the URL: labels added to every stream (the
 * `cluster`), the tenant, and a client certificate (a fleet's central Loki).
 */
export interface LokiClientOptions {
  /** Labels on every stream, e.g. `{ cluster: 'prod-eu-1' }`. @default none */
  readonly externalLabels?: Readonly<Record<string, string>>;
  /** The tenant (`X-Scope-OrgID`). @default none (a single-tenant Loki) */
  readonly tenantId?: string;
  /** HTTPS with this client certificate. @default none */
  readonly tls?: { readonly caFile: string; readonly certFile: string; readonly keyFile: string };
}

export interface AlloyRenderInput extends LokiClientOptions {
  /** Loki's push URL, e.g. `http://loki.monitoring.svc:3100/loki/api/v1/push`. */
  readonly lokiPushUrl: string;
  /** Environment variable holding this node's name (from the downward API). @default NODE_NAME */
  readonly nodeNameEnv?: string;
  /** Where the kubelet writes pod logs. @default /var/log/pods */
  readonly podLogsDir?: string;
  /** @default 'info' */
  readonly logLevel?: 'debug' | 'info' | 'warn' | 'error';
}

/** The discovery.relabel rules shared (in spirit) by the Alloy and Promtail configs. */
export interface RelabelRule {
  readonly sourceLabels: readonly string[];
  readonly targetLabel: string;
  readonly separator?: string;
  readonly regex?: string;
  readonly replacement?: string;
}

/**
 * The pod-log relabelling: namespace, pod, container, node and app labels, and the
 * `__path__` glob of the container's log files under the kubelet's pod log directory
 * (`/var/log/pods/<namespace>_<pod>_<uid>/<container>/<n>.log`). `app` is the
 * `app.kubernetes.io/name` pod label, or the `app` label when that is missing.
 */
export function podLogRelabelRules(podLogsDir = '/var/log/pods'): RelabelRule[] {
  return [
    { sourceLabels: ['__meta_kubernetes_namespace'], targetLabel: 'namespace' },
    { sourceLabels: ['__meta_kubernetes_pod_name'], targetLabel: 'pod' },
    { sourceLabels: ['__meta_kubernetes_pod_container_name'], targetLabel: 'container' },
    { sourceLabels: ['__meta_kubernetes_pod_node_name'], targetLabel: 'node' },
    {
      sourceLabels: ['__meta_kubernetes_pod_label_app_kubernetes_io_name', '__meta_kubernetes_pod_label_app'],
      separator: ';',
      regex: '^;*([^;]+)(;.*)?$',
      replacement: '$1',
      targetLabel: 'app',
    },
    {
      sourceLabels: ['__meta_kubernetes_pod_uid', '__meta_kubernetes_pod_container_name'],
      separator: '/',
      regex: '(.+)',
      replacement: `${podLogsDir}/*$1/*.log`,
      targetLabel: '__path__',
    },
  ];
}

function alloyRule(r: RelabelRule): AlloyBlock {
  const body: AlloyAttribute[] = [a('source_labels', [...r.sourceLabels])];
  if (r.separator !== undefined) body.push(a('separator', r.separator));
  if (r.regex !== undefined) body.push(a('regex', r.regex));
  if (r.replacement !== undefined) body.push(a('replacement', r.replacement));
  body.push(a('target_label', r.targetLabel));
  return { name: 'rule', body };
}

/** The config.alloy blocks (for tests that inspect structure). */
export function alloyBlocks(input: AlloyRenderInput): AlloyBlock[] {
  let url: URL;
  try {
    url = new URL(input.lokiPushUrl);
  } catch {
    throw new Error(`alloy.lokiPushUrl: "${input.lokiPushUrl}" is not a URL; use e.g. "http://loki.monitoring.svc:3100/loki/api/v1/push"`);
  }
  if (url.pathname !== '/loki/api/v1/push') throw new Error(`alloy.lokiPushUrl: "${input.lokiPushUrl}" must end with /loki/api/v1/push (Loki's push API)`);
  const nodeEnv = input.nodeNameEnv ?? 'NODE_NAME';
  if (!/^[A-Z_][A-Z0-9_]*$/.test(nodeEnv)) throw new Error(`alloy.nodeNameEnv: "${nodeEnv}" is not an environment variable name`);
  return [
    { name: 'logging', body: [a('level', input.logLevel ?? 'info'), a('format', 'logfmt')] },
    {
      name: 'discovery.kubernetes',
      label: 'pods',
      body: [a('role', 'pod'), { name: 'selectors', body: [a('role', 'pod'), a('field', expr(`"spec.nodeName=" + sys.env(${alloyString(nodeEnv)})`))] }],
    },
    {
      name: 'discovery.relabel',
      label: 'pod_logs',
      body: [a('targets', expr('discovery.kubernetes.pods.targets')), ...podLogRelabelRules(input.podLogsDir).map(alloyRule)],
    },
    { name: 'local.file_match', label: 'pod_logs', body: [a('path_targets', expr('discovery.relabel.pod_logs.output'))] },
    {
      name: 'loki.source.file',
      label: 'pod_logs',
      body: [
        a('targets', expr('local.file_match.pod_logs.targets')),
        a('forward_to', [expr('loki.process.pod_logs.receiver')]),
        // tail_from_end stays false: a new container's file is read from its first line
        // (a crash-looping container's output is in its first lines).
      ],
    },
    {
      name: 'loki.process',
      label: 'pod_logs',
      body: [
        a('forward_to', [expr('loki.write.loki.receiver')]),
        { name: 'stage.cri', body: [] },
        // Positions are kept on the node (see the component): a new pod continues where the
        // last stopped. A pod without positions (a new node) reads the files on the node
        // from their start: lines more than an hour old are dropped here (counted in
        // loki_process_dropped_lines_total) instead of being sent: Loki would reject them as
        // too far behind the newest line of their stream.
        { name: 'stage.drop', body: [a('older_than', REPLAY_MAX_AGE), a('drop_counter_reason', 'replayed_older_than_1h')] },
        { name: 'stage.json', body: [a('expressions', { level: LEVEL_JMESPATH })] },
        { name: 'stage.template', body: [a('source', 'level'), a('template', LEVEL_TEMPLATE)] },
        { name: 'stage.labels', body: [a('values', { level: '' })] },
        { name: 'stage.label_drop', body: [a('values', ['filename'])] },
      ],
    },
    {
      name: 'loki.write',
      label: 'loki',
      body: [
        {
          name: 'endpoint',
          body: [
            a('url', input.lokiPushUrl),
            ...(input.tenantId !== undefined ? [a('tenant_id', input.tenantId)] : []),
            ...(input.tls ? [{ name: 'tls_config', body: [a('ca_file', input.tls.caFile), a('cert_file', input.tls.certFile), a('key_file', input.tls.keyFile)] }] : []),
          ],
        },
        ...(input.externalLabels && Object.keys(input.externalLabels).length > 0 ? [a('external_labels', { ...input.externalLabels })] : []),
      ],
    },
  ];
}

/** config.alloy text. */
export function renderAlloyConfig(input: AlloyRenderInput): string {
  return renderAlloyBlocks(alloyBlocks(input));
}
