/**
 * The picture of the example fleet, generated from its declaration (lib/fleet/diagram.ts):
 *
 *   npx tsx scripts/render-fleet-diagram.ts     # writes docs/fleet.dot and docs/fleet.svg
 *
 * The SVG is rendered by Graphviz's `dot` (Debian: `apt-get install -y graphviz`).
 * test/fleet-diagram.test.ts fails while either file is stale.
 */
import { execFileSync } from 'child_process';
import { writeFileSync } from 'fs';
import { join } from 'path';
import { exampleFleet } from '../lib/config';
import { fleetDot } from '../lib/fleet/diagram';

export const DOCS = join(__dirname, '..', 'docs');

/** The SVG Graphviz renders from DOT text. */
export function renderSvg(dot: string): string {
  return execFileSync('dot', ['-Tsvg'], { input: dot, encoding: 'utf8' });
}

if (require.main === module) {
  const dot = fleetDot(exampleFleet);
  writeFileSync(join(DOCS, 'fleet.dot'), dot);
  writeFileSync(join(DOCS, 'fleet.svg'), renderSvg(dot));
  process.stdout.write('docs/fleet.dot, docs/fleet.svg\n');
}
