import { readFileSync } from 'fs';
import { APP_METRICS } from './catalogue';
import { LabelAllowList, allowListProblems } from './labels';
import { LOG_LEVELS, LogLevel } from './log';
import { DEFAULT_MAX_SERIES } from './metrics';
import { DEFAULT_WINDOWS, SloSpec, WindowSpec, parseWindow, sloProblems } from './slo';
import { IncidentSpec, incidentProblems } from './sources/simulate';
import { Mapping, loadMapping } from './sources/stats';
import { VERSION } from './version';

/**
 * Command-line flags and environment variables. Every flag `--some-flag` can also be given as
 * `EXPORTER_SOME_FLAG`; a flag on the command line wins over the environment. Invalid values
 * stop the process at start with a message naming the flag and the fix (exit code 2).
 */

export type SourceName = 'simulate' | 'events' | 'stats';
export const SOURCES: readonly SourceName[] = ['simulate', 'events', 'stats'];

export interface ExporterConfig {
  readonly port: number;
  readonly host: string;
  readonly intervalSeconds: number;
  readonly sources: readonly SourceName[];
  readonly statsUrl?: string;
  readonly statsTimeoutSeconds?: number;
  readonly mappingFile?: string;
  readonly mapping?: Mapping;
  readonly seed: number;
  readonly requestsPerSecond: number;
  /** simulate: mean spontaneous error bursts a day; 0 = none. */
  readonly burstsPerDay: number;
  readonly maxSeries: number;
  readonly maxBodyBytes: number;
  readonly incident?: IncidentSpec;
  readonly slos: readonly SloSpec[];
  readonly windows: readonly WindowSpec[];
  readonly labelValuesFile?: string;
  readonly allow?: LabelAllowList;
  readonly allowRemoteWrites: boolean;
  readonly logLevel: LogLevel;
  readonly shutdownTimeoutSeconds: number;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** What the process should do: run with a config, or print text (help, version) and exit 0. */
export type CliResult = { readonly kind: 'run'; readonly config: ExporterConfig } | { readonly kind: 'print'; readonly text: string };

interface FlagSpec {
  readonly name: string;
  readonly boolean?: boolean;
  readonly value?: string;
  readonly default?: string;
  readonly help: string;
}

export const FLAGS: readonly FlagSpec[] = [
  { name: 'port', value: 'PORT', default: '9464', help: 'TCP port of /metrics, /healthz, /readyz and the /v1 endpoints' },
  { name: 'host', value: 'ADDR', default: '0.0.0.0', help: 'address to listen on (:: for IPv6)' },
  { name: 'interval', value: 'SECONDS', default: '15', help: 'simulation step and stats poll interval (0.1 to 3600)' },
  { name: 'source', value: 'LIST', default: 'simulate', help: 'where values come from: simulate, or events and/or stats (comma-separated)' },
  { name: 'stats-url', value: 'URL', help: 'stats source: the application JSON stats URL (http or https)' },
  { name: 'stats-timeout', value: 'SECONDS', help: 'stats source: timeout of one poll (default: min(interval, 10))' },
  { name: 'mapping', value: 'FILE', help: 'stats source: JSON file mapping stats fields to metrics' },
  { name: 'seed', value: 'INT', default: '1', help: 'simulate: random seed; the same seed gives the same data' },
  { name: 'requests-per-second', value: 'N', default: '20', help: 'simulate: mean request rate at the daily average' },
  { name: 'bursts-per-day', value: 'N', default: '4', help: 'simulate: mean spontaneous error bursts a day (each 1 to 5 minutes at 2 to 15 % 5xx); 0 = none' },
  { name: 'incident', boolean: true, help: 'simulate: start with a forced incident (see --incident-*)' },
  { name: 'incident-error-ratio', value: 'RATIO', default: '0.5', help: 'simulate: 5xx fraction during a forced incident, in (0, 1]' },
  { name: 'incident-duration', value: 'SECONDS', default: '0', help: 'simulate: forced incident length; 0 = until DELETE /v1/incident' },
  { name: 'incident-latency-factor', value: 'X', default: '1', help: 'simulate: response time multiplier during a forced incident (1 to 100)' },
  { name: 'max-series', value: 'N', default: String(DEFAULT_MAX_SERIES), help: 'label sets per metric before new ones fold into "other" (counted in app_exporter_series_dropped_total)' },
  { name: 'max-body-bytes', value: 'BYTES', default: '1048576', help: 'largest POST /v1/events body; larger ones get 413' },
  { name: 'label-values', value: 'FILE', help: 'JSON allow-list {"route": [...], "product": [...], "app_errors_total.type": [...]}; other values fold into "other"' },
  { name: 'slo-windows', value: 'LIST', default: DEFAULT_WINDOWS.join(','), help: 'SLO sliding windows' },
  { name: 'availability-objective', value: 'RATIO', default: '0.999', help: 'SLO "availability": target fraction of non-5xx responses' },
  { name: 'latency-objective', value: 'RATIO', default: '0.99', help: 'SLO "latency": target fraction of requests within --latency-threshold' },
  { name: 'latency-threshold', value: 'SECONDS', default: '0.5', help: 'SLO "latency": threshold, one of the request duration buckets' },
  { name: 'allow-remote-writes', boolean: true, help: 'accept POST /v1/events and /v1/incident from other hosts, not only localhost' },
  { name: 'log-level', value: 'LEVEL', default: 'info', help: 'debug, info, warn or error' },
  { name: 'shutdown-timeout', value: 'SECONDS', default: '10', help: 'on SIGTERM, wait this long for requests in flight (keep it below the pod grace period)' },
  { name: 'help', boolean: true, help: 'print this help' },
  { name: 'version', boolean: true, help: 'print the version' },
];

export function envName(flag: string): string {
  return `EXPORTER_${flag.toUpperCase().replace(/-/g, '_')}`;
}

export function helpText(): string {
  const lines = [
    `app-exporter ${VERSION}: business, performance, infrastructure and SLO metrics for Prometheus`,
    '',
    'Usage: app-exporter [flags]      (every flag can also be set as EXPORTER_<FLAG>, e.g. EXPORTER_PORT)',
    '',
  ];
  for (const f of FLAGS) {
    const left = `  --${f.name}${f.value ? ` ${f.value}` : ''}`;
    lines.push(`${left.padEnd(36)}${f.help}${f.default !== undefined ? ` (default ${f.default})` : ''}`);
  }
  lines.push('', 'Endpoints: GET /metrics, /healthz, /readyz; POST /v1/events (events); GET|POST|DELETE /v1/incident (simulate)');
  return lines.join('\n') + '\n';
}

const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['0', 'false', 'no', 'off', '']);

