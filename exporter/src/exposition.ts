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

function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
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

function formatLabels(labels: Readonly<Record<string, string | number>>): string {
  // `le` last, as the Go client writes it; other labels in the metric's declared order.
  const keys = Object.keys(labels).filter((k) => k !== 'le');
  if ('le' in labels) keys.push('le');
  if (keys.length === 0) return '';
  const le = labels.le;
  const parts = keys.map((k) => {
    const raw = labels[k] as string | number;
    const text = k === 'le' && typeof le === 'number' ? formatValue(le) : String(raw);
    return `${k}="${escapeLabelValue(text)}"`;
  });
  return `{${parts.join(',')}}`;
}

/** Render metric families in the Prometheus text format 0.0.4 or OpenMetrics 1.0.0. */
export function serialize(families: readonly FamilyJson[], format: ExpositionFormat): string {
  const lines: string[] = [];
  for (const f of families) {
    const isCounter = f.type === 'counter';
    // OpenMetrics names a counter family without `_total`; its samples keep it.
    const family = format === 'openmetrics' && isCounter ? f.name.replace(/_total$/, '') : f.name;
    lines.push(`# HELP ${family} ${escapeHelp(f.help, format)}`);
    lines.push(`# TYPE ${family} ${f.type}`);
    for (const v of f.values) {
      const sample = v.metricName ?? (format === 'openmetrics' && isCounter ? `${family}_total` : f.name);
      lines.push(`${sample}${formatLabels(v.labels)} ${formatValue(v.value)}`);
    }
  }
  if (format === 'openmetrics') lines.push('# EOF');
  return lines.join('\n') + '\n';
}
