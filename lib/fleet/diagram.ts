import { App } from 'cdk8s';
import type { FleetConfig } from '../config/fleet';
import type { ObjectStorageConfig } from '../config/types';
import { MonitoringStack } from '../stack';
import { fleetStackConfig, remoteWorkloads, resolveFleet, ResolvedFleet, ResolvedFleetCluster } from './model';

/**
 * A picture of a fleet, generated from its declaration: each cluster with the components its
 * stack builds (the charts of its MonitoringStack, the files of its folder), the flows inside
 * it, the buckets, and the flows between the clusters with their protocol and port. Graphviz
 * DOT text, deterministic; `npx tsx scripts/render-fleet-diagram.ts` writes docs/fleet.dot
 * and renders docs/fleet.svg with Graphviz's `dot`.
 */

/** Charts that hold no workload (rule files, the namespace): not drawn. */
const NOT_DRAWN = new Set(['namespace', 'alert-rules', 'kubernetes-rules', 'slos', 'extra-rules']);

/** A DOT string: double quotes escaped; `\n` (two characters) is DOT's line break in a label. */
const q = (s: string) => `"${s.replace(/"/g, '\\"')}"`;

function bucketName(o: ObjectStorageConfig): string {
  switch (o.backend) {
    case 's3':
      return `s3://${o.bucket}`;
    case 'gcs':
      return `gs://${o.bucket}`;
    case 'azure':
      return `azure://${o.storageAccount}/${o.container}`;
    default:
      return 'filesystem';
  }
}

/** The components each cluster's stack builds, in the order the stack creates them. */
function components(fleet: FleetConfig, resolved: ResolvedFleet, c: ResolvedFleetCluster): string[] {
  const stack = new MonitoringStack(new App({ outdir: '.unused' }), c.name, fleetStackConfig(fleet, c.name), { fleet: { fleet: resolved, self: c } });
  return stack.charts.map((ch) => ch.componentName).filter((n) => !NOT_DRAWN.has(n));
}

function label(component: string, c: ResolvedFleetCluster): string {
  switch (component) {
    case 'prometheus':
      return `prometheus ×${c.prometheusReplicas}\\n+ thanos sidecar`;
    case 'thanos-query':
      return c.observer ? 'thanos-query\\n(global view)' : 'thanos-query\\n(StoreAPI gateway)';
    default:
      return component;
  }
}

export function fleetDot(fleet: FleetConfig): string {
  const resolved = resolveFleet(fleet);
  const out: string[] = [];
  const id = (cluster: string, component: string) => q(`${cluster}/${component}`);
  const bucketId = (c: ResolvedFleetCluster) => q(`bucket/${c.name}`);
  out.push(`digraph ${q(fleet.name)} {`);
  out.push('  graph [rankdir=LR, fontname="Helvetica", fontsize=12, nodesep=0.25, ranksep=1.1, newrank=true];');
  out.push('  node [shape=box, style="rounded,filled", fillcolor="#ffffff", fontname="Helvetica", fontsize=10];');
  out.push('  edge [fontname="Helvetica", fontsize=9, color="#555555"];');
  const present = new Map<string, Set<string>>();
  for (const c of resolved.clusters) {
    const list = components(fleet, resolved, c);
    present.set(c.name, new Set(list));
    const roles = [c.workload ? 'workload' : '', c.observer ? 'observer' : ''].filter(Boolean).join(' + ');
    out.push(`  subgraph ${q(`cluster_${c.name}`)} {`);
    out.push(`    label=${q(`${c.name} (${roles}), namespace ${c.namespace}`)}; style="rounded,filled"; fillcolor=${q(c.observer ? '#eef4ff' : '#f3f8ee')}; color="#888888";`);
    for (const comp of list) out.push(`    ${id(c.name, comp)} [label=${q(label(comp, c))}];`);
    out.push('  }');
  }
  // The buckets: each cluster's own.
  out.push('  subgraph "cluster_object_storage" {');
  out.push('    label="object storage (a bucket per cluster)"; style="rounded,dashed"; color="#888888";');
  for (const c of resolved.clusters) out.push(`    ${bucketId(c)} [shape=cylinder, style=filled, fillcolor="#fff8e6", label=${q(bucketName(c.objectStorage))}];`);
  out.push('  }');

  const edge = (from: string, to: string, attrs: string) => out.push(`  ${from} -> ${to} [${attrs}];`);
  // Inside each cluster.
  for (const c of resolved.clusters) {
    const has = (x: string) => present.get(c.name)!.has(x);
    const e = (a: string, b: string, l: string) => has(a) && has(b) && edge(id(c.name, a), id(c.name, b), `label=${q(l)}`);
    e('thanos-query', 'prometheus', 'StoreAPI');
    edge(id(c.name, 'prometheus'), bucketId(c), `label="uploads 2h blocks", style=dashed`);
    for (const comp of present.get(c.name)!) {
      if (comp.startsWith('thanos-store')) {
        e('thanos-query', comp, 'StoreAPI');
        const owner = comp === 'thanos-store' ? c : resolved.clusters.find((x) => comp === `thanos-store-${x.name}`)!;
        edge(id(c.name, comp), bucketId(owner), 'label="reads", style=dashed');
      }
      if (comp.startsWith('thanos-compact')) {
        const owner = comp === 'thanos-compact' ? c : resolved.clusters.find((x) => comp === `thanos-compact-${x.name}`)!;
        edge(id(c.name, comp), bucketId(owner), 'label="compacts", style=dashed');
      }
    }
    e('prometheus', 'alertmanager', 'alerts');
    for (const collector of ['alloy', 'promtail']) e(collector, 'loki', `logs, tenant ${c.name}`);
    e('grafana', 'thanos-query', 'PromQL');
    e('grafana', 'loki', 'LogQL');
    e('grafana', 'alertmanager', 'alerts');
  }
  // Between the clusters: over TLS with client certificates, to the endpoints' load balancers.
  const o = resolved.observer;
  const cross = 'color="#c0392b", fontcolor="#c0392b", penwidth=1.6';
  for (const w of remoteWorkloads(resolved)) {
    edge(id(o.name, 'thanos-query'), id(w.name, 'thanos-query'), `label=${q(`StoreAPI gRPC, mTLS\\n${w.storeApi!.host}:${w.storeApi!.port}`)}, ${cross}`);
  }
  for (const c of resolved.clusters.filter((x) => !x.observer)) {
    const has = present.get(c.name)!;
    if (has.has('prometheus')) edge(id(c.name, 'prometheus'), id(o.name, 'alertmanager'), `label=${q(`alerts, HTTPS mTLS\\nto each of ${o.alertmanagers.length} replicas :${o.alertmanagers[0].port}`)}, ${cross}`);
    for (const collector of ['alloy', 'promtail'].filter((x) => has.has(x))) {
      edge(id(c.name, collector), id(o.name, 'loki'), `label=${q(`logs, HTTPS mTLS :${o.loki!.port}\\ntenant ${c.name}`)}, ${cross}`);
    }
  }
  out.push('}');
  return `${out.join('\n')}\n`;
}
