/**
 * `npm run dry-run -- [env ...]`: starts etcd and kube-apiserver on loopback
 * (./control-plane.ts), applies each environment's dist/<env> and dist/<env>/operator with
 * `dryRun=All` (./dry-run.ts), prints every refusal and warning, and exits 1 if an object was
 * refused or a warning is not one a declared host-access exception explains. Without
 * arguments: every environment folder in dist/ and every cluster of each fleet folder
 * (dist/fleet/observer, ...); an argument is an environment, a fleet or one fleet cluster.
 *
 * Binaries: `$KUBE_APISERVER` and `$ETCD` if set, else the pinned ones `npm run tools` built.
 */
import { existsSync, readdirSync } from 'fs';
import { join, resolve } from 'path';
import { ApiClient } from './client';
import { startControlPlane } from './control-plane';
import { DryRunResult, describeResults, dryRun, installCrds, kustomizationObjects, preparePrerequisites, readDir, unexplainedWarnings } from './dry-run';
import { toolPath } from '../../test/support/tools';

async function main(argv: readonly string[]): Promise<number> {
  const root = resolve(__dirname, '..', '..');
  const dist = join(root, 'dist');
  // An environment's folder, or a fleet's: each of its clusters (dist/<fleet>/<cluster>).
  const expand = (d: string): string[] =>
    existsSync(join(dist, d, 'kustomization.yaml'))
      ? [d]
      : existsSync(join(dist, d))
        ? readdirSync(join(dist, d)).filter((c) => existsSync(join(dist, d, c, 'kustomization.yaml'))).sort().map((c) => `${d}/${c}`)
        : [];
  const envs = (argv.length ? [...argv] : readdirSync(dist).sort()).flatMap((d) => {
    const found = expand(d);
    if (!found.length && argv.length) throw new Error(`dist/${d} holds no kustomization.yaml (nor clusters that do); run npm run synth, or name an environment or fleet folder of dist/`);
    return found;
  });
  const t0 = Date.now();
  const cp = await startControlPlane({ apiserver: process.env.KUBE_APISERVER || toolPath('kube-apiserver'), etcd: process.env.ETCD || toolPath('etcd') });
  const say = (m: string): void => void process.stderr.write(`dry-run [${((Date.now() - t0) / 1000).toFixed(1)}s] ${m}\n`);
  say(`etcd ${cp.versions.etcd} ready in ${(cp.etcdStartMs / 1000).toFixed(1)} s; kube-apiserver ${cp.versions.kubernetes} ready in ${(cp.apiserverStartMs / 1000).toFixed(1)} s`);
  let failed = 0;
  try {
    const client = new ApiClient(cp.url, cp.token, cp.ca);
    const crds = await installCrds(client, join(root, 'imports', 'crds'));
    say(`CRDs established: ${crds.join(', ')}`);
    for (const env of envs) {
      const results: DryRunResult[] = [];
      for (const folder of [env, `${env}/operator`]) {
        if (!existsSync(join(dist, folder, 'kustomization.yaml'))) continue;
        const t = Date.now();
        const objects = kustomizationObjects(readDir(dist), folder);
        const cleanup = await preparePrerequisites(client, objects);
        const r = await dryRun(client, objects);
        await cleanup();
        results.push(...r);
        say(`${folder}: ${objects.length} objects, ${r.length} checks in ${((Date.now() - t) / 1000).toFixed(1)} s`);
      }
      const lines = describeResults(results);
      const unexplained = unexplainedWarnings(results);
      failed += results.filter((r) => r.error).length + unexplained.length;
      process.stdout.write(
        `# ${env}: ${results.length} checks, ${results.filter((r) => r.error).length} refused, ${results.reduce((n, r) => n + r.warnings.length, 0)} warnings, ${unexplained.length} not explained by a host-access exception\n`,
      );
      for (const l of lines) process.stdout.write(`${l}\n`);
      for (const u of unexplained) process.stdout.write(`UNEXPLAINED ${u.result.file}: ${u.result.ref}: ${u.why}\n`);
    }
  } finally {
    await cp.stop();
  }
  say('done');
  return failed ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (err) => {
    process.stderr.write(`dry-run: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 2;
  },
);
