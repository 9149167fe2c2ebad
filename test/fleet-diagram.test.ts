import { readFileSync } from 'fs';
import { join } from 'path';
import { exampleFleet } from '../lib/config';
import { fleetDot } from '../lib/fleet/diagram';
import { renderSvg } from '../scripts/render-fleet-diagram';
import { toolPath } from './support/tools';

/**
 * docs/fleet.svg, the picture of the example fleet, is generated from the fleet's declaration
 * (lib/fleet/diagram.ts) and rendered by Graphviz: both files must be what the generator and
 * Graphviz make now (regenerate with `npx tsx scripts/render-fleet-diagram.ts`).
 */
const DOCS = join(__dirname, '..', 'docs');
const dot = fleetDot(exampleFleet);

test('docs/fleet.dot is the fleet as declared now', () => {
  expect(readFileSync(join(DOCS, 'fleet.dot'), 'utf8')).toBe(dot);
});

test('docs/fleet.svg is Graphviz\'s rendering of it', () => {
  toolPath('dot'); // Graphviz (Debian's graphviz package), as .ci/run installs it
  expect(readFileSync(join(DOCS, 'fleet.svg'), 'utf8')).toBe(renderSvg(dot));
});

test('it shows every cluster with the components its stack builds, each bucket, and the flows between the clusters', () => {
  for (const c of ['observer', 'workload-a', 'workload-b']) expect(dot).toContain(`subgraph "cluster_${c}"`);
  // Components come from the stacks: the observer's store gateway per bucket, a workload cluster's gateway.
  expect(dot).toContain('"observer/thanos-store-workload-b" [label="thanos-store-workload-b"]');
  expect(dot).toContain('"workload-a/thanos-query" [label="thanos-query\\n(StoreAPI gateway)"]');
  expect(dot).not.toContain('"workload-a/grafana"');
  expect(dot).not.toContain('"observer/app-exporter"');
  for (const b of ['observer', 'workload-a', 'workload-b']) expect(dot).toContain(`"bucket/${b}" [shape=cylinder`);
  const cross = dot.split('\n').filter((l) => l.includes('color="#c0392b"')).map((l) => /^\s*("[^"]+") -> ("[^"]+")/.exec(l)!.slice(1).join(' -> '));
  expect(cross).toEqual([
    '"observer/thanos-query" -> "workload-a/thanos-query"',
    '"observer/thanos-query" -> "workload-b/thanos-query"',
    '"workload-a/prometheus" -> "observer/alertmanager"',
    '"workload-a/alloy" -> "observer/loki"',
    '"workload-b/prometheus" -> "observer/alertmanager"',
    '"workload-b/alloy" -> "observer/loki"',
  ]);
});
