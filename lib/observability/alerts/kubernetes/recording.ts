import type { RecordingRule, RuleGroup } from '../../rule-group';
import { KubernetesRuleContext, maxBy } from './common';

/**
 * Recording rules for the dashboards and the resource alerts. The names are kube-prometheus's
 * where the meaning is the same (so dashboards written for it keep working); each name says
 * what its expression does:
 *
 * - `node_namespace_pod_container:container_<x>`: cAdvisor's per-container series, one per
 *   container (`container!=""` drops the pod-level cgroup, `container!="POD"` the sandbox).
 *   CPU is a rate summed over the container's cgroups; memory gauges take the largest
 *   series (a restarted container is briefly reported twice).
 * - `cluster:namespace:pod_<cpu|memory>:active:kube_pod_container_resource_<requests|limits>`:
 *   kube-state-metrics' per-container requests (limits) of pods that are Pending or Running
 *   (not finished: a completed Job's pods keep their spec but hold nothing), joined on the
 *   pod's uid so a StatefulSet pod recreated under the same name is not counted twice.
 * - `namespace_<cpu|memory>:kube_pod_container_resource_<requests|limits>:sum`: the above
 *   summed per namespace.
 * - `namespace_workload_pod:kube_pod_owner:relabel`: 1 per pod, with the workload that
 *   manages it (`workload`, `workload_type`: deployment through its ReplicaSet, cronjob
 *   through its Job, daemonset, statefulset, replicaset, job; `pod` for a pod no such
 *   controller owns, named after itself).
 * - `node_namespace_pod:kube_pod_info:`: 1 per scheduled pod, with its node.
 * - `cluster_quantile:apiserver_request_sli_duration_seconds:histogram_quantile`: quantiles
 *   of the API server's request latency (without webhooks and priority-and-fairness queueing)
 *   per verb and resource, over 5m; only where there were requests.
 * - `node_quantile:kubelet_pleg_relist_duration_seconds:histogram_quantile`: quantiles of
 *   the kubelet's pod relist duration per node, over 5m.
 * - `cluster_quantile:scheduler_<x>_duration_seconds:histogram_quantile`: quantiles of the
 *   scheduler's latencies over 5m (when kube-scheduler is scraped).
 */
