/**
 * The exposition formats, written here rather than by prom-client's Registry#metrics():
 * prom-client 15 renames counters in place (drops `_total`) when a registry renders
 * OpenMetrics, which would corrupt the Prometheus text output of the same metrics later.
 * This serializer reads the registry's JSON and writes either format without side effects.
 */

export type ExpositionFormat = 'prometheus' | 'openmetrics';

export const CONTENT_TYPES: Readonly<Record<ExpositionFormat, string>> = {
  prometheus: 'text/plain; version=0.0.4; charset=utf-8',
  openmetrics: 'application/openmetrics-text; version=1.0.0; charset=utf-8',
};

/** The shape of prom-client's Registry#getMetricsAsJSON() entries that the serializer reads. */
export interface FamilyJson {
  readonly name: string;
  readonly help: string;
  readonly type: string;
  readonly values: readonly {
    readonly value: number;
    readonly metricName?: string;
    readonly labels: Readonly<Record<string, string | number>>;
  }[];
}

interface AcceptEntry {
  readonly type: string;
  readonly q: number;
}

function parseAccept(header: string): AcceptEntry[] {
  return header
    .split(',')
    .map((part) => {
      const [type = '', ...params] = part.split(';').map((s) => s.trim().toLowerCase());
      const qParam = params.find((p) => p.startsWith('q='));
      const q = qParam === undefined ? 1 : Number(qParam.slice(2));
      return { type, q: Number.isFinite(q) ? q : 0 };
    })
    .filter((e) => e.type !== '');
}

/** OpenMetrics when the Accept header prefers it (as Prometheus does), else the Prometheus text format. */
export function negotiateFormat(accept: string | undefined): ExpositionFormat {
  if (!accept) return 'prometheus';
  const entries = parseAccept(accept);
  const best = (match: (t: string) => boolean) => Math.max(0, ...entries.filter((e) => match(e.type)).map((e) => e.q));
  const om = best((t) => t === 'application/openmetrics-text');
  const text = best((t) => t === 'text/plain' || t === 'text/*' || t === '*/*');
  return om > 0 && om >= text ? 'openmetrics' : 'prometheus';
}

/** A label value needs escaping only if it has a backslash, a line feed or a double quote. */
const NEEDS_ESCAPE = /[\\\n"]/;

function escapeLabelValue(v: string): string {
  return NEEDS_ESCAPE.test(v) ? v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"') : v;
}

function escapeHelp(v: string, format: ExpositionFormat): string {
  const s = v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
  return format === 'openmetrics' ? s.replace(/"/g, '\\"') : s;
}

export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

/**
 * Render metric families in the Prometheus text format 0.0.4 or OpenMetrics 1.0.0.
 *
 * Labels are written in the metric's declared order with `le` last, as the Go client does.
 * A scrape at the cardinality cap writes tens of thousands of samples, so the label text of a
 * sample (without `le`) is reused from the previous sample when its labels are the same: the
 * buckets, sum and count of one histogram series come one after the other.
 */
export function serialize(families: readonly FamilyJson[], format: ExpositionFormat): string {
  let out = '';
  for (const f of families) {
    const isCounter = f.type === 'counter';
    // OpenMetrics names a counter family without `_total`; its samples keep it.
    const family = format === 'openmetrics' && isCounter ? f.name.replace(/_total$/, '') : f.name;
    out += `# HELP ${family} ${escapeHelp(f.help, format)}\n# TYPE ${family} ${f.type}\n`;
    const defaultSample = format === 'openmetrics' && isCounter ? `${family}_total` : f.name;
    let prev: Readonly<Record<string, string | number>> | undefined;
    let prevKeys: string[] = [];
    let prevText = '';
    for (const v of f.values) {
      const labels = v.labels;
      if (!sameLabelsBesidesLe(labels, prev, prevKeys)) {
        prevKeys = Object.keys(labels).filter((k) => k !== 'le');
        prevText = prevKeys.map((k) => `${k}="${escapeLabelValue(String(labels[k]))}"`).join(',');
        prev = labels;
      }
      let text = prevText;
      if ('le' in labels) {
        const le = labels.le;
        text += `${text ? ',' : ''}le="${escapeLabelValue(typeof le === 'number' ? formatValue(le) : String(le))}"`;
      }
      out += `${v.metricName ?? defaultSample}${text ? `{${text}}` : ''} ${formatValue(v.value)}\n`;
    }
  }
  return format === 'openmetrics' ? out + '# EOF\n' : out;
}

/** True when `labels` has the keys `prevKeys` (in that order), besides `le`, with `prev`'s values. */
function sameLabelsBesidesLe(labels: Readonly<Record<string, string | number>>, prev: Readonly<Record<string, string | number>> | undefined, prevKeys: readonly string[]): boolean {
  if (prev === undefined) return false;
  let n = 0;
  for (const k of Object.keys(labels)) {
    if (k === 'le') continue;
    if (prevKeys[n] !== k || prev[k] !== labels[k]) return false;
    n++;
  }
  return n === prevKeys.length;
}
