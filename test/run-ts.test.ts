/**
 * scripts/run-ts.js, the runner of `npm run synth` and the e2e: it caches the bundle and V8's
 * code cache between runs, so it must notice every change of an input (or a synth would
 * write stale manifests) and must still run packages it bundled.
 */
import { spawnSync } from 'child_process';
import { createHash } from 'crypto';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'fs';
import { join, resolve } from 'path';

const root = resolve(__dirname, '..');

function run(entry: string, ...args: string[]): { out: string; err: string } {
  const r = spawnSync(process.execPath, [join(root, 'scripts/run-ts.js'), entry, ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, RUN_TS_DEBUG: '1', NODE_OPTIONS: '' },
  });
  if (r.status !== 0) throw new Error(`run-ts exited ${r.status}: ${r.stderr}`);
  return { out: r.stdout, err: r.stderr };
}

describe('scripts/run-ts.js', () => {
  let dir: string;
  beforeAll(() => {
    // Inside the repository, so that the entry resolves packages from its node_modules.
    mkdirSync(join(root, 'node_modules/.cache'), { recursive: true });
    dir = mkdtempSync(join(root, 'node_modules/.cache/run-ts-test-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    for (const name of ['entry.ts', 'broken.ts']) {
      const key = createHash('sha256').update(join(dir, name)).digest('hex').slice(0, 16);
      for (const ext of ['json', 'js', 'v8']) rmSync(join(root, `node_modules/.cache/run-ts/${key}.${ext}`), { force: true });
    }
  });

  test('builds, then reuses the bundle and the code cache, and rebuilds when a source changes', () => {
    const entry = join(dir, 'entry.ts');
    const dep = join(dir, 'dep.ts');
    writeFileSync(entry, "import { stringify } from 'yaml';\nimport { word } from './dep';\nconsole.log(stringify({ word, args: process.argv.slice(2) }).trim());\n");
    writeFileSync(dep, "export const word: string = 'first';\n");

    const first = run(entry, 'a');
    expect(first.out.trim()).toBe('word: first\nargs:\n  - a');
    expect(first.err).toContain('bundle built, code cache none');

    const second = run(entry, 'b');
    expect(second.out.trim()).toBe('word: first\nargs:\n  - b');
    expect(second.err).toContain('bundle cached, code cache accepted');

    // Same size, new content and mtime: the stamp must still see it.
    writeFileSync(dep, "export const word: string = 'other';\n");
    const future = new Date(Date.now() + 5000);
    utimesSync(dep, future, future);
    const third = run(entry);
    expect(third.out.trim()).toBe('word: other\nargs: []');
    expect(third.err).toContain('bundle built');
  });

  test('a compile error fails the run with esbuild\'s message', () => {
    const entry = join(dir, 'broken.ts');
    writeFileSync(entry, 'export const x = ;\n');
    expect(() => run(entry)).toThrow(/Unexpected ";"/);
  });
});
