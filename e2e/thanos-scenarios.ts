import type { StackConfig } from '../lib/config/types';
import { parseDuration } from '../lib/observability/slo';
import type { Harness } from './harness';
import { http, waitFor } from './processes';
import type { RunReport } from './report';
import { BucketBlock, describeBlock, historyHour, metricSum, readBucket, scrapeMetrics, thanosQuery } from './thanos';

/**
 * The Thanos scenarios of `npm run e2e`: the Prometheus HA pair's sidecars upload blocks to the
 * bucket (a FILESYSTEM bucket standing in for S3), the store gateway serves them, Query
 * deduplicates the pair by the replica label and answers from recent (sidecar) and uploaded
 * (store) data, and the compactor compacts, downsamples and applies retention. The data are
 * the weeks-old blocks each replica starts with (e2e/thanos.ts explains the timeline).
 */

type Obj = Record<string, any>;

/**
 * Compactor retention for the run, set through the config (`thanos.compactor.retention*`,
 * rendered into `--retention.resolution-*`): raw 2d and 5m 10d, the shortest Thanos accepts
 * with downsampling on (40h and 10d), both shorter than the history's age (at least 14 days):
 * those blocks are deleted once downsampled; 1h 60d, longer than its age (at most 29 days): kept.
 */
export const E2E_COMPACTOR_RETENTION = { retentionRaw: '2d', retention5m: '10d', retention1h: '60d' } as const;

/** The config the e2e runs: the environment's, with the compactor retention above. */
export function withE2eRetention(config: StackConfig): StackConfig {
  if (!config.thanos?.enabled) return config;
  return { ...config, thanos: { ...config.thanos, compactor: { ...config.thanos.compactor, ...E2E_COMPACTOR_RETENTION } } };
}

function fail(message: string): never {
  throw new Error(message);
}

const RES_1H = 3_600_000;
const RES_5M = 300_000;

