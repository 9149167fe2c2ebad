import { ChildProcess, spawn, spawnSync } from 'child_process';
import { createServer } from 'net';
import { join } from 'path';
import { FLAGS, helpText, parseCli } from '../src/config';
import { tempFiles } from '../../test/support/tools';
import { freePort, http } from './support/helpers';

const ROOT = join(__dirname, '..', '..');
const MAIN = join(ROOT, 'exporter', 'src', 'main.ts');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');

function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = parseCli(args, env);
  if (r.kind !== 'run') throw new Error('expected run');
  return r.config;
}

function errorOf(args: string[], env: NodeJS.ProcessEnv = {}): string {
  try {
    parseCli(args, env);
  } catch (e) {
    expect((e as Error).name).toBe('ConfigError');
    return (e as Error).message;
  }
  throw new Error(`no error for ${args.join(' ')}`);
}

describe('flags and environment', () => {
  test('defaults: simulate on 9464 every 15 s', () => {
    const c = run([]);
    expect(c).toMatchObject({ port: 9464, host: '0.0.0.0', intervalSeconds: 15, sources: ['simulate'], seed: 1, maxSeries: 500, maxBodyBytes: 1048576, allowRemoteWrites: false, logLevel: 'info', shutdownTimeoutSeconds: 10 });
    expect(c.windows.map((w) => w.label)).toEqual(['5m', '30m', '1h', '2h', '6h', '1d', '3d', '30d']);
    expect(c.slos).toEqual([
      { name: 'availability', kind: 'availability', objective: 0.999 },
      { name: 'latency', kind: 'latency', objective: 0.99, thresholdSeconds: 0.5 },
    ]);
    expect(c.incident).toBeUndefined();
  });

  test('the original invocation and the --flag=value form', () => {
    expect(run(['--port', '8000', '--interval', '15'])).toMatchObject({ port: 8000, intervalSeconds: 15 });
    expect(run(['--port=8000', '--seed=7', '--incident', '--incident-error-ratio=0.2', '--incident-duration', '120'])).toMatchObject({ port: 8000, seed: 7, incident: { errorRatio: 0.2, durationSeconds: 120, latencyFactor: 1 } });
  });

  test('environment variables, overridden by flags', () => {
    const env = { EXPORTER_PORT: '8001', EXPORTER_INTERVAL: '5', EXPORTER_ALLOW_REMOTE_WRITES: 'true', EXPORTER_SLO_WINDOWS: '1h,6h' };
    expect(run([], env)).toMatchObject({ port: 8001, intervalSeconds: 5, allowRemoteWrites: true });
    expect(run([], env).windows).toEqual([
      { label: '1h', seconds: 3600 },
      { label: '6h', seconds: 21600 },
    ]);
    expect(run(['--port', '9000'], env).port).toBe(9000);
    expect(run(['--allow-remote-writes=false'], env).allowRemoteWrites).toBe(false);
    // every flag has an environment variable
    expect(helpText()).toContain('EXPORTER_<FLAG>');
    for (const f of FLAGS) expect(helpText()).toContain(`--${f.name}`);
  });

  test('stats source needs a URL and a valid mapping file', () => {
    const files = tempFiles({
      'map.json': JSON.stringify({ fields: [{ path: 'users.free', metric: 'app_active_users', labels: { tier: 'free' } }] }),
      'bad.json': JSON.stringify({ fields: [{ path: 'x', metric: 'app_http_request_duration_seconds' }] }),
      'broken.json': '{',
      'labels.json': JSON.stringify({ route: ['/users/:id'], tier: ['x'] }),
    });
    try {
      const c = run(['--source', 'events,stats', '--stats-url', 'http://localhost:8080/stats', '--mapping', files.path('map.json')]);
      expect(c.sources).toEqual(['events', 'stats']);
      expect(c.mapping?.fields).toHaveLength(1);
      expect(errorOf(['--source', 'stats'])).toBe('--stats-url is required with --source stats; e.g. --stats-url http://localhost:8080/stats');
      expect(errorOf(['--source', 'stats', '--stats-url', 'localhost:8080'])).toMatch(/must be http:\/\/ or https:\/\/|is not a URL/);
      expect(errorOf(['--source', 'stats', '--stats-url', 'http://x/s'])).toMatch(/^--mapping is required with --source stats/);
      expect(errorOf(['--source', 'stats', '--stats-url', 'http://x/s', '--mapping', files.path('nope.json')])).toMatch(/^--mapping: --mapping .*nope.json: cannot read the file/);
      expect(errorOf(['--source', 'stats', '--stats-url', 'http://x/s', '--mapping', files.path('broken.json')])).toMatch(/not valid JSON/);
      expect(errorOf(['--source', 'stats', '--stats-url', 'http://x/s', '--mapping', files.path('bad.json')])).toMatch(/fields\[0\]\.metric: app_http_request_duration_seconds is a histogram/);
      expect(errorOf(['--stats-url', 'http://x/s'])).toBe('--stats-url only applies to --source stats (the source is simulate)');
      expect(errorOf(['--label-values', files.path('labels.json')])).toMatch(/tier: label "tier" has a fixed set of values/);
    } finally {
      files.cleanup();
    }
  });

  test('--bursts-per-day: the simulated bursts a day, 0 switches them off; only for simulate', () => {
    expect(run([]).burstsPerDay).toBe(4);
    expect(run(['--bursts-per-day', '0']).burstsPerDay).toBe(0);
    expect(run([], { EXPORTER_BURSTS_PER_DAY: '96' }).burstsPerDay).toBe(96);
    expect(errorOf(['--bursts-per-day', '-1'])).toBe('--bursts-per-day (or EXPORTER_BURSTS_PER_DAY): "-1" is not valid; use a number of bursts a day from 0 (none) to 1440');
    expect(errorOf(['--source', 'events', '--bursts-per-day', '0'])).toBe('--bursts-per-day only applies to --source simulate');
  });

  test('invalid values are rejected with the flag and the fix', () => {
    expect(errorOf(['--port', 'abc'])).toBe('--port (or EXPORTER_PORT): "abc" is not valid; use an integer port from 1 to 65535 (0 picks a free port)');
    expect(errorOf(['--port', '70000'])).toMatch(/^--port/);
    expect(errorOf([], { EXPORTER_PORT: '' })).toMatch(/^--port \(or EXPORTER_PORT\): "" is not valid/);
    expect(errorOf(['--interval', '0'])).toBe('--interval (or EXPORTER_INTERVAL): "0" is not valid; use a number of seconds from 0.1 to 3600, e.g. 15');
    expect(errorOf(['--source', 'kafka'])).toBe('--source: "kafka" is not a source; use simulate, events, stats, or events,stats');
    expect(errorOf(['--source', 'simulate,events'])).toMatch(/simulate cannot be combined with events/);
    expect(errorOf(['--seed', '1.5'])).toMatch(/^--seed/);
    expect(errorOf(['--max-series', '0'])).toMatch(/^--max-series/);
    expect(errorOf(['--incident', '--incident-error-ratio', '0'])).toMatch(/^--incident-error-ratio/);
    expect(errorOf(['--source', 'events', '--incident'])).toBe('--incident only applies to --source simulate');
    expect(errorOf(['--slo-windows', '5m,1hour'])).toMatch(/"1hour" is not a window/);
    expect(errorOf(['--slo-windows', '5m,5m'])).toBe('SLO window 5m is listed twice');
    expect(errorOf(['--latency-threshold', '0.3'])).toMatch(/^--latency-threshold 0.3 must be one of the request duration buckets/);
    expect(errorOf(['--availability-objective', '99.9'])).toMatch(/^--availability-objective/);
    expect(errorOf(['--log-level', 'verbose'])).toBe('--log-level: "verbose" is not a level; use debug, info, warn, error');
    expect(errorOf(['--bogus'])).toBe('unknown flag --bogus; see --help for the flags');
    expect(errorOf(['8000'])).toBe('unexpected argument "8000"; flags look like --port 9464 (see --help)');
    expect(errorOf(['--port'])).toBe('--port needs a value (PORT); e.g. --port 9464');
    expect(errorOf(['--port', '--interval', '5'])).toMatch(/^--port needs a value/);
    expect(errorOf([], { EXPORTER_INCIDENT: 'maybe' })).toBe('EXPORTER_INCIDENT: "maybe" is not a boolean; use true or false');
  });

  test('--help and --version print and exit 0', () => {
    expect(parseCli(['--help'])).toEqual({ kind: 'print', text: helpText() });
    expect(parseCli(['--version'])).toEqual({ kind: 'print', text: '0.1.0\n' });
  });
});