/** Raw flag values from argv and env (argv wins). */
function collect(argv: readonly string[], env: NodeJS.ProcessEnv): Map<string, string> {
  const values = new Map<string, string>();
  for (const f of FLAGS) {
    const e = env[envName(f.name)];
    if (e === undefined) continue;
    if (f.boolean) {
      const v = e.toLowerCase();
      if (!TRUE.has(v) && !FALSE.has(v)) throw new ConfigError(`${envName(f.name)}: "${e}" is not a boolean; use true or false`);
      if (TRUE.has(v)) values.set(f.name, 'true');
    } else {
      values.set(f.name, e);
    }
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith('--')) throw new ConfigError(`unexpected argument "${arg}"; flags look like --port 9464 (see --help)`);
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    const spec = FLAGS.find((f) => f.name === name);
    if (!spec) throw new ConfigError(`unknown flag --${name}; see --help for the flags`);
    if (spec.boolean) {
      if (eq !== -1) {
        const v = arg.slice(eq + 1).toLowerCase();
        if (!TRUE.has(v) && !FALSE.has(v)) throw new ConfigError(`--${name}: "${arg.slice(eq + 1)}" is not a boolean; use --${name} or --${name}=false`);
        if (TRUE.has(v)) values.set(name, 'true');
        else values.delete(name);
      } else {
        values.set(name, 'true');
      }
      continue;
    }
    let value: string | undefined;
    if (eq !== -1) value = arg.slice(eq + 1);
    else {
      value = argv[i + 1];
      if (value === undefined || value.startsWith('--')) throw new ConfigError(`--${name} needs a value (${spec.value}); e.g. --${name} ${spec.default ?? spec.value}`);
      i++;
    }
    values.set(name, value);
  }
  return values;
}

