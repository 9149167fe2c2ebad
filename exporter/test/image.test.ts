import { ChildProcess, execFileSync, spawn, spawnSync } from 'child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { promtool } from '../../test/support/tools';
import { freePort, http, postJson, sample } from './support/helpers';

/**
 * Builds the image with exporter/scripts/build-image.sh (buildah, vfs), runs it with
 * `buildah run --isolation chroot` (host network), scrapes /metrics from the running
 * container, and checks the runtime contract: non-root UID 65532, the entrypoint takes the
 * CLI flags, SIGTERM stops it, and it writes nothing to its root filesystem (so
 * readOnlyRootFilesystem works). The container is always removed.
 */

const ROOT = join(__dirname, '..', '..');
/**
 * A fresh image store for this run: a base image cached by an earlier build would hide a
 * base build that fails on a new machine (issue 15 item 12: `env -i chroot` did not find
 * Debian's /usr/sbin/chroot, and only the cached base made the test pass).
 */
const STORE = mkdtempSync(join(tmpdir(), 'obs-stack-buildah-'));
const STORE_ENV = { BUILDAH_ROOT: join(STORE, 'root'), BUILDAH_RUNROOT: join(STORE, 'runroot') };
const BUILDAH = ['--storage-driver', process.env.STORAGE_DRIVER ?? 'vfs', '--root', STORE_ENV.BUILDAH_ROOT, '--runroot', STORE_ENV.BUILDAH_RUNROOT];

function buildah(args: string[]): string {
  return execFileSync('buildah', [...BUILDAH, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** PIDs of processes whose command line contains every needle. */
function pidsWith(...needles: string[]): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0').join(' ');
      if (needles.every((n) => cmd.includes(n))) out.push(Number(d));
    } catch {
      // the process ended
    }
  }
  return out;
}

/** Files under `dir` modified after `since` (ms), skipping the API file systems. */
function modifiedSince(dir: string, since: number, rel = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(dir, rel))) {
    const r = join(rel, name);
    if (['proc', 'sys', 'dev'].includes(r)) continue;
    const st = statSync(join(dir, r), { throwIfNoEntry: false });
    if (!st) continue;
    if (st.mtimeMs > since || st.ctimeMs > since) out.push(r);
    if (st.isDirectory()) out.push(...modifiedSince(dir, since, r));
  }
  return out;
}

