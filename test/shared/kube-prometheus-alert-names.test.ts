import { existsSync, readFileSync } from 'fs';
import { join, resolve } from 'path';
import { parseAllDocuments } from 'yaml';
import { generalAlerts } from '../../lib/observability/alerts/general';
import { prometheusAlerts } from '../../lib/observability/alerts/metrics-pipeline';
import { nodeAlerts } from '../../lib/observability/alerts/node';
import { alertmanagerAlerts, configReloaderAlerts, grafanaRequestsFailingAlert } from '../../lib/observability/alerts/stack';
import { AlertingRule, isAlertingRule } from '../../lib/observability/rule-group';

/**
 * The node, general, Prometheus, Alertmanager, Grafana and config-reloader alerts against
 * kube-prometheus's rule files (../shared/fixtures/kube-prometheus, the peer): every alert name
 * of those files exists here, links the same public runbook by default, and has the same
 * severities but for the differences listed (and explained) below.
 */

const REPO = resolve(__dirname, '..', '..');
// ../shared next to the repository (a clone), or next to the folder of worktrees.
const SHARED = [resolve(REPO, '..', 'shared'), resolve(REPO, '..', '..', 'shared')].find((d) => existsSync(join(d, 'fixtures', 'kube-prometheus')));
const FIXTURES = join(SHARED ?? resolve(REPO, '..', 'shared'), 'fixtures', 'kube-prometheus');

interface PeerRule {
  readonly alert?: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
}

/** Alert rules of the given groups of a fixture file. */
function peer(file: string, groups?: readonly string[]): PeerRule[] {
  const docs = parseAllDocuments(readFileSync(join(FIXTURES, file), 'utf8')).map((d) => d.toJS());
  return docs.flatMap((d) => (d.spec.groups as { name: string; rules: PeerRule[] }[]).filter((g) => !groups || groups.includes(g.name)).flatMap((g) => g.rules.filter((r) => r.alert)));
}

const PEER = [
  ...peer('nodeExporter-prometheusRule.yaml'),
  ...peer('kubePrometheus-prometheusRule.yaml', ['general.rules', 'node-network']),
  ...peer('prometheus-prometheusRule.yaml'),
  ...peer('alertmanager-prometheusRule.yaml'),
  ...peer('grafana-prometheusRule.yaml'),
  // prometheus-operator's own alerts are left out (no operator runs here); its config-reloader alert is about our reloaders too.
  ...peer('prometheusOperator-prometheusRule.yaml', ['config-reloaders']),
];

const RB = 'https://runbooks.example.com/observability';
const OURS: AlertingRule[] = [
  ...nodeAlerts({ runbookBaseUrl: RB }),
  generalAlerts({ runbookBaseUrl: RB }),
  prometheusAlerts({ runbookBaseUrl: RB, remoteWrite: true }),
  alertmanagerAlerts({ runbookBaseUrl: RB }),
  configReloaderAlerts({ runbookBaseUrl: RB }),
  { name: 'grafana', rules: [grafanaRequestsFailingAlert({ runbookBaseUrl: RB, selector: 'job="grafana"' })] },
]
  .flatMap((g) => g.rules)
  .filter(isAlertingRule);

const severities = (rules: readonly { alert?: string; labels?: Record<string, string> }[], name: string) =>
  [...new Set(rules.filter((r) => r.alert === name).map((r) => r.labels?.severity ?? ''))].sort().join(',');

describe('kube-prometheus alert names (node, general, Prometheus, Alertmanager, Grafana, config reloaders)', () => {
  const names = [...new Set(PEER.map((r) => r.alert!))];

  test('the fixtures are there', () => {
    expect(names.length).toBeGreaterThanOrEqual(55);
  });

  test('every name exists here (the remote-write ones with remoteWrite)', () => {
    const ours = new Set(OURS.map((r) => r.alert));
    expect(names.filter((n) => !ours.has(n))).toEqual([]);
  });

  test('each links the same public runbook as kube-prometheus', () => {
    for (const name of names) {
      const theirs = PEER.find((r) => r.alert === name)!.annotations!.runbook_url;
      const ours = [...new Set(OURS.filter((r) => r.alert === name).map((r) => r.annotations!.runbook_url))];
      expect({ name, ours }).toEqual({ name, ours: [theirs] });
    }
  });

  test('severities are kube-prometheus\'s but for these differences', () => {
    const differences = names.filter((n) => severities(PEER, n) !== severities(OURS, n)).map((n) => `${n}: ${severities(PEER, n)} -> ${severities(OURS, n)}`);
    expect(differences).toEqual([
      // Prometheus keeps running the previous configuration and rules: nothing stops alerting (the stack's choice before this change).
      'PrometheusBadConfig: critical -> warning',
      // kube-prometheus splits it by integration (critical for a configurable list, warning for the others); every integration here is one an on-call relies on.
      'AlertmanagerClusterFailedToSendAlerts: critical,warning -> critical',
    ]);
  });
});
