/**
 * A throw-away Kubernetes control plane on loopback for server-side checks of the manifests:
 * one etcd member and one kube-apiserver, nothing else (no controller-manager, no scheduler, no
 * nodes). It answers what a real cluster's API server answers to `kubectl apply --dry-run=server`:
 * the built-in types' validation and defaulting, the CRDs' schemas, and the admission chain,
 * PodSecurity included.
 *
 * Every port is a free loopback port picked at start; every file (etcd's data, the serving
 * certificate the API server generates for itself, the service-account keys, a token file)
 * lives in one temporary folder that `stop()` removes.
 */
import { ChildProcess, spawn } from 'child_process';
import { generateKeyPairSync, randomBytes } from 'crypto';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { request } from 'https';
import { AddressInfo, createServer } from 'net';
import { tmpdir } from 'os';
import { join } from 'path';

export interface ControlPlaneOptions {
  /** Path of the kube-apiserver binary. */
  readonly apiserver: string;
  /** Path of the etcd binary. */
  readonly etcd: string;
  /** How long to wait for etcd and then for the API server's /readyz. @default 120 s */
  readonly timeoutMs?: number;
  /** Extra kube-apiserver flags (`--name=value`). @default none */
  readonly extraApiserverFlags?: readonly string[];
}

export interface ControlPlane {
  /** `https://127.0.0.1:<port>`. */
  readonly url: string;
  /** A bearer token of a user in `system:masters`. */
  readonly token: string;
  /** The PEM bundle the API server's self-signed serving certificate verifies with. */
  readonly ca: string;
  /** Milliseconds from the start of etcd until etcd answered /health. */
  readonly etcdStartMs: number;
  /** Milliseconds from the start of the API server until its /readyz answered 200. */
  readonly apiserverStartMs: number;
  /** etcd's and the API server's `/version` answers. */
  readonly versions: { readonly etcd: string; readonly kubernetes: string };
  /** The folder with both logs (removed by `stop`, so read them before). */
  readonly dir: string;
  /** Stops both processes (SIGTERM, then SIGKILL after 10 s) and removes the folder. */
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (the kernel's choice; closed again before it is used). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

interface Answer {
  readonly status: number;
  readonly body: string;
}

function get(url: string, opts: { ca?: string; token?: string; timeoutMs?: number } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const mod = url.startsWith('https:') ? request : require('http').request;
    const req = mod(
      url,
      { method: 'GET', ca: opts.ca, headers: opts.token ? { authorization: `Bearer ${opts.token}` } : {}, timeout: opts.timeoutMs ?? 5000 },
      (res: import('http').IncomingMessage) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: no answer in ${opts.timeoutMs ?? 5000} ms`)));
    req.on('error', reject);
    req.end();
  });
}

function exited(p: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (p.exitCode !== null || p.signalCode !== null) resolve();
    else p.once('exit', () => resolve());
  });
}

async function stopProcess(p: ChildProcess | undefined): Promise<void> {
  if (!p || p.exitCode !== null || p.signalCode !== null) return;
  const done = exited(p);
  p.kill('SIGTERM');
  const timer = setTimeout(() => p.kill('SIGKILL'), 10_000);
  await done;
  clearTimeout(timer);
}

function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * Polls `probe` every 250 ms until it returns a value, the process exits, or the time is up;
 * the error then says which and shows the end of the process's log.
 */
async function waitFor<T>(what: string, proc: ChildProcess, log: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      throw new Error(`${what} exited (${proc.exitCode ?? proc.signalCode}) before it was ready; the end of its log:\n${tail(log)}`);
    }
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() > deadline) throw new Error(`${what} was not ready in ${timeoutMs / 1000} s (last: ${last || 'not ready'}); the end of its log:\n${tail(log)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export async function startControlPlane(options: ControlPlaneOptions): Promise<ControlPlane> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  const dir = mkdtempSync(join(tmpdir(), 'obs-apiserver-'));
  let etcd: ChildProcess | undefined;
  let apiserver: ChildProcess | undefined;
  const stop = async (): Promise<void> => {
    await stopProcess(apiserver);
    await stopProcess(etcd);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const [clientPort, peerPort, securePort] = [await freePort(), await freePort(), await freePort()];
    const etcdUrl = `http://127.0.0.1:${clientPort}`;
    const peerUrl = `http://127.0.0.1:${peerPort}`;
    const etcdLog = join(dir, 'etcd.log');
    const etcdStarted = Date.now();
    etcd = spawn(
      options.etcd,
      [
        '--name=dry-run',
        `--data-dir=${join(dir, 'etcd')}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=${peerUrl}`,
        `--initial-advertise-peer-urls=${peerUrl}`,
        `--initial-cluster=dry-run=${peerUrl}`,
        // Nothing here outlives the run: no fsync per write.
        '--unsafe-no-fsync',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    etcd.stderr!.pipe(createWriteStream(etcdLog));
    const etcdVersion = await waitFor('etcd', etcd, etcdLog, timeoutMs, async () => {
      const health = await get(`${etcdUrl}/health`);
      if (health.status !== 200 || !/"health":\s*"true"/.test(health.body)) return undefined;
      return (JSON.parse((await get(`${etcdUrl}/version`)).body) as { etcdserver: string }).etcdserver;
    });
    const etcdStartMs = Date.now() - etcdStarted;

    const token = randomBytes(24).toString('hex');
    writeFileSync(join(dir, 'tokens.csv'), `${token},dry-run-admin,dry-run-admin,"system:masters"\n`, { mode: 0o600 });
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(join(dir, 'sa.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
    writeFileSync(join(dir, 'sa.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    const certDir = join(dir, 'certs');
    const apiLog = join(dir, 'kube-apiserver.log');
    const apiStarted = Date.now();
    apiserver = spawn(
      options.apiserver,
      [
        `--etcd-servers=${etcdUrl}`,
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        // The `kubernetes` Service's endpoints may not be a loopback address; nothing here
        // uses that Service.
        '--endpoint-reconciler-type=none',
        `--secure-port=${securePort}`,
        // No --tls-cert-file: the API server writes a self-signed certificate for
        // localhost/127.0.0.1 (and its CA, in the same file) into the cert dir.
        `--cert-dir=${certDir}`,
        `--token-auth-file=${join(dir, 'tokens.csv')}`,
        '--authorization-mode=RBAC',
        '--anonymous-auth=false',
        `--service-account-issuer=https://kubernetes.default.svc`,
        `--service-account-key-file=${join(dir, 'sa.pub')}`,
        `--service-account-signing-key-file=${join(dir, 'sa.key')}`,
        '--service-cluster-ip-range=10.96.0.0/16',
        // PodSecurity is in the default admission chain; named here so that a version which
        // dropped it from the defaults fails to start instead of passing every check.
        '--enable-admission-plugins=PodSecurity',
        // As on the clusters users run (kubeadm and the managed offerings set it): privileged
        // containers are then a matter for PodSecurity, not refused by validation everywhere.
        '--allow-privileged=true',
        ...(options.extraApiserverFlags ?? []),
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    apiserver.stderr!.pipe(createWriteStream(apiLog));
    const url = `https://127.0.0.1:${securePort}`;
    const ca = await waitFor('kube-apiserver (its certificate)', apiserver, apiLog, timeoutMs, async () => {
      try {
        return readFileSync(join(certDir, 'apiserver.crt'), 'utf8');
      } catch {
        return undefined;
      }
    });
    await waitFor('kube-apiserver', apiserver, apiLog, Math.max(1000, timeoutMs - (Date.now() - apiStarted)), async () => {
      const ready = await get(`${url}/readyz`, { ca, token });
      if (ready.status === 200) return true;
      throw new Error(`/readyz ${ready.status}: ${ready.body.split('\n').filter((l) => l.includes('[-]')).join('; ')}`);
    });
    const apiserverStartMs = Date.now() - apiStarted;
    const kubernetes = (JSON.parse((await get(`${url}/version`, { ca, token })).body) as { gitVersion: string }).gitVersion;
    return { url, token, ca, etcdStartMs, apiserverStartMs, versions: { etcd: etcdVersion, kubernetes }, dir, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