export async function thanosScenarios(h: Harness, report: RunReport, config: StackConfig, healthy: boolean): Promise<void> {
  const t = h.thanos;
  if (!t) {
    report.log(`the "${config.environment}" stack deploys no Thanos: no Thanos scenarios`);
    return;
  }
  const log = report.log;
  const replicaLabel = 'prometheus_replica';
  const pods = h.prometheusReplicas.map((r) => r.pod);
  const history = t.history;
  // A day of history inside the compacted range, ending 1ms before an hour (so that the raw
  // window (at - 1d, at] holds whole hours, 96 to 119, and so does the 1h-downsampled one,
  // whose aggregates are stamped at the end of their hour minus 1ms).
  const at = history.start + 5 * 24 * RES_1H - 1;
  const dayWindow = '1d';
  const samples: number[] = [];
  for (let ts = history.start; ts < history.end; ts += history.stepMs) if (ts > at - 24 * RES_1H && ts <= at) samples.push(historyHour(history, ts));
  const uploaded: Record<string, BucketBlock[]> = {};
  const sidecarGrpc = t.sidecars.map((s) => s.grpc!);
  const storeGrpc = t.store.grpc!;
  const query = (expr: string, o: Parameters<typeof thanosQuery>[2] = {}) => thanosQuery(t.query.http, expr, o);
  const gauge = `${history.gauge}{${history.labels}}`;
  /** Answers that do not depend on the resolution (raw, 5m, 1h): computed from the generated samples. */
  const historyQueries = [
    { expr: `sum_over_time(${gauge}[${dayWindow}])`, expected: samples.reduce((a, b) => a + b, 0), what: 'sum over the day' },
    { expr: `max_over_time(${gauge}[${dayWindow}])`, expected: Math.max(...samples), what: 'last hour' },
    { expr: `min_over_time(${gauge}[${dayWindow}])`, expected: Math.min(...samples), what: 'first hour' },
    { expr: `rate(${history.counter}{${history.labels}}[${dayWindow}])`, expected: 1, what: 'counter rate' },
  ];
  /** Samples in the window: the raw ones, or about one aggregate an hour once downsampled. */
  const countQuery = `count_over_time(${gauge}[${dayWindow}])`;
  const checkHistory = async (resolution: string, where: string) => {
    const answers: string[] = [];
    for (const q of historyQueries) {
      const perReplica = await query(q.expr, { time: at, dedup: false, maxSourceResolution: resolution, stores: [storeGrpc] });
      const replicas = perReplica.map((r) => r.metric[replicaLabel]).sort();
      if (JSON.stringify(replicas) !== JSON.stringify(pods)) fail(`${where}: ${q.expr} without dedup answers for replicas ${JSON.stringify(replicas)}, expected one series per replica ${pods.join(', ')}`);
      const deduped = await query(q.expr, { time: at, dedup: true, maxSourceResolution: resolution, stores: [storeGrpc] });
      if (deduped.length !== 1 || replicaLabel in deduped[0].metric) fail(`${where}: ${q.expr} with dedup gives ${JSON.stringify(deduped)}, expected one series without ${replicaLabel}`);
      const v = Number(deduped[0].value[1]);
      if (Math.abs(v - q.expected) > 1e-9 * Math.max(1, Math.abs(q.expected))) fail(`${where}: ${q.expr} = ${v}, expected ${q.expected} (${q.what})`);
      if (deduped[0].metric.cluster !== config.cluster) fail(`${where}: the series lack the external label cluster="${config.cluster}": ${JSON.stringify(deduped[0].metric)}`);
      answers.push(`${q.what} ${v}`);
    }
    return answers.join(', ');
  };

  const uploadsOk = await report.scenario('Thanos sidecars (HA pair): each replica\'s sidecar uploads its blocks to the bucket (FILESYSTEM standing in for S3) with the replica\'s external labels', async () => {
    const expected = pods.reduce((n, p) => n + (t.historyBlocks[p]?.length ?? 0), 0);
    const blocks = await waitFor(`the sidecars to upload ${expected} blocks`, async () => {
      const b = readBucket(t.bucketDir).filter((x) => x.source === 'sidecar');
      return b.length >= expected ? b : undefined;
    }, { timeoutMs: 90_000, describe: () => `${readBucket(t.bucketDir).length} blocks in ${t.bucketDir}` });
    for (const pod of pods) {
      const mine = blocks.filter((b) => b.labels[replicaLabel] === pod);
      uploaded[pod] = mine;
      const want = [...(t.historyBlocks[pod] ?? [])].sort();
      if (JSON.stringify(mine.map((b) => b.ulid).sort()) !== JSON.stringify(want)) fail(`${pod}: the bucket holds ${mine.length} blocks with ${replicaLabel}="${pod}", expected the ${want.length} blocks of its TSDB folder`);
      const bad = mine.filter((b) => b.labels.cluster !== config.cluster || Object.keys(b.labels).sort().join() !== ['cluster', replicaLabel].join() || b.resolution !== 0 || b.level !== 1);
      if (bad.length > 0) fail(`${pod}: uploaded blocks with unexpected meta: ${describeBlock(bad[0])} labels ${JSON.stringify(bad[0].labels)}`);
    }
    report.check(`${blocks.length} blocks in the bucket, ${pods.map((p) => `${uploaded[p].length} from ${p}`).join(', ')}: exactly the blocks of each replica's TSDB folder, raw, level 1, external labels cluster="${config.cluster}" and ${replicaLabel} (\${POD_NAME} expanded)`);
    for (const sc of t.sidecars) {
      const m = await scrapeMetrics(`${sc.http}/metrics`);
      const ups = metricSum(m, 'thanos_shipper_uploads_total');
      const failures = metricSum(m, 'thanos_shipper_upload_failures_total');
      if (ups !== uploaded[sc.pod].length || failures !== 0) fail(`${sc.pod} sidecar: thanos_shipper_uploads_total ${ups}, failures ${failures}; expected ${uploaded[sc.pod].length} and 0`);
    }
    report.check('each sidecar counts its uploads (thanos_shipper_uploads_total) and no failure');
  }, { skipBecause: healthy ? undefined : 'the stack is not healthy' });

  const queryOk = await report.scenario('Thanos store gateway and Query: the store serves the uploaded blocks; Query deduplicates the HA pair by prometheus_replica and answers from recent (sidecar) and uploaded (store) data', async () => {
    const stores = await waitFor('Query to list both sidecars and the store gateway, the store with both replicas\' blocks', async () => {
      const s = (await http(`${t.query.http}/api/v1/stores`)).data as Obj;
      const sidecars = (s.sidecar ?? []) as Obj[];
      const gateways = (s.store ?? []) as Obj[];
      const storeReplicas = new Set(gateways.flatMap((g) => (g.labelSets ?? []).map((l: Obj) => l[replicaLabel])));
      return sidecars.length === t.sidecars.length && gateways.length === 1 && pods.every((p) => storeReplicas.has(p)) && [...sidecars, ...gateways].every((x) => !x.lastError) ? s : undefined;
    }, { timeoutMs: 60_000, describe: () => '' });
    const sidecarNames = ((stores.sidecar ?? []) as Obj[]).map((x) => x.name).sort();
    if (JSON.stringify(sidecarNames) !== JSON.stringify([...sidecarGrpc].sort())) fail(`Query's sidecars ${sidecarNames.join(', ')}, expected ${sidecarGrpc.join(', ')} (the endpoints of the synthesized --endpoint=dnssrv+ lookups)`);
    if (stores.store[0].name !== storeGrpc) fail(`Query's store gateway ${stores.store[0].name}, expected ${storeGrpc}`);
    report.check(`Query (endpoints from the synthesized dnssrv+ lookups) connects to the sidecars ${sidecarNames.join(', ')} and the store gateway ${storeGrpc}, which announces blocks of ${pods.join(' and ')}`);

    const raw = await checkHistory('0s', 'uploaded data through the store gateway');
    const rawCount = await query(countQuery, { time: at, dedup: true, maxSourceResolution: '0s', stores: [storeGrpc] });
    if (Number(rawCount[0]?.value[1]) !== samples.length) fail(`${countQuery} = ${JSON.stringify(rawCount)}, expected the ${samples.length} raw samples`);
    report.check(`uploaded data, from the store gateway only (storeMatch[]): one series per replica without dedup, one without ${replicaLabel} with it; ${raw}, ${samples.length} raw samples in the day before ${new Date(at + 1).toISOString()}`);

    const live = (o: Parameters<typeof thanosQuery>[2]) => query('up{job="app-exporter"}', o);
    const perReplica = await live({ dedup: false, stores: sidecarGrpc });
    const liveReplicas = [...new Set(perReplica.map((r) => r.metric[replicaLabel]))].sort();
    if (JSON.stringify(liveReplicas) !== JSON.stringify(pods) || perReplica.some((r) => r.value[1] !== '1')) fail(`recent data from the sidecars without dedup: ${JSON.stringify(perReplica.map((r) => r.metric))}; expected the exporter up in both replicas`);
    const targets = perReplica.length / pods.length;
    const deduped = await live({ dedup: true, stores: sidecarGrpc });
    if (deduped.length !== targets || deduped.some((r) => replicaLabel in r.metric || r.value[1] !== '1')) fail(`recent data with dedup: ${JSON.stringify(deduped)}; expected ${targets} series without ${replicaLabel}`);
    report.check(`recent data, from the sidecars only: up{job="app-exporter"} is ${perReplica.length} series without dedup (${liveReplicas.join(', ')}), ${deduped.length} with dedup (by ${replicaLabel})`);
    const fromStore = await live({ dedup: true, stores: [storeGrpc] });
    if (fromStore.length !== 0) fail(`the store gateway answers recent data it cannot have: ${JSON.stringify(fromStore)}`);
    const both = await query(`count(up{job="app-exporter"}) + count(count_over_time(${gauge}[1d] @ ${at / 1000}))`, { dedup: true });
    if (both.length !== 1 || Number(both[0].value[1]) !== targets + 1) fail(`one query over recent and uploaded data: ${JSON.stringify(both)}, expected ${targets + 1}`);
    report.check('the store gateway alone has none of the recent data; one query through every endpoint reads both (recent series from the sidecars, the day of history from the store and the sidecars, deduplicated)');
  }, { skipBecause: uploadsOk ? undefined : 'the sidecars did not upload the blocks' });

  await report.scenario(`Thanos compactor: compacts the uploaded blocks, downsamples them (5m, 1h) and applies retention (raw ${E2E_COMPACTOR_RETENTION.retentionRaw}, 5m ${E2E_COMPACTOR_RETENTION.retention5m}, 1h ${E2E_COMPACTOR_RETENTION.retention1h}, from the config)`, async () => {
    const c = config.thanos!.compactor;
    const retention = { raw: c.retentionRaw, '5m': c.retention5m, '1h': c.retention1h };
    for (const [res, value] of Object.entries(retention)) {
      if (!t.compactor.args.includes(`--retention.resolution-${res}=${value}`)) fail(`the compactor's args do not carry --retention.resolution-${res}=${value} from the config: ${t.compactor.args.join(' ')}`);
    }
    const started = Date.now();
    await t.startCompactor();
    report.check(`thanos compact started with the synthesized args (${t.compactor.args.filter((a) => !a.startsWith('--objstore') && !a.startsWith('--data-dir')).join(' ')}) and is ready`);

    const historyBlocks = (b: BucketBlock[]) => b.filter((x) => x.maxTime <= history.end + 1 && x.minTime >= history.start);
    const settled = await waitFor('the compactor to leave one 1h-resolution block per replica and delete the rest of the history', async () => {
      const m = await scrapeMetrics(`${t.compactor.http}/metrics`);
      const halted = metricSum(m, 'thanos_compact_halted');
      if (halted > 0) throw new Error(`the compactor halted: ${JSON.stringify([...m].filter(([k]) => k.startsWith('thanos_compact_halted')))}`);
      const b = historyBlocks(readBucket(t.bucketDir));
      const done = pods.every((p) => {
        const mine = b.filter((x) => x.labels[replicaLabel] === p);
        return mine.length === 1 && mine[0].resolution === RES_1H && !mine[0].markedForDeletion;
      });
      return done ? { blocks: b, metrics: m } : undefined;
    }, { timeoutMs: 180_000, intervalMs: 1000, describe: () => historyBlocks(readBucket(t.bucketDir)).map(describeBlock).join('\n  ') });
    log(`  compactor settled in ${((Date.now() - started) / 1000).toFixed(1)}s`);

    for (const pod of pods) {
      const block = settled.blocks.find((x) => x.labels[replicaLabel] === pod)!;
      const compactedRange = uploaded[pod].filter((x) => x.maxTime <= history.rangeEnd + 1).map((x) => x.ulid).sort();
      if (JSON.stringify([...block.sources].sort()) !== JSON.stringify(compactedRange)) fail(`${pod}: the 1h block's sources are ${block.sources.length} blocks, expected the ${compactedRange.length} uploaded blocks of the 14-day range`);
      if (block.maxTime - block.minTime < 10 * 24 * RES_1H || block.source !== 'compactor' || block.labels.cluster !== config.cluster) fail(`${pod}: unexpected 1h block ${describeBlock(block)}`);
      report.check(`${pod}: ${describeBlock(block)}: compacted from its ${compactedRange.length} uploaded 2h blocks (compaction sources), downsampled to 1h`);
    }
    const m = settled.metrics;
    const compactions = metricSum(m, 'thanos_compact_group_compactions_total');
    const down0 = metricSum(m, 'thanos_compact_downsample_total', 'resolution="0"');
    const down5m = metricSum(m, 'thanos_compact_downsample_total', `resolution="${RES_5M}"`);
    const failures = metricSum(m, 'thanos_compact_group_compactions_failures_total') + metricSum(m, 'thanos_compact_downsample_failures_total');
    if (compactions < pods.length * 3 || down0 !== pods.length || down5m !== pods.length || failures !== 0) {
      fail(`compactor metrics: ${compactions} group compactions, ${down0} raw->5m and ${down5m} 5m->1h downsamplings, ${failures} failures; expected >= ${pods.length * 3}, ${pods.length}, ${pods.length}, 0`);
    }
    report.check(`compactor metrics: ${compactions} group compactions (2h -> 8h -> 2d -> 14d per replica), ${down0} downsamplings raw -> 5m and ${down5m} 5m -> 1h (one per replica), no failure`);

    const leftover = settled.blocks.filter((x) => x.resolution !== RES_1H);
    if (leftover.length > 0) fail(`history blocks left that retention should have deleted: ${leftover.map(describeBlock).join('; ')}`);
    const marked = metricSum(m, 'thanos_compact_blocks_marked_total', 'marker="deletion-mark.json"');
    const ageDays = (Date.now() - Math.max(...settled.blocks.map((x) => x.maxTime))) / (24 * RES_1H);
    const within = (d: string) => ageDays * 24 * RES_1H < (parseDuration(d) ?? 0);
    if (within(retention.raw) || within(retention['5m']) || !within(retention['1h'])) fail(`the history's age (${ageDays.toFixed(1)} days) does not sit between the 5m and 1h retention (${retention['5m']}, ${retention['1h']}): the check proves nothing`);
    report.check(`retention: the history ends ${ageDays.toFixed(1)} days ago; its raw and 5m blocks (older than ${retention.raw} and ${retention['5m']}) are gone from the bucket, the 1h blocks (younger than ${retention['1h']}) stay; ${marked} blocks marked for deletion in all (compacted sources and retention)`);

    // The store gateway, after its next sync, serves the 1h blocks: the same answers as the raw data.
    await waitFor('the store gateway to load the compacted blocks only', async () => {
      const sm = await scrapeMetrics(`${t.store.http}/metrics`);
      return metricSum(sm, 'thanos_bucket_store_blocks_loaded') === pods.length ? true : undefined;
    }, { timeoutMs: 30_000 });
    const rawLeft = await query(historyQueries[0].expr, { time: at, dedup: false, maxSourceResolution: '0s', stores: [storeGrpc] });
    if (rawLeft.length !== 0) fail(`raw history still answered by the store gateway after retention: ${JSON.stringify(rawLeft)}`);
    const downsampled = await checkHistory('1h', 'downsampled data through the store gateway');
    const count = Number((await query(countQuery, { time: at, dedup: true, maxSourceResolution: '1h', stores: [storeGrpc] }))[0]?.value[1]);
    if (!(count >= 24 && count <= 26)) fail(`${countQuery} at 1h resolution = ${count}: expected about one aggregate an hour (24), not the ${samples.length} raw samples`);
    report.check(`through Query and the store gateway: no raw history any more (max_source_resolution=0s answers nothing); at 1h resolution ${count} samples in the day instead of ${samples.length} (hourly aggregates), and the same answers as the raw data: ${downsampled}`);

    const target = await waitFor('Prometheus to scrape the compactor', async () => {
      const a = (await http(`${h.urls.prometheus}/api/v1/targets`)).data.activeTargets as Obj[];
      const c2 = a.find((x) => x.labels.pod === t.compactor.pod);
      return c2?.health === 'up' ? c2 : undefined;
    }, { timeoutMs: 30_000 });
    report.check(`Prometheus scrapes the compactor (job ${target.labels.job}, ${target.scrapeUrl}): up`);
  }, { skipBecause: queryOk ? undefined : 'the store gateway or Query scenario failed' });
}
