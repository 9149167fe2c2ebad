import { execFile } from 'child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { toolPath } from '../test/support/tools';
import { http } from './processes';

/**
 * Old data for the Thanos scenarios, and reading the bucket.
 *
 * The compactor only compacts, downsamples and applies retention to blocks old and long
 * enough: 5m downsampling needs a block spanning 40h, 1h downsampling one spanning 10 days,
 * and compaction to such a block needs a complete 14-day range (Thanos's ranges are 2h, 8h,
 * 2d, 14d, aligned to the epoch) with newer blocks after it. A run of minutes cannot produce
 * that, so each Prometheus replica starts with weeks-old blocks in its TSDB folder, written
 * by `promtool tsdb create-blocks-from openmetrics` (2h blocks, as Prometheus cuts them).
 * The sidecar uploads them like any block Prometheus cuts, with the replica's external labels.
 *
 * Timeline (E is the start of the last 14-day range that ended at least 14 days ago, so
 * E is between 14 and 28 days old, whatever the date):
 *   [E - 10d2h, E)   one sample a minute: compacted into one block of the 14-day range
 *                    (10d2h >= 10d: downsampled to 5m, then to 1h)
 *   [E, E + 4h)      two more blocks: the compactor plans around the newest block, so the
 *                    14-day range is complete only with a block after it that is not the newest
 * Prometheus's own retention (15d in production) is relative to its newest block: the span,
 * 10d6h, stays within it (checked at start).
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
export const RANGE_14D = 14 * DAY;

export interface History {
  /** Milliseconds. */
  readonly start: number;
  /** End of the compacted range (a 14-day boundary). */
  readonly rangeEnd: number;
  /** End of the data. */
  readonly end: number;
  readonly stepMs: number;
  /** `e2e_history_hour`: the number of whole hours since `start` (a gauge, constant within each hour). */
  readonly gauge: string;
  /** `e2e_history_seconds_total`: seconds since `start` (a counter, 1/s). */
  readonly counter: string;
  readonly labels: string;
}

export function historyTimeline(nowMs: number): History {
  const rangeEnd = Math.floor(nowMs / RANGE_14D) * RANGE_14D - RANGE_14D;
  return {
    start: rangeEnd - (10 * DAY + 2 * HOUR),
    rangeEnd,
    end: rangeEnd + 4 * HOUR,
    stepMs: MINUTE,
    gauge: 'e2e_history_hour',
    counter: 'e2e_history_seconds_total',
    labels: 'source="openmetrics"',
  };
}

/** The gauge's value at `t`. */
export function historyHour(h: History, t: number): number {
  return Math.floor((t - h.start) / HOUR);
}

/** The OpenMetrics text of the history (timestamps in seconds). */
export function historyOpenMetrics(h: History): string {
  const lines: string[] = [`# TYPE ${h.gauge} gauge`];
  for (let t = h.start; t < h.end; t += h.stepMs) lines.push(`${h.gauge}{${h.labels}} ${historyHour(h, t)} ${t / 1000}`);
  const family = h.counter.replace(/_total$/, '');
  lines.push(`# TYPE ${family} counter`);
  for (let t = h.start; t < h.end; t += h.stepMs) lines.push(`${h.counter}{${h.labels}} ${(t - h.start) / 1000} ${t / 1000}`);
  lines.push('# EOF');
  return `${lines.join('\n')}\n`;
}

/**
 * Write the history as TSDB blocks into a Prometheus data folder with `promtool tsdb
 * create-blocks-from openmetrics` (new block ULIDs each call: two replicas' blocks must not
 * share names in the bucket); resolves with the block ULIDs.
 */
export function writeHistoryBlocks(h: History, dataDir: string, scratch: string): Promise<string[]> {
  const input = join(scratch, 'history.om');
  writeFileSync(input, historyOpenMetrics(h));
  mkdirSync(dataDir, { recursive: true });
  const before = new Set(readdirSync(dataDir));
  return new Promise((resolve, reject) => {
    execFile(toolPath('promtool'), ['tsdb', 'create-blocks-from', 'openmetrics', input, dataDir], { maxBuffer: 64 * 1024 * 1024, timeout: 300_000 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`promtool tsdb create-blocks-from openmetrics failed: ${err.message}\n${`${stdout}${stderr}`.slice(-2000)}`));
      resolve(readdirSync(dataDir).filter((d) => !before.has(d) && /^[0-9A-HJKMNP-TV-Z]{26}$/.test(d)).sort());
    });
  });
}

