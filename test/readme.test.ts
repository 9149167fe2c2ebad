import { readdirSync, readFileSync, statSync } from 'fs';
import { join } from 'path';
import { production, staging } from '../lib/config';

/**
 * The README says what the output and the example configs really hold (issue 15 item 15):
 * the table of `dist/<env>/` names every file the synth writes and nothing else, and
 * "Before you apply" names every field of the example configs that holds a placeholder.
 */

const ROOT = join(__dirname, '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

function section(title: string): string {
  const start = README.indexOf(`\n## ${title}\n`);
  if (start < 0) throw new Error(`README has no section "${title}"`);
  const end = README.indexOf('\n## ', start + 1);
  return README.slice(start, end < 0 ? undefined : end);
}

function filesUnder(dir: string, rel = ''): string[] {
  return readdirSync(join(dir, rel)).flatMap((name) => (statSync(join(dir, rel, name)).isDirectory() ? filesUnder(dir, join(rel, name)) : [join(rel, name)]));
}

describe('README: the output table', () => {
  const table = section('What is in an environment');
  const named = new Set([...table.matchAll(/`((?:operator\/)?[a-z0-9-]+\.yaml)`/g)].map((m) => m[1]));
  const written = new Set(['staging', 'production'].flatMap((env) => filesUnder(join(ROOT, 'dist', env))));

  // `operator/<component>.yaml` stands for the operator file of each component file named.
  const perComponent = table.includes('`operator/<component>.yaml`');

  test('names every file the synth writes in dist/<env>/', () => {
    const missing = [...written].filter((f) => !named.has(f) && !(perComponent && f.startsWith('operator/') && named.has(f.slice('operator/'.length))));
    expect(missing).toEqual([]);
  });

  test('names no file the synth does not write', () => {
    expect([...named].filter((f) => !written.has(f))).toEqual([]);
  });
});

describe('README: "Before you apply" lists every placeholder of the example configs', () => {
  /** Leaf fields whose value is an example (example.com, the example clusters, GKE's StorageClass, ...), as `a.b`. */
  function placeholders(value: unknown, path: string[] = [], out = new Set<string>()): Set<string> {
    const field = path.filter((p) => !/^\d+$/.test(p)).slice(0, 2).join('.');
    if (typeof value === 'string') {
      if (/example\.(com|internal)|example-prod|-eu-1$|eu-west-1|standard-rwo|^#|@/.test(value)) out.add(field);
    } else if (Array.isArray(value)) value.forEach((v, i) => placeholders(v, [...path, String(i)], out));
    else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        if (/example\.com/.test(k)) out.add(field || k);
        placeholders(v, [...path, k], out);
      }
    }
    return out;
  }

  test('each field that holds one is named in the checklist', () => {
    const checklist = section('Before you apply');
    const fields = new Set([...placeholders(staging), ...placeholders(production)]);
    expect(fields.size).toBeGreaterThan(10);
    expect([...fields].filter((f) => !checklist.includes(`\`${f}\``)).sort()).toEqual([]);
  });
});