function num(values: Map<string, string>, name: string, check: (n: number) => boolean, expect: string): number {
  const spec = FLAGS.find((f) => f.name === name) as FlagSpec;
  const raw = values.get(name) ?? spec.default;
  if (raw === undefined) throw new Error(`flag --${name} has no default`);
  const n = raw.trim() === '' ? NaN : Number(raw);
  if (!Number.isFinite(n) || !check(n)) throw new ConfigError(`--${name} (or ${envName(name)}): "${raw}" is not valid; use ${expect}`);
  return n;
}

function readJson(flag: string, file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`--${flag} ${file}: cannot read the file (${(e as Error).message})`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`--${flag} ${file}: not valid JSON (${(e as Error).message})`);
  }
}

/** Parse and validate flags and environment. Throws ConfigError with a message for the user. */
export function parseCli(argv: readonly string[], env: NodeJS.ProcessEnv = {}): CliResult {
  const values = collect(argv, env);
  if (values.has('help')) return { kind: 'print', text: helpText() };
  if (values.has('version')) return { kind: 'print', text: `${VERSION}\n` };

  const port = num(values, 'port', (n) => Number.isInteger(n) && n >= 0 && n <= 65535, 'an integer port from 1 to 65535 (0 picks a free port)');
  const host = values.get('host') ?? '0.0.0.0';
  if (!/^[A-Za-z0-9.:-]+$/.test(host)) throw new ConfigError(`--host: "${host}" is not an address; use e.g. 0.0.0.0, 127.0.0.1 or ::`);
  const intervalSeconds = num(values, 'interval', (n) => n >= 0.1 && n <= 3600, 'a number of seconds from 0.1 to 3600, e.g. 15');

  const sourceRaw = values.get('source') ?? 'simulate';
  const sources = [...new Set(sourceRaw.split(',').map((s) => s.trim()))] as SourceName[];
  for (const s of sources) {
    if (!SOURCES.includes(s)) throw new ConfigError(`--source: "${s}" is not a source; use simulate, events, stats, or events,stats`);
  }
  if (sources.includes('simulate') && sources.length > 1) throw new ConfigError(`--source: simulate cannot be combined with ${sources.filter((s) => s !== 'simulate').join(',')}; simulated and real data would mix`);

  const usesStats = sources.includes('stats');
  const statsUrl = values.get('stats-url');
  const mappingFile = values.get('mapping');
  let mapping: Mapping | undefined;
  let statsTimeoutSeconds: number | undefined;
  if (usesStats) {
    if (!statsUrl) throw new ConfigError(`--stats-url is required with --source stats; e.g. --stats-url http://localhost:8080/stats`);
    let u: URL;
    try {
      u = new URL(statsUrl);
    } catch {
      throw new ConfigError(`--stats-url: "${statsUrl}" is not a URL; e.g. http://localhost:8080/stats`);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new ConfigError(`--stats-url: "${statsUrl}" must be http:// or https://`);
    if (!mappingFile) throw new ConfigError(`--mapping is required with --source stats: a JSON file mapping stats fields to metrics (see exporter/README.md)`);
    try {
      mapping = loadMapping(mappingFile);
    } catch (e) {
      throw new ConfigError(`--mapping: ${(e as Error).message}`);
    }
    if (values.has('stats-timeout')) statsTimeoutSeconds = num(values, 'stats-timeout', (n) => n > 0 && n <= intervalSeconds, `a number of seconds > 0 and at most --interval (${intervalSeconds})`);
  } else {
    for (const f of ['stats-url', 'mapping', 'stats-timeout']) {
      if (values.has(f)) throw new ConfigError(`--${f} only applies to --source stats (the source is ${sources.join(',')})`);
    }
  }

  const seed = num(values, 'seed', (n) => Number.isInteger(n) && n >= 0 && n <= 4294967295, 'an integer from 0 to 4294967295');
  const requestsPerSecond = num(values, 'requests-per-second', (n) => n >= 0 && n <= 10000, 'a number from 0 to 10000');
  const burstsPerDay = num(values, 'bursts-per-day', (n) => n >= 0 && n <= 1440, 'a number of bursts a day from 0 (none) to 1440');
  if (values.has('bursts-per-day') && !sources.includes('simulate')) throw new ConfigError(`--bursts-per-day only applies to --source simulate`);
  let incident: IncidentSpec | undefined;
  if (values.has('incident')) {
    if (!sources.includes('simulate')) throw new ConfigError(`--incident only applies to --source simulate`);
    incident = {
      errorRatio: num(values, 'incident-error-ratio', (n) => n > 0 && n <= 1, 'a ratio in (0, 1], e.g. 0.5'),
      durationSeconds: num(values, 'incident-duration', (n) => n >= 0, 'a number of seconds >= 0 (0 = until stopped)'),
      latencyFactor: num(values, 'incident-latency-factor', (n) => n >= 1 && n <= 100, 'a number from 1 to 100'),
    };
    const p = incidentProblems(incident);
    if (p.length) throw new ConfigError(`--incident: ${p.join('; ')}`);
  }

  const maxSeries = num(values, 'max-series', (n) => Number.isInteger(n) && n >= 1 && n <= 100000, 'an integer from 1 to 100000');
  const maxBodyBytes = num(values, 'max-body-bytes', (n) => Number.isInteger(n) && n >= 1024 && n <= 64 * 1024 * 1024, 'an integer number of bytes from 1024 to 67108864');

  const windowsRaw = values.get('slo-windows') ?? DEFAULT_WINDOWS.join(',');
  const windows: WindowSpec[] = windowsRaw.split(',').map((w) => {
    const label = w.trim();
    const seconds = parseWindow(label);
    if (seconds === undefined) throw new ConfigError(`--slo-windows: "${label}" is not a window; use a number and one unit of s, m, h, d, w, e.g. 5m,1h,30d`);
    if (seconds > 90 * 86400) throw new ConfigError(`--slo-windows: "${label}" is longer than 90d`);
    return { label, seconds };
  });
  const slos: SloSpec[] = [
    { name: 'availability', kind: 'availability', objective: num(values, 'availability-objective', (n) => n > 0 && n < 1, 'a ratio strictly between 0 and 1, e.g. 0.999') },
    {
      name: 'latency',
      kind: 'latency',
      objective: num(values, 'latency-objective', (n) => n > 0 && n < 1, 'a ratio strictly between 0 and 1, e.g. 0.99'),
      thresholdSeconds: num(values, 'latency-threshold', (n) => n > 0, 'a number of seconds'),
    },
  ];
  const sloIssues = sloProblems(slos, windows);
  if (sloIssues.length) throw new ConfigError(sloIssues.map((p) => p.replace(/^SLO latency: latency threshold/, '--latency-threshold')).join('; '));

  const labelValuesFile = values.get('label-values');
  let allow: LabelAllowList | undefined;
  if (labelValuesFile) {
    const raw = readJson('label-values', labelValuesFile);
    const problems = allowListProblems(raw, APP_METRICS);
    if (problems.length) throw new ConfigError(`--label-values ${labelValuesFile}: ${problems.join('; ')}`);
    allow = raw as LabelAllowList;
  }

  const logLevel = (values.get('log-level') ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`--log-level: "${logLevel}" is not a level; use ${LOG_LEVELS.join(', ')}`);
  const shutdownTimeoutSeconds = num(values, 'shutdown-timeout', (n) => n >= 0 && n <= 300, 'a number of seconds from 0 to 300');

  return {
    kind: 'run',
    config: {
      port,
      host,
      intervalSeconds,
      sources,
      statsUrl: usesStats ? statsUrl : undefined,
      statsTimeoutSeconds,
      mappingFile,
      mapping,
      seed,
      requestsPerSecond,
      burstsPerDay,
      maxSeries,
      maxBodyBytes,
      incident,
      slos,
      windows,
      labelValuesFile,
      allow,
      allowRemoteWrites: values.has('allow-remote-writes'),
      logLevel,
      shutdownTimeoutSeconds,
    },
  };
}

/** The README table of flags. */
export function flagsMarkdown(): string {
  const rows = ['| Flag | Environment | Default | Meaning |', '|---|---|---|---|'];
  for (const f of FLAGS) {
    if (f.name === 'help' || f.name === 'version') continue;
    const flag = `\`--${f.name}${f.value ? ` ${f.value}` : ''}\``;
    const def = f.default !== undefined ? `\`${f.default}\`` : f.boolean ? 'off' : '—';
    rows.push(`| ${flag} | \`${envName(f.name)}\` | ${def} | ${f.help.replace(/\|/g, '\\|')} |`);
  }
  return rows.join('\n');
}