export interface BucketBlock {
  readonly ulid: string;
  readonly minTime: number;
  readonly maxTime: number;
  readonly level: number;
  readonly sources: readonly string[];
  /** 0 (raw), 300000 (5m) or 3600000 (1h). */
  readonly resolution: number;
  readonly source: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly markedForDeletion: boolean;
}

/** The blocks of a FILESYSTEM bucket, from each block's meta.json (blocks without one are partial uploads and left out). */
export function readBucket(dir: string): BucketBlock[] {
  if (!existsSync(dir)) return [];
  const out: BucketBlock[] = [];
  for (const ulid of readdirSync(dir).sort()) {
    const metaFile = join(dir, ulid, 'meta.json');
    if (!existsSync(metaFile)) continue;
    let m: any;
    try {
      m = JSON.parse(readFileSync(metaFile, 'utf8'));
    } catch {
      continue; // being written
    }
    out.push({
      ulid,
      minTime: m.minTime,
      maxTime: m.maxTime,
      level: m.compaction?.level ?? 0,
      sources: m.compaction?.sources ?? [],
      resolution: m.thanos?.downsample?.resolution ?? 0,
      source: m.thanos?.source ?? '',
      labels: m.thanos?.labels ?? {},
      markedForDeletion: existsSync(join(dir, ulid, 'deletion-mark.json')),
    });
  }
  return out;
}

export function describeBlock(b: BucketBlock): string {
  const res = b.resolution === 0 ? 'raw' : b.resolution === 300_000 ? '5m' : b.resolution === 3_600_000 ? '1h' : `${b.resolution}ms`;
  return `${b.ulid} ${b.labels.prometheus_replica ?? '?'} ${res} level ${b.level} ${new Date(b.minTime).toISOString()}..${new Date(b.maxTime).toISOString()} (${b.sources.length} sources, ${b.source})${b.markedForDeletion ? ' marked for deletion' : ''}`;
}

/** Values of a Prometheus-format /metrics text, by the series text (`name{labels}`). */
export async function scrapeMetrics(url: string): Promise<Map<string, number>> {
  const text: string = await http(url);
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const m = /^(\S+?(?:\{.*\})?)\s+(\S+)(?:\s+\d+)?$/.exec(line);
    if (m) out.set(m[1], Number(m[2]));
  }
  return out;
}

/** Sum of the samples of a metric whose series text contains every fragment. */
export function metricSum(metrics: Map<string, number>, name: string, ...fragments: string[]): number {
  let sum = 0;
  for (const [series, v] of metrics) {
    if ((series === name || series.startsWith(`${name}{`)) && fragments.every((f) => series.includes(f))) sum += v;
  }
  return sum;
}

export interface QueryOptions {
  readonly time?: number;
  readonly dedup?: boolean;
  /** `max_source_resolution`, e.g. `0s`, `1h`. */
  readonly maxSourceResolution?: string;
  /** Only these StoreAPI endpoints answer (`storeMatch[]={__address__="..."}`). */
  readonly stores?: readonly string[];
}

/** An instant query through Thanos Query's HTTP API; partial responses refused. */
export async function thanosQuery(base: string, expr: string, o: QueryOptions = {}): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
  const p = new URLSearchParams({ query: expr, partial_response: 'false' });
  if (o.time !== undefined) p.set('time', String(o.time / 1000));
  if (o.dedup !== undefined) p.set('dedup', String(o.dedup));
  if (o.maxSourceResolution !== undefined) p.set('max_source_resolution', o.maxSourceResolution);
  if (o.stores?.length) p.append('storeMatch[]', `{__address__=~"${o.stores.map((s) => s.replace(/\./g, '\\\\.')).join('|')}"}`);
  const r = await http(`${base}/api/v1/query?${p.toString()}`, { timeoutMs: 30_000 });
  if (r.status !== 'success') throw new Error(`query ${expr}: ${JSON.stringify(r).slice(0, 300)}`);
  if (r.warnings?.length) throw new Error(`query ${expr}: warnings ${JSON.stringify(r.warnings)}`);
  return r.data.result;
}
