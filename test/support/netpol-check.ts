import { podId, SimCluster, SimPod, stackPods } from './cluster-sim';
import { describeFlow, destinationId, Flow, InboundFlow } from './flows';
import { AnalyzerResult, allows, Connection, connectionsInclude, connectionsText, nodeMatches } from './netpol-analyzer';

/**
 * The stack's NetworkPolicies against the analyzer's result:
 * - every needed flow is allowed;
 * - nothing else reaches the pods of the stack's namespaces: every connection the analyzer
 *   finds into one of them is a needed flow, and no peer that no pod of the cluster stands
 *   for (a namespace or label selector, the whole cluster) is admitted;
 * - a pod of those namespaces that is not the stack's (a bystander) reaches nothing but
 *   what every pod there may (DNS): the namespaces deny by default.
 * `inbound` are the needed connections from addresses outside the cluster (another cluster
 * of a fleet): each must be allowed, and they are needed like the pods' flows.
 * Returns the problems, one line each (empty when all hold).
 */
export function policyProblems(cluster: SimCluster, flows: readonly Flow[], result: AnalyzerResult, inbound: readonly InboundFlow[] = []): string[] {
  const problems: string[] = [];
  for (const f of flows) {
    const to = 'pod' in f.to ? { pod: podId(f.to.pod) } : { ip: f.to.ip };
    if (!allows(result, podId(f.from), to, f.protocol, f.port)) problems.push(`denied: ${describeFlow(f)}`);
  }
  for (const f of inbound) {
    const ok = result.connections.some((c) => nodeMatches(c.src, { ip: f.from.ip }) && c.dst === podId(f.to.pod) && connectionsInclude(c.conn, f.protocol, f.port));
    if (!ok) problems.push(`denied: ${f.from.ip} (${f.from.what}) -> ${podId(f.to.pod)} ${f.protocol}/${f.port} [${f.why}]`);
  }

  const guarded = new Map<string, SimPod>([...stackPods(cluster), ...cluster.pods.filter((p) => cluster.stackNamespaces.includes(p.namespace))].map((p) => [podId(p), p]));
  // The needed flows from a pod to an analyzer node (a pod, or an address range holding the flow's address).
  const needed = (src: string, dst: string): { protocol: string; port: number }[] => [
    ...flows.filter((f) => podId(f.from) === src && nodeMatches(dst, 'pod' in f.to ? { pod: destinationId(f.to) } : { ip: f.to.ip })),
    ...inbound.filter((f) => nodeMatches(src, { ip: f.from.ip }) && podId(f.to.pod) === dst),
  ];
  const unexpected = (c: Connection, what: string) => {
    if (c.conn.all) {
      problems.push(`${what}: ${c.src} -> ${c.dst} All Connections`);
      return;
    }
    const ok = needed(c.src, c.dst);
    for (const r of c.conn.ranges) {
      const wide = r.to - r.from > 16;
      for (let port = r.from; port <= r.to; port++) {
        if (ok.some((f) => f.protocol === r.protocol && f.port === port)) continue;
        problems.push(`${what}: ${c.src} -> ${c.dst} ${r.protocol}/${wide ? `${r.from}-${r.to}` : port}`);
        if (wide) break;
      }
    }
  };
  for (const c of result.connections) {
    if (guarded.has(c.dst)) unexpected(c, 'admitted but not needed');
    else if (guarded.get(c.src)?.role === 'bystander') unexpected(c, 'a bystander in the namespace reaches');
  }
  for (const c of result.ingressExposure) {
    if (!guarded.has(c.dst)) continue;
    // An address range (another cluster's, a fleet's) is fine when it is needed there.
    if (/^\d+\.\d+\.\d+\.\d+-\d+\.\d+\.\d+\.\d+$/.test(c.src) && inbound.some((f) => nodeMatches(c.src, { ip: f.from.ip }))) unexpected(c, 'exposed');
    else problems.push(`exposed: ${c.dst} <- ${c.src} ${connectionsText(c.conn)}`);
  }
  return problems;
}