describe('the process (npx tsx exporter/src/main.ts)', () => {
  test('invalid flags: a message on stderr and exit code 2', () => {
    const r = spawnSync(TSX, [MAIN, '--port', 'eighty'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('app-exporter: --port (or EXPORTER_PORT): "eighty" is not valid; use an integer port from 1 to 65535 (0 picks a free port)\n');
    expect(r.stdout).toBe('');
  });

  test('a taken port: a JSON error log and exit code 1', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    try {
      const r = spawnSync(TSX, [MAIN, '--port', String(port), '--host', '127.0.0.1'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
      expect(r.status).toBe(1);
      const line = JSON.parse(r.stdout.trim().split('\n').pop() as string);
      expect(line).toMatchObject({ level: 'error', msg: 'cannot start', code: 'EADDRINUSE', port });
    } finally {
      blocker.close();
    }
  });

  test('starts with the original flags, logs JSON, serves /metrics, exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const child: ChildProcess = spawn(TSX, [MAIN, '--port', String(port), '--interval', '15'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    try {
      const deadline = Date.now() + 60_000;
      while (!out.includes('exporter started') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      const started = JSON.parse(out.split('\n').find((l) => l.includes('exporter started')) as string);
      expect(started).toMatchObject({ level: 'info', msg: 'exporter started', port, sources: ['simulate'], interval: 15, version: '0.1.0' });
      expect(typeof started.time).toBe('string');
      const m = await http(`http://127.0.0.1:${port}/metrics`);
      expect(m.status).toBe(200);
      expect(m.body).toContain('app_http_requests_total{');
      expect(m.body).toContain('process_cpu_seconds_total');
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      const msgs = out.trim().split('\n').map((l) => JSON.parse(l).msg);
      expect(msgs.slice(-2)).toEqual(['shutting down', 'exporter stopped']);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
