import type { RuleGroup } from '../../rule-group';
import { KubernetesRuleContext } from './common';

/**
 * `kubernetes-system-scheduler` and `kubernetes-system-controller-manager`: whether the
 * component can be scraped. Only for clusters where it is (see `scraped` in the
 * options): managed clusters do not expose them.
 */
export function controlPlaneAlerts(c: KubernetesRuleContext): RuleGroup[] {
  const t = c.t.controlPlane;
  const component = (group: string, prefix: string, job: string, what: string, consequence: string): RuleGroup =>
    c.group(group, [
      c.alert({
        alert: `${prefix}Down`,
        expr: `absent(up{job="${job}"} == 1)`,
        for: t.down.for,
        severity: t.down.severity,
        summary: `No ${what} can be scraped.`,
        description: `No target of job ${job} has been up for ${t.down.for}: ${what} is down or unreachable from Prometheus, and ${consequence}.`,
      }),
      c.alert({
        alert: `${prefix}InstanceUnreachable`,
        expr: `up{job="${job}"} == 0`,
        for: t.instanceUnreachable.for,
        severity: t.instanceUnreachable.severity,
        summary: `A ${what} instance cannot be scraped.`,
        description: `${what} {{ $labels.instance }} (node {{ $labels.node }}) has been unreachable from Prometheus for ${t.instanceUnreachable.for}.`,
      }),
    ]);
  return [
    ...(c.scraped.scheduler ? [component('kubernetes-system-scheduler', 'KubeScheduler', c.jobs.scheduler, 'kube-scheduler', 'if it is really down no new pod gets a node')] : []),
    ...(c.scraped.controllerManager
      ? [component('kubernetes-system-controller-manager', 'KubeControllerManager', c.jobs.controllerManager, 'kube-controller-manager', 'if it is really down no controller (Deployments, ReplicaSets, nodes, endpoints) acts')]
      : []),
  ];
}
