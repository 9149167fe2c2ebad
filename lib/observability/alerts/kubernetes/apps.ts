import type { RuleGroup } from '../../rule-group';
import { KubernetesRuleContext, maxBy, seconds } from './common';

/**
 * `kubernetes-apps`: pods, containers and the workloads that own them, from
 * kube-state-metrics v2 (pods, deployments, statefulsets, daemonsets, jobs,
 * horizontalpodautoscalers, poddisruptionbudgets). Every expression first reduces each
 * metric to one series per object (`max by (namespace, <kind>)`): the alert's labels then
 * name exactly the object, and a second kube-state-metrics (during its own rollout) or a
 * label the scrape adds cannot duplicate or split an alert.
 */
export function appsAlerts(c: KubernetesRuleContext): RuleGroup {
  const a = c.t.apps;
  const dep = (m: string) => maxBy('namespace, deployment', m);
  const sts = (m: string) => maxBy('namespace, statefulset', m);
  const ds = (m: string) => maxBy('namespace, daemonset', m);
  const hpa = (m: string) => maxBy('namespace, horizontalpodautoscaler', m);
  return c.group('kubernetes-apps', [
    c.alert({
      alert: 'KubePodCrashLooping',
      // Waiting in CrashLoopBackOff at any scrape of the last 5m (the state flaps between
      // runs), or restarting often: a container that dies fast may rarely be seen waiting.
      expr:
        `${maxBy('namespace, pod, container', 'max_over_time(kube_pod_container_status_waiting_reason{reason="CrashLoopBackOff"}[5m])')} >= 1\n` +
        `or\n${maxBy('namespace, pod, container', `increase(kube_pod_container_status_restarts_total[${a.crashLooping.window}])`)} > ${a.crashLooping.restarts}`,
      for: a.crashLooping.for,
      severity: a.crashLooping.severity,
      summary: 'A container is crash-looping.',
      description:
        `Container {{ $labels.container }} of pod {{ $labels.namespace }}/{{ $labels.pod }} is in CrashLoopBackOff ` +
        `or restarted more than ${a.crashLooping.restarts} times in ${a.crashLooping.window}.`,
    }),
    c.alert({
      alert: 'KubePodNotReady',
      // Pods that never got a Ready condition (Pending, unschedulable) have no
      // kube_pod_status_ready series, hence the phase check. Finished pods are ignored, and
      // so are pods held back on purpose by a scheduling gate.
      expr:
        `(\n  ${maxBy('namespace, pod', 'kube_pod_status_ready{condition="false"}')} == 1\nor\n` +
        `  ${maxBy('namespace, pod', 'kube_pod_status_phase{phase=~"Pending|Unknown"}')} == 1\n)\n` +
        `unless on (namespace, pod)\n  ${maxBy('namespace, pod', 'kube_pod_status_phase{phase=~"Succeeded|Failed"}')} == 1\n` +
        `unless on (namespace, pod)\n  ${maxBy('namespace, pod', 'kube_pod_status_reason{reason="SchedulingGated"}')} == 1`,
      for: a.podNotReady.for,
      severity: a.podNotReady.severity,
      summary: 'A pod is not ready.',
      description: `Pod {{ $labels.namespace }}/{{ $labels.pod }} has not been ready for more than ${a.podNotReady.for}.`,
    }),
    c.alert({
      alert: 'KubeContainerWaiting',
      // Not by reason: ErrImagePull and ImagePullBackOff alternate, which would restart `for`.
      expr: `${maxBy('namespace, pod, container', 'kube_pod_container_status_waiting_reason{reason!="CrashLoopBackOff"}')} == 1`,
      for: a.containerWaiting.for,
      severity: a.containerWaiting.severity,
      summary: 'A container has been waiting to start for a long time.',
      description:
        `Container {{ $labels.container }} of pod {{ $labels.namespace }}/{{ $labels.pod }} has been waiting to start for more than ${a.containerWaiting.for} ` +
        '(not a crash loop: e.g. an image that cannot be pulled, a missing Secret or ConfigMap, a volume that cannot be mounted); `kubectl describe pod` shows the reason.',
    }),
    c.alert({
      alert: 'KubeDeploymentGenerationMismatch',
      expr: `${dep('kube_deployment_metadata_generation')}\n>\n${dep('kube_deployment_status_observed_generation')}`,
      for: a.generationMismatch.for,
      severity: a.generationMismatch.severity,
      summary: 'The Deployment controller has not acted on a Deployment\'s latest spec.',
      description:
        `Deployment {{ $labels.namespace }}/{{ $labels.deployment }} is at generation {{ $value }}, which its controller has not observed for ${a.generationMismatch.for}: ` +
        'the latest change of its spec is not being rolled out.',
    }),
    c.alert({
      alert: 'KubeDeploymentReplicasMismatch',
      expr:
        `(\n  ${dep('kube_deployment_spec_replicas')}\n  -\n  ${dep('kube_deployment_status_replicas_available')}\n) > 0\n` +
        `and on (namespace, deployment)\n  ${dep(`changes(kube_deployment_status_replicas_available[${a.replicasMismatch.stallWindow}])`)} == 0\n` +
        `unless on (namespace, deployment)\n  ${dep('kube_deployment_spec_paused')} == 1`,
      for: a.replicasMismatch.for,
      severity: a.replicasMismatch.severity,
      summary: 'A Deployment has fewer available replicas than desired.',
      description:
        `Deployment {{ $labels.namespace }}/{{ $labels.deployment }} lacks {{ $value }} available replica(s), and the number of available replicas ` +
        `has not changed for ${a.replicasMismatch.stallWindow}.`,
    }),
    c.alert({
      alert: 'KubeDeploymentRolloutStuck',
      // Progressing=False is set by the controller once progressDeadlineSeconds (600s by
      // default) passed without progress (reason ProgressDeadlineExceeded).
      expr: `${dep('kube_deployment_status_condition{condition="Progressing", status="false"}')} == 1`,
      for: a.rolloutStuck.for,
      severity: a.rolloutStuck.severity,
      summary: 'A Deployment\'s rollout is not progressing.',
      description: `The rollout of Deployment {{ $labels.namespace }}/{{ $labels.deployment }} exceeded its progress deadline and has not progressed for ${a.rolloutStuck.for} more.`,
    }),
    c.alert({
      alert: 'KubeStatefulSetReplicasMismatch',
      expr:
        `(\n  ${sts('kube_statefulset_replicas')}\n  -\n  ${sts('kube_statefulset_status_replicas_ready')}\n) > 0\n` +
        `and on (namespace, statefulset)\n  ${sts(`changes(kube_statefulset_status_replicas_ready[${a.replicasMismatch.stallWindow}])`)} == 0`,
      for: a.replicasMismatch.for,
      severity: a.replicasMismatch.severity,
      summary: 'A StatefulSet has fewer ready replicas than desired.',
      description:
        `StatefulSet {{ $labels.namespace }}/{{ $labels.statefulset }} lacks {{ $value }} ready replica(s), and the number of ready replicas ` +
        `has not changed for ${a.replicasMismatch.stallWindow}.`,
    }),
    c.alert({
      alert: 'KubeStatefulSetGenerationMismatch',
      expr: `${sts('kube_statefulset_metadata_generation')}\n>\n${sts('kube_statefulset_status_observed_generation')}`,
      for: a.generationMismatch.for,
      severity: a.generationMismatch.severity,
      summary: 'The StatefulSet controller has not acted on a StatefulSet\'s latest spec.',
      description:
        `StatefulSet {{ $labels.namespace }}/{{ $labels.statefulset }} is at generation {{ $value }}, which its controller has not observed for ${a.generationMismatch.for}: ` +
        'the latest change of its spec is not being rolled out.',
    }),
    c.alert({
      alert: 'KubeStatefulSetUpdateNotRolledOut',
      // An update is pending while the update revision differs from the current one; it is
      // stuck when the count of updated pods no longer moves (OnDelete waits for deletions).
      expr:
        `(\n  ${sts('kube_statefulset_replicas')}\n  -\n  ${sts('kube_statefulset_status_replicas_updated')}\n) > 0\n` +
        `and on (namespace, statefulset)\n  count by (namespace, statefulset) (\n` +
        `    ${maxBy('namespace, statefulset, revision', 'kube_statefulset_status_update_revision')}\n` +
        `    unless on (namespace, statefulset, revision)\n    ${maxBy('namespace, statefulset, revision', 'kube_statefulset_status_current_revision')}\n  )\n` +
        `and on (namespace, statefulset)\n  ${sts(`changes(kube_statefulset_status_replicas_updated[${a.rolloutStuck.stallWindow}])`)} == 0`,
      for: a.rolloutStuck.for,
      severity: a.rolloutStuck.severity,
      summary: 'A StatefulSet\'s update is not rolled out.',
      description:
        `StatefulSet {{ $labels.namespace }}/{{ $labels.statefulset }} has {{ $value }} pod(s) not yet at its latest revision, ` +
        `and none was updated for ${a.rolloutStuck.stallWindow}.`,
    }),
    c.alert({
      alert: 'KubeDaemonSetRolloutStuck',
      expr:
        `(\n  (${ds('kube_daemonset_status_desired_number_scheduled')} - ${ds('kube_daemonset_status_updated_number_scheduled')}) > 0\n` +
        `  or\n  (${ds('kube_daemonset_status_desired_number_scheduled')} - ${ds('kube_daemonset_status_number_available')}) > 0\n)\n` +
        `and on (namespace, daemonset)\n  ${ds(`changes(kube_daemonset_status_updated_number_scheduled[${a.rolloutStuck.stallWindow}])`)} == 0\n` +
        `and on (namespace, daemonset)\n  ${ds(`changes(kube_daemonset_status_number_available[${a.rolloutStuck.stallWindow}])`)} == 0`,
      for: a.rolloutStuck.for,
      severity: a.rolloutStuck.severity,
      summary: 'A DaemonSet\'s rollout is stuck.',
      description:
        `DaemonSet {{ $labels.namespace }}/{{ $labels.daemonset }} has pods that are not updated or not available, ` +
        `and neither count changed for ${a.rolloutStuck.stallWindow}.`,
    }),
    c.alert({
      alert: 'KubeDaemonSetNotScheduled',
      expr: `(${ds('kube_daemonset_status_desired_number_scheduled')} - ${ds('kube_daemonset_status_current_number_scheduled')}) > 0`,
      for: a.daemonSetNotScheduled.for,
      severity: a.daemonSetNotScheduled.severity,
      summary: 'Pods of a DaemonSet are not scheduled.',
      description: `{{ $value }} node(s) that should run a pod of DaemonSet {{ $labels.namespace }}/{{ $labels.daemonset }} have none.`,
    }),
    c.alert({
      alert: 'KubeDaemonSetMisScheduled',
      expr: `${ds('kube_daemonset_status_number_misscheduled')} > 0`,
      for: a.daemonSetMisScheduled.for,
      severity: a.daemonSetMisScheduled.severity,
      summary: 'Pods of a DaemonSet run where they should not.',
      description: `{{ $value }} pod(s) of DaemonSet {{ $labels.namespace }}/{{ $labels.daemonset }} run on nodes that its node selector, affinity or tolerations exclude.`,
    }),
    c.alert({
      alert: 'KubeJobNotCompleted',
      expr:
        `time() - ${maxBy('namespace, job_name', 'kube_job_status_start_time')} > ${seconds(a.jobNotCompleted.activeFor)}\n` +
        `and on (namespace, job_name)\n  ${maxBy('namespace, job_name', 'kube_job_status_active')} > 0`,
      severity: a.jobNotCompleted.severity,
      summary: 'A Job has been running for a long time.',
      description: `Job {{ $labels.namespace }}/{{ $labels.job_name }} started {{ $value | humanizeDuration }} ago and still has active pods (threshold ${a.jobNotCompleted.activeFor}).`,
    }),
    c.alert({
      alert: 'KubeJobFailed',
      expr: `${maxBy('namespace, job_name', 'kube_job_failed{condition="true"}')} == 1`,
      for: a.jobFailed.for,
      severity: a.jobFailed.severity,
      summary: 'A Job failed.',
      description: `Job {{ $labels.namespace }}/{{ $labels.job_name }} failed (its Failed condition is True). The alert clears when the Job is deleted or re-run.`,
    }),
    c.alert({
      alert: 'KubeHpaReplicasMismatch',
      expr: `${hpa('kube_horizontalpodautoscaler_status_desired_replicas')}\n!=\n${hpa('kube_horizontalpodautoscaler_status_current_replicas')}`,
      for: a.hpaReplicasMismatch.for,
      severity: a.hpaReplicasMismatch.severity,
      summary: 'An autoscaler has not reached the replica count it wants.',
      description:
        `HorizontalPodAutoscaler {{ $labels.namespace }}/{{ $labels.horizontalpodautoscaler }} has wanted {{ $value }} replicas for ${a.hpaReplicasMismatch.for} ` +
        'and its target has a different number (pods that cannot be created or scheduled, a quota, a paused target).',
    }),
    c.alert({
      alert: 'KubeHpaMaxedOut',
      // An autoscaler whose minimum equals its maximum does not scale: not "maxed out".
      expr:
        `${hpa('kube_horizontalpodautoscaler_status_current_replicas')}\n>=\n${hpa('kube_horizontalpodautoscaler_spec_max_replicas')}\n` +
        `unless on (namespace, horizontalpodautoscaler)\n  ${hpa('kube_horizontalpodautoscaler_spec_max_replicas')}\n  ==\n  ${hpa('kube_horizontalpodautoscaler_spec_min_replicas')}`,
      for: a.hpaMaxedOut.for,
      severity: a.hpaMaxedOut.severity,
      summary: 'An autoscaler runs at its maximum replica count.',
      description:
        `HorizontalPodAutoscaler {{ $labels.namespace }}/{{ $labels.horizontalpodautoscaler }} has run {{ $value }} replicas, its maximum, for ${a.hpaMaxedOut.for}: ` +
        'it cannot scale further if the load grows.',
    }),
    c.alert({
      alert: 'KubePdbNotEnoughHealthyPods',
      expr:
        `(\n  ${maxBy('namespace, poddisruptionbudget', 'kube_poddisruptionbudget_status_desired_healthy')}\n  -\n` +
        `  ${maxBy('namespace, poddisruptionbudget', 'kube_poddisruptionbudget_status_current_healthy')}\n) > 0`,
      for: a.pdbNotEnoughHealthyPods.for,
      severity: a.pdbNotEnoughHealthyPods.severity,
      summary: 'A PodDisruptionBudget has fewer healthy pods than it requires.',
      description:
        `PodDisruptionBudget {{ $labels.namespace }}/{{ $labels.poddisruptionbudget }} needs {{ $value }} more healthy pod(s): ` +
        'no voluntary disruption (drain, eviction) of its pods is allowed until they recover.',
    }),
  ]);
}
