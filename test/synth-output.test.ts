import { execFileSync, spawnSync } from 'child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { parseAllDocuments } from 'yaml';
import { exampleFleet, production, staging } from '../lib/config';
import { GENERATED_HEADER, isCdk8sStdoutFolder, manifestStream, runSynth, synthesizeAll, writeOutput } from '../lib/synth';
import { allObjects, REPO_SYNTH_OPTIONS } from './support/synth';

const ROOT = join(__dirname, '..');
const files = synthesizeAll([staging, production], REPO_SYNTH_OPTIONS);
/** What main.ts synthesizes: the two environments and the example fleet. */
const appFiles = synthesizeAll([staging, production, exampleFleet], REPO_SYNTH_OPTIONS);

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'synth-out-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('the synth never deletes or overwrites files it did not write', () => {
  test('your files beside and inside the environment folders stay; an earlier synth\'s stale files go', () => {
    const out = join(dir, 'dist');
    mkdirSync(join(out, 'production', 'operator'), { recursive: true });
    writeFileSync(join(out, 'app.k8s.yaml'), 'kind: ConfigMap\n'); // a cdk8s app.synth() output
    writeFileSync(join(out, 'production', 'my-overlay.yaml'), 'kind: Secret\n'); // your own, in an environment folder
    writeFileSync(join(out, 'production', 'operator', 'retired.yaml'), `${GENERATED_HEADER} for environment "production".\nkind: PodMonitor\n`);
    const report = writeOutput(out, files);
    expect(readFileSync(join(out, 'app.k8s.yaml'), 'utf8')).toBe('kind: ConfigMap\n');
    expect(readFileSync(join(out, 'production', 'my-overlay.yaml'), 'utf8')).toBe('kind: Secret\n');
    expect(existsSync(join(out, 'production', 'operator', 'retired.yaml'))).toBe(false);
    expect(report.removed).toEqual(['production/operator/retired.yaml']);
    expect(report.written.length).toBe(files.size);
    for (const [rel, content] of files) expect(readFileSync(join(out, rel), 'utf8')).toBe(content);
    // No temporary file is left behind.
    const all = (d: string): string[] => readdirSync(d).flatMap((f) => (statSync(join(d, f)).isDirectory() ? all(join(d, f)) : [f]));
    expect(all(out).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  test('a file of yours where the synth would write is an error, and nothing is written', () => {
    const out = join(dir, 'dist');
    mkdirSync(join(out, 'staging'), { recursive: true });
    writeFileSync(join(out, 'staging', 'grafana.yaml'), 'kind: ConfigMap # mine\n');
    const errors: string[] = [];
    expect(runSynth([staging, production], out, { stderr: (t) => errors.push(t), stdout: () => undefined })).toBe(1);
    expect(errors.join('')).toContain(`${join(out, 'staging', 'grafana.yaml')} exists and was not written by observability-stack; move it away`);
    expect(readFileSync(join(out, 'staging', 'grafana.yaml'), 'utf8')).toBe('kind: ConfigMap # mine\n');
    expect(readdirSync(join(out, 'staging'))).toEqual(['grafana.yaml']);
    expect(existsSync(join(out, 'production'))).toBe(false);
  });

  test('an unchanged file is not rewritten (its mtime stays)', () => {
    const out = join(dir, 'dist');
    writeOutput(out, files);
    const file = join(out, 'production', 'grafana.yaml');
    const before = statSync(file).mtimeMs;
    const report = writeOutput(out, files);
    expect(report.written).toEqual([]);
    expect(report.unchanged.length).toBe(files.size);
    expect(statSync(file).mtimeMs).toBe(before);
  });
});

describe('npm run synth says what it did', () => {
  test('environments, files and objects per environment, the folder, what changed', () => {
    const out = join(dir, 'dist');
    const lines: string[] = [];
    expect(runSynth([staging, production], out, { stdout: (t) => lines.push(t) })).toBe(0);
    const objects = (env: string) => allObjects(files).filter((o) => o.file.startsWith(`${env}/`)).length;
    const count = (env: string) => [...files.keys()].filter((f) => f.startsWith(`${env}/`)).length;
    const text = lines.join('');
    expect(text).toMatch(new RegExp(`^synthesized 2 environments into ${out}/ in \\d+\\.\\d\\d s:\\n`));
    expect(text).toContain(`  staging     ${count('staging')} files, ${objects('staging')} objects\n`);
    expect(text).toContain(`  production  ${count('production')} files, ${objects('production')} objects\n`);
    expect(text).toContain(`  ${files.size} written, 0 unchanged, 0 removed\n`);
    expect(text.split('\n').filter(Boolean)).toHaveLength(4);
  });
});

describe('the cdk8s CLI: --output and --stdout', () => {
  const cdk8s = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    spawnSync(join(ROOT, 'node_modules', '.bin', 'cdk8s'), ['synth', '--no-check-upgrade', ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 });

  test('cdk8s synth --output DIR writes there and leaves dist/ alone', () => {
    const distBefore = execFileSync('git', ['status', '--porcelain', '--', 'dist'], { cwd: ROOT, encoding: 'utf8' });
    const stamp = statSync(join(ROOT, 'dist', 'production', 'grafana.yaml')).mtimeMs;
    const out = join(dir, 'manifests');
    const res = cdk8s(['--output', out]);
    expect(res.status).toBe(0);
    for (const [rel, content] of files) expect(readFileSync(join(out, rel), 'utf8')).toBe(content);
    expect(statSync(join(ROOT, 'dist', 'production', 'grafana.yaml')).mtimeMs).toBe(stamp);
    expect(execFileSync('git', ['status', '--porcelain', '--', 'dist'], { cwd: ROOT, encoding: 'utf8' })).toBe(distBefore);
  }, 120_000);

  test('cdk8s synth --stdout prints every manifest once, as one valid YAML stream, and leaves dist/ alone', () => {
    const stamp = statSync(join(ROOT, 'dist', 'production', 'grafana.yaml')).mtimeMs;
    const res = cdk8s(['--stdout']);
    expect(res.status).toBe(0);
    expect(statSync(join(ROOT, 'dist', 'production', 'grafana.yaml')).mtimeMs).toBe(stamp);
    const docs = parseAllDocuments(res.stdout);
    expect(docs.filter((d) => d.errors.length > 0)).toEqual([]);
    const printed = docs.map((d) => d.toJS()).filter(Boolean);
    const expected = allObjects(appFiles).map((o) => o.object);
    expect(printed.length).toBe(expected.length);
    expect(printed).toEqual(expect.arrayContaining(expected));
  }, 120_000);

  test('only a fresh cdk8s-XXXXXX folder in the temp dir is taken for --stdout', () => {
    const fresh = mkdtempSync(join(tmpdir(), 'cdk8s-'));
    try {
      expect(isCdk8sStdoutFolder(fresh)).toBe(true);
      writeFileSync(join(fresh, 'x.yaml'), 'a: 1\n');
      expect(isCdk8sStdoutFolder(fresh)).toBe(false);
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
    expect(isCdk8sStdoutFolder(join(dir, 'cdk8s-abcdef'))).toBe(false);
    expect(isCdk8sStdoutFolder('dist')).toBe(false);
    expect(manifestStream(files).startsWith('---\n# production/alertmanager.yaml\n')).toBe(true);
  });
});