export function kubernetesRecordingGroups(c: KubernetesRuleContext): RuleGroup[] {
  const containers = 'container!="", container!="POD"';
  const NPC = 'node, namespace, pod, container';
  const quantiles = [0.99, 0.9, 0.5];
  const quantile = (record: string, q: number, expr: string): RecordingRule => ({ record, expr, labels: { quantile: String(q) } });

  const resource = (resource: 'cpu' | 'memory', kind: 'requests' | 'limits'): RecordingRule[] => {
    const perPod = `cluster:namespace:pod_${resource}:active:kube_pod_container_resource_${kind}`;
    return [
      {
        record: perPod,
        expr:
          `sum by (namespace, pod, container, node) (\n` +
          `    ${maxBy('namespace, pod, uid, container, node', `kube_pod_container_resource_${kind}{resource="${resource}"}`)}\n` +
          `  * on (namespace, pod, uid) group_left ()\n` +
          `    ${maxBy('namespace, pod, uid', 'kube_pod_status_phase{phase=~"Pending|Running"} == 1')}\n)`,
      },
      { record: `namespace_${resource}:kube_pod_container_resource_${kind}:sum`, expr: `sum by (namespace) (${perPod})` },
    ];
  };

  // Relabels `from` into `to` (a copy: label_replace keeps the source label).
  const copy = (expr: string, to: string, from: string) =>
    expr.includes('\n')
      ? `label_replace(\n  ${expr.split('\n').join('\n  ')},\n  "${to}", "$1", "${from}", "(.*)"\n)`
      : `label_replace(${expr}, "${to}", "$1", "${from}", "(.*)")`;
  // One rule per workload type, the type as a rule label (the rules' label sets differ).
  const owner = (expr: string, type: string): RecordingRule => ({
    record: 'namespace_workload_pod:kube_pod_owner:relabel',
    expr: maxBy('namespace, workload, pod', `\n  ${expr.split('\n').join('\n  ')}\n`),
    labels: { workload_type: type },
  });
  const controlledBy = (kind: string) => `kube_pod_owner{owner_kind="${kind}", owner_is_controller="true"}`;
  // The ReplicaSets a Deployment owns (the Jobs a CronJob owns), keyed like a pod's owner.
  const ownedBy = (metric: string, kind: string, objectLabel: string) =>
    maxBy('namespace, owner_name, workload', copy(copy(`${metric}{owner_kind="${kind}"}`, 'workload', 'owner_name'), 'owner_name', objectLabel));
  const ownedNames = (metric: string, kind: string, objectLabel: string) => copy(`${metric}{owner_kind="${kind}"}`, 'owner_name', objectLabel);

  const groups: RuleGroup[] = [
    c.group('k8s.rules.container-cpu', [
      {
        record: 'node_namespace_pod_container:container_cpu_usage_seconds_total:sum_rate5m',
        expr: `sum by (${NPC}) (rate(container_cpu_usage_seconds_total{${containers}}[5m]))`,
      },
    ]),
    c.group(
      'k8s.rules.container-memory',
      ['working_set_bytes', 'rss', 'cache', 'swap'].map((m) => ({
        record: `node_namespace_pod_container:container_memory_${m}`,
        expr: maxBy(NPC, `container_memory_${m}{${containers}}`),
      })),
    ),
    c.group('k8s.rules.container-resources', [...resource('cpu', 'requests'), ...resource('memory', 'requests'), ...resource('cpu', 'limits'), ...resource('memory', 'limits')]),
    c.group('k8s.rules.pods', [
      owner(`${controlledBy('ReplicaSet')}\n* on (namespace, owner_name) group_left (workload)\n${ownedBy('kube_replicaset_owner', 'Deployment', 'replicaset')}`, 'deployment'),
      owner(copy(`${controlledBy('ReplicaSet')}\nunless on (namespace, owner_name)\n${ownedNames('kube_replicaset_owner', 'Deployment', 'replicaset')}`, 'workload', 'owner_name'), 'replicaset'),
      owner(copy(controlledBy('DaemonSet'), 'workload', 'owner_name'), 'daemonset'),
      owner(copy(controlledBy('StatefulSet'), 'workload', 'owner_name'), 'statefulset'),
      owner(`${controlledBy('Job')}\n* on (namespace, owner_name) group_left (workload)\n${ownedBy('kube_job_owner', 'CronJob', 'job_name')}`, 'cronjob'),
      owner(copy(`${controlledBy('Job')}\nunless on (namespace, owner_name)\n${ownedNames('kube_job_owner', 'CronJob', 'job_name')}`, 'workload', 'owner_name'), 'job'),
      owner(
        copy(`${maxBy('namespace, pod', 'kube_pod_owner')}\nunless on (namespace, pod)\nkube_pod_owner{owner_kind=~"ReplicaSet|DaemonSet|StatefulSet|Job", owner_is_controller="true"}`, 'workload', 'pod'),
        'pod',
      ),
      { record: 'node_namespace_pod:kube_pod_info:', expr: maxBy('node, namespace, pod', 'kube_pod_info{node!=""}') },
    ]),
  ];
  if (c.scraped.apiServer) {
    groups.push(
      c.group(
        'kube-apiserver.rules',
        quantiles.map((q) =>
          quantile(
            'cluster_quantile:apiserver_request_sli_duration_seconds:histogram_quantile',
            q,
            `histogram_quantile(${q}, sum by (verb, resource, le) (rate(apiserver_request_sli_duration_seconds_bucket{job="${c.jobs.apiServer}", verb!~"WATCH|CONNECT|PROXY"}[5m])))\n>= 0`,
          ),
        ),
      ),
    );
  }
  if (c.scraped.kubelet) {
    groups.push(
      c.group(
        'kubelet.rules',
        quantiles.map((q) =>
          quantile('node_quantile:kubelet_pleg_relist_duration_seconds:histogram_quantile', q, `histogram_quantile(${q}, sum by (node, le) (rate(kubelet_pleg_relist_duration_seconds_bucket[5m])))\n>= 0`),
        ),
      ),
    );
  }
  if (c.scraped.scheduler) {
    groups.push(
      c.group(
        'kube-scheduler.rules',
        ['scheduling_attempt_duration_seconds', 'scheduling_algorithm_duration_seconds', 'pod_scheduling_sli_duration_seconds'].flatMap((m) =>
          quantiles.map((q) => quantile(`cluster_quantile:scheduler_${m}:histogram_quantile`, q, `histogram_quantile(${q}, sum by (le) (rate(scheduler_${m}_bucket[5m])))\n>= 0`)),
        ),
      ),
    );
  }
  return groups;
}
