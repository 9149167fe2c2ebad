import { spawnSync } from 'child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'fs';
import { tmpdir } from 'os';
import { join, relative } from 'path';

const ROOT = join(__dirname, '..');

function files(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out[relative(dir, p)] = readFileSync(p, 'utf8');
    }
  };
  walk(dir);
  return out;
}

test('docs/api is the API reference generated from the TSDoc of the public API (run `npm run docs:api` after changing it)', () => {
  const out = mkdtempSync(join(tmpdir(), 'api-docs-'));
  try {
    const res = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typedoc', 'bin', 'typedoc'), '--out', out], { cwd: ROOT, encoding: 'utf8' });
    expect(res.stdout + res.stderr).not.toMatch(/\[warning\]|\[error\]/);
    expect(res.status).toBe(0);
    const fresh = files(out);
    const committed = files(join(ROOT, 'docs', 'api'));
    expect(Object.keys(committed).sort()).toEqual(Object.keys(fresh).sort());
    const stale = Object.keys(fresh).filter((f) => fresh[f] !== committed[f]);
    expect(stale).toEqual([]);
    // The pieces a library user starts from are in it.
    for (const page of ['classes/MonitoringStack.md', 'functions/defineEnvironment.md', 'functions/addExporterSidecar.md', 'functions/readSlothSpec.md', 'interfaces/StackConfig.md', 'variables/ENVIRONMENT_DEFAULTS.md']) {
      expect(Object.keys(fresh)).toContain(page);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}, 120_000);
