/**
 * Rewrite the generated tables of exporter/README.md (metric catalogue, labels, flags) from
 * the code: `npx tsx exporter/scripts/readme-tables.ts`. exporter/test/catalogue.test.ts
 * fails when the README is out of date.
 */
import { readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { catalogueMarkdown, labelsMarkdown } from '../src/catalogue';
import { flagsMarkdown } from '../src/config';

export const TABLES: Record<string, () => string> = { catalogue: catalogueMarkdown, labels: labelsMarkdown, flags: flagsMarkdown };

export function withTables(readme: string): string {
  let out = readme;
  for (const [name, render] of Object.entries(TABLES)) {
    const start = `<!-- ${name}:start -->`;
    const end = `<!-- ${name}:end -->`;
    const a = out.indexOf(start);
    const b = out.indexOf(end);
    if (a < 0 || b < a) throw new Error(`README.md lacks the markers ${start} ... ${end}`);
    out = `${out.slice(0, a + start.length)}\n${render()}\n${out.slice(b)}`;
  }
  return out;
}

if (require.main === module) {
  const file = join(__dirname, '..', 'README.md');
  writeFileSync(file, withTables(readFileSync(file, 'utf8')));
}
