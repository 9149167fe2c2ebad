import type { RuleGroup } from '../../rule-group';
import { KubernetesRuleContext, percent } from './common';

/** `kubernetes-system`: the versions the components run, and the health of API clients. */
export function systemAlerts(c: KubernetesRuleContext): RuleGroup {
  const s = c.t.system;
  const j = c.jobs;
  // kubernetes_build_info is exposed by every Kubernetes component (and by other programs
  // built on its libraries): only the control plane and the kubelets count.
  const components = [j.apiServer, j.kubelet, j.scheduler, j.controllerManager].map((x) => x.replace(/[.]/g, '\\\\.')).join('|');
  const requests = (matchers: string) => `sum by (job, instance) (rate(rest_client_requests_total${matchers}[5m]))`;
  return c.group('kubernetes-system', [
    c.alert({
      alert: 'KubeVersionMismatch',
      expr:
        `count(\n  count by (minor_version) (\n    label_replace(kubernetes_build_info{job=~"${components}"}, "minor_version", "$1", "git_version", "v?([0-9]+[.][0-9]+).*")\n  )\n) > 1`,
      for: s.versionMismatch.for,
      severity: s.versionMismatch.severity,
      summary: 'Kubernetes components run different minor versions.',
      description:
        `The API servers, kubelets and control-plane components run {{ $value }} different minor versions of Kubernetes for ${s.versionMismatch.for}; ` +
        'expected during an upgrade, a problem when it lasts (version skew policy).',
    }),
    c.alert({
      alert: 'KubeClientErrors',
      // code "<error>": the request got no HTTP response (connection refused, timeout).
      expr: `${requests('{code=~"5..|<error>"}')}\n/\n${requests('')}\n> ${s.clientErrors.errorRatio}`,
      for: s.clientErrors.for,
      severity: s.clientErrors.severity,
      summary: 'A Kubernetes API client sees many errors.',
      description:
        `{{ $value | humanizePercentage }} of the API requests of {{ $labels.job }} ({{ $labels.instance }}) failed with a 5xx or got no response over 5m ` +
        `(threshold ${percent(s.clientErrors.errorRatio)}%).`,
    }),
  ]);
}
