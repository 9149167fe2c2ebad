/**
 * How much of kube-prometheus's alerting a team keeps when it replaces kube-prometheus with
 * this stack (issue 17): the alert names of kube-prometheus's rule files
 * (../shared/fixtures/kube-prometheus, its `manifests/` at commit 4d719f1d) against the alert
 * names of every rule group the stack synthesizes for an environment (all components, all
 * owners). Left out of the peer: prometheus-operator's own alerts (the stack runs no
 * operator) and the remote-write alerts (the stack configures no remote write).
 *
 * For the Kubernetes files (kubernetesControlPlane, kubeStateMetrics) every name must be
 * there, except those listed below with the reason; the share over all files must reach
 * the goal.
 */
import { readFileSync, readdirSync } from 'fs';
import { join, resolve } from 'path';
import { parse } from 'yaml';
import { Testing } from 'cdk8s';
import { production } from '../../lib/config';
import { isAlertingRule } from '../../lib/observability/rule-group';
import { MonitoringStack } from '../../lib/stack';

// ../shared beside the checkout; SHARED_DIR where the checkout is elsewhere (a git worktree).
const FIXTURES = resolve(process.env.SHARED_DIR ?? resolve(__dirname, '..', '..', '..', 'shared'), 'fixtures', 'kube-prometheus');
const GOAL = 0.9;

/** prometheus-operator's own group, and alerts that need remote write. */
const NOT_APPLICABLE_GROUPS = new Set(['prometheus-operator']);
const REMOTE_WRITE = new Set(['PrometheusRemoteStorageFailures', 'PrometheusRemoteWriteBehind', 'PrometheusRemoteWriteDesiredShards']);

/** Kubernetes names deliberately not in the default rule set, and why. */
const KUBERNETES_LEFT_OUT: Record<string, string> = {
  KubeSchedulerDown: 'kube-scheduler is not scraped by default (managed clusters do not expose it); the group exists when it is',
  KubeSchedulerInstanceUnreachable: 'as KubeSchedulerDown',
  KubeControllerManagerDown: 'kube-controller-manager is not scraped by default (managed clusters do not expose it); the group exists when it is',
  KubeControllerManagerInstanceUnreachable: 'as KubeControllerManagerDown',
};

interface PeerAlert {
  readonly file: string;
  readonly group: string;
  readonly alert: string;
}

function peerAlerts(): PeerAlert[] {
  const out: PeerAlert[] = [];
  for (const file of readdirSync(FIXTURES).filter((f) => f.endsWith('-prometheusRule.yaml')).sort()) {
    const doc = parse(readFileSync(join(FIXTURES, file), 'utf8')) as { spec: { groups: Array<{ name: string; rules: Array<{ alert?: string }> }> } };
    for (const g of doc.spec.groups) for (const r of g.rules) if (r.alert) out.push({ file, group: g.name, alert: r.alert });
  }
  return out;
}

function stackAlertNames(): Set<string> {
  const stack = new MonitoringStack(Testing.app(), 'stack', production);
  return new Set(stack.context.rules.all().flatMap((g) => g.rules.filter(isAlertingRule).map((r) => r.alert)));
}

describe('kube-prometheus alert names kept by the stack (production environment)', () => {
  const peer = peerAlerts();
  const applicable = peer.filter((a) => !NOT_APPLICABLE_GROUPS.has(a.group) && !REMOTE_WRITE.has(a.alert));
  const names = [...new Set(applicable.map((a) => a.alert))].sort();
  const ours = stackAlertNames();
  const kept = names.filter((n) => ours.has(n));
  const missing = names.filter((n) => !ours.has(n));

  it('reads the peer: the applicable alerting rules and names', () => {
    // The issue counts 128 applicable alerting rules (several share a name, e.g. a warning and a critical).
    expect(applicable.length).toBe(128);
    expect(names.length).toBeGreaterThan(100);
    // Shown in the test log: the figures of the report, per file and in all.
    const files = [...new Set(applicable.map((a) => a.file))];
    const perFile = files.map((f) => {
      const n = [...new Set(applicable.filter((a) => a.file === f).map((a) => a.alert))];
      return `  ${f}: ${n.filter((x) => ours.has(x)).length} of ${n.length}`;
    });
    console.log(
      `kube-prometheus alert names kept: ${kept.length} of ${names.length} (${((100 * kept.length) / names.length).toFixed(1)}%)\n${perFile.join('\n')}\n` +
        `missing (${missing.length}): ${missing.join(', ')}`,
    );
  });

  it('keeps every Kubernetes alert name (kubernetesControlPlane, kubeStateMetrics) except those left out on purpose', () => {
    const kubernetesNames = [...new Set(applicable.filter((a) => /^(kubernetesControlPlane|kubeStateMetrics)-/.test(a.file)).map((a) => a.alert))].sort();
    expect(kubernetesNames.length).toBe(59);
    expect(kubernetesNames.filter((n) => !ours.has(n))).toEqual(Object.keys(KUBERNETES_LEFT_OUT).sort());
  });

  it(`keeps at least ${GOAL * 100}% of all applicable names`, () => {
    expect(kept.length / names.length).toBeGreaterThanOrEqual(GOAL);
  });
});