describe('the exporter image', () => {
  let image = '';
  let container = '';
  let run: ChildProcess | undefined;

  afterAll(async () => {
    // always stop and remove the container
    if (run && run.exitCode === null) {
      run.kill('SIGKILL');
      await new Promise((r) => setTimeout(r, 500));
    }
    for (const pid of pidsWith('/app/exporter.cjs', container || 'no-container')) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    if (container) spawnSync('buildah', [...BUILDAH, 'rm', container], { encoding: 'utf8' });
    // vfs layers are plain folders; images first so that nothing is left mounted
    spawnSync('buildah', [...BUILDAH, 'rmi', '--all', '--force'], { encoding: 'utf8' });
    rmSync(STORE, { recursive: true, force: true });
  });

  test('builds with buildah and prints the image reference last', () => {
    const started = Date.now();
    // The base image is assembled too: the store is empty. PATH as a login shell of a new
    // Debian machine has it (chroot lives in /usr/sbin).
    expect(buildah(['images', '--quiet'])).toBe('');
    const r = spawnSync('bash', [join(ROOT, 'exporter', 'scripts', 'build-image.sh')], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 600_000,
      env: { ...process.env, ...STORE_ENV },
    });
    if (r.status !== 0) throw new Error(`build-image.sh failed (${r.status}):\n${r.stderr}\n${r.stdout}`);
    expect(r.stderr).toMatch(/base: assembling localhost\/app-exporter-base:/);
    image = r.stdout.trim().split('\n').pop() as string;
    expect(image).toBe('localhost/app-exporter:0.1.0');
    const bundle = statSync(join(ROOT, 'exporter', 'dist', 'exporter.cjs')).size;
    const inspect = JSON.parse(buildah(['inspect', '--type', 'image', image]));
    const config = inspect.OCIv1.config;
    expect(config.User).toBe('65532:65532');
    expect(config.Entrypoint).toEqual(['/nodejs/bin/node', '/app/exporter.cjs']);
    expect(config.ExposedPorts).toEqual({ '9464/tcp': {} });
    const size = buildah(['images', '--format', '{{.Size}}', image]);
    process.stdout.write(`image ${image}: ${size}; bundle ${bundle} bytes; built in ${((Date.now() - started) / 1000).toFixed(1)} s\n${r.stderr}`);
  });

  test('runs as non-root, serves /metrics that promtool accepts, writes nothing to its root filesystem, stops on SIGTERM', async () => {
    expect(image).not.toBe('');
    container = buildah(['from', '--pull-never', image]);
    const rootfs = buildah(['mount', container]);
    // nothing in the image is writable by the runtime user
    for (const p of ['app', 'app/exporter.cjs', 'nodejs/bin/node', 'etc']) {
      const st = statSync(join(rootfs, p));
      expect(st.uid).toBe(0);
      expect(st.mode & 0o022).toBe(0);
    }
    const entrypoint = JSON.parse(buildah(['inspect', '--type', 'image', image])).OCIv1.config.Entrypoint as string[];
    const port = await freePort();
    // the image's own entrypoint, with CLI flags as container args (as Kubernetes `args` would give)
    run = spawn('buildah', [...BUILDAH, 'run', '--isolation', 'chroot', container, '--', ...entrypoint, '--port', String(port), '--interval', '0.5', '--seed', '7'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    run.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    run.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((r) => run?.once('exit', (code) => r(code)));

    const deadline = Date.now() + 60_000;
    while (!out.includes('exporter started') && Date.now() < deadline && run.exitCode === null) await new Promise((r) => setTimeout(r, 200));
    if (!out.includes('exporter started')) throw new Error(`the container did not start:\n${out}\n${err}`);
    // buildah has set up the mounts (/etc/hosts, /proc, ...); whatever changes from now on, the exporter wrote
    const since = Date.now();

    const startedLine = JSON.parse(out.split('\n').find((l) => l.includes('exporter started')) as string);
    expect(startedLine).toMatchObject({ uid: 65532, gid: 65532, port, sources: ['simulate'] });
    // the process itself, seen from the host
    const [pid] = pidsWith('/app/exporter.cjs', `--port ${port}`).filter((p) => readFileSync(`/proc/${p}/cmdline`, 'utf8').startsWith('/nodejs/bin/node'));
    expect(pid).toBeDefined();
    const uids = /^Uid:\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    expect(uids?.slice(1)).toEqual(['65532', '65532', '65532', '65532']);

    await new Promise((r) => setTimeout(r, 1200));
    const metrics = await http(`http://127.0.0.1:${port}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(sample(metrics.body, 'app_exporter_build_info{version="0.1.0",source="simulate"}')).toBe(1);
    expect(metrics.body).toMatch(/^app_http_requests_total\{method="GET",route="\/api\/products",status_class="2xx"\} \d+$/m);
    expect(metrics.body).toContain('process_resident_memory_bytes');
    const check = promtool(['check', 'metrics'], { input: metrics.body });
    expect(check.output).toBe('');
    expect((await http(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
    // the incident endpoint works from the host (loopback through the shared network)
    expect((await postJson(`http://127.0.0.1:${port}/v1/incident`, { errorRatio: 0.5, durationSeconds: 60 })).status).toBe(201);
    const om = await http(`http://127.0.0.1:${port}/metrics`, { headers: { accept: 'application/openmetrics-text; version=1.0.0' } });
    expect(om.body.endsWith('# EOF\n')).toBe(true);

    expect(modifiedSince(rootfs, since)).toEqual([]);

    // SIGTERM to the container's process, as the container runtime sends it on pod deletion
    // (buildah itself does not pass SIGTERM on: it kills its child)
    process.kill(pid as number, 'SIGTERM');
    const code = await Promise.race([exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 20_000).unref())]);
    expect(code).toBe(0);
    const msgs = out.trim().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l).msg);
    expect(msgs).toContain('exporter stopped');
    const rss = sample(metrics.body, 'process_resident_memory_bytes') as number;
    process.stdout.write(`container RSS after start: ${(rss / 1048576).toFixed(1)} MiB; /metrics ${metrics.body.length} bytes\n`);
  });
});
