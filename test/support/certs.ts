import { execFileSync } from 'child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { toolPath } from './tools';

/**
 * Throwaway TLS material for the tests of a fleet's cross-cluster connections, made with
 * Debian's openssl at run time (nothing is committed): CAs, and certificates each with its
 * key, signed by one of them. Lives two days.
 */
export interface CertFiles {
  readonly cert: string;
  readonly key: string;
}

export class TestPki {
  readonly dir = mkdtempSync(join(tmpdir(), 'fleet-pki-'));
  private readonly openssl = toolPath('openssl');

  private run(args: readonly string[]): void {
    execFileSync(this.openssl, args, { cwd: this.dir, stdio: ['ignore', 'ignore', 'pipe'] });
  }

  path(name: string): string {
    return join(this.dir, name);
  }

  /** A self-signed CA: `<name>.crt` and `<name>.key`. */
  ca(name: string): CertFiles {
    this.run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '2', '-subj', `/CN=${name}`]);
    return { cert: this.path(`${name}.crt`), key: this.path(`${name}.key`) };
  }

  /**
   * A certificate signed by `ca`, for a server (`serverAuth`, with these DNS names and IP
   * addresses as subject alternative names) or a client (`clientAuth`).
   */
  issue(name: string, ca: string, usage: 'server' | 'client', sans: { dns?: readonly string[]; ip?: readonly string[] } = {}): CertFiles {
    this.run(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`]);
    const alt = [...(sans.dns ?? []).map((d) => `DNS:${d}`), ...(sans.ip ?? []).map((i) => `IP:${i}`)];
    writeFileSync(this.path(`${name}.ext`), `${alt.length ? `subjectAltName=${alt.join(',')}\n` : ''}extendedKeyUsage=${usage === 'server' ? 'serverAuth' : 'clientAuth'}\n`);
    this.run(['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.ext`]);
    return { cert: this.path(`${name}.crt`), key: this.path(`${name}.key`) };
  }

  read(file: string): string {
    return readFileSync(file, 'utf8');
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
