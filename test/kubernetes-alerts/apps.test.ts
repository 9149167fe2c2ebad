import { AlertTest, GROUPS, KSM, Mutation, Series, T, expectPass, expectPinned, fired, group, minutes, only, ramp, s, shift, unitTest } from './harness';

/**
 * kubernetes-apps: each alert fires about the right object (namespace and pod, container,
 * workload) and stays quiet for the look-alikes; every configurable number is pinned by data
 * just above and just below the configured value (taken from the thresholds, so a changed
 * default changes the data), and every `for` by evaluations one minute either side.
 */

const apps = [group('kubernetes-apps', GROUPS)];

/** Runs the scenario on the generated rules, then on each mutation, which must fail it. */
function pinned(alert: string, series: readonly Series[], tests: readonly AlertTest[], mutations: readonly Mutation[]): void {
  expectPinned((g) => unitTest(g, series, tests), only(apps, alert), alert, mutations);
}
/** The `for` one minute either side of the evaluations is caught. */
const forMoved = (d: string): Mutation[] => [{ for: shift(d, 2) }, { for: shift(d, -2) }];
const A = T.apps;
const ksm = (metric: string, labels: Record<string, string>, values: string): Series => ({ series: s(metric, { ...labels, ...KSM }), values });
const n = (d: string) => minutes(d);

/** A gauge that is `before` at 0m and `after` from 1m on (one change, a minute in). */
const stepAt1 = (before: number, after: number, total: number) => `${before} ${after}x${total}`;

describe('kubernetes-apps', () => {
  it('KubePodCrashLooping: CrashLoopBackOff (even flapping), or more restarts than configured in the window', () => {
    const { restarts, window } = A.crashLooping;
    const w = n(window);
    const pod = (p: string) => ({ namespace: 'shop', pod: p, uid: `uid-${p}`, container: 'app' });
    const total = w + n(A.crashLooping.for) + 30;
    const series = [
      ksm('kube_pod_container_status_waiting_reason', { ...pod('flapping'), reason: 'CrashLoopBackOff' }, Array.from({ length: total }, (_, i) => (i % 3 === 0 ? '1' : '_')).join(' ')),
      ksm('kube_pod_container_status_restarts_total', pod('flapping'), '0x' + total),
      // restarts + 0.5 and restarts - 0.5 per window, as steady rates.
      ksm('kube_pod_container_status_restarts_total', pod('above'), ramp(0, (restarts + 0.5) / w, total)),
      ksm('kube_pod_container_status_restarts_total', pod('below'), ramp(0, (restarts - 0.5) / w, total)),
      ksm('kube_pod_container_status_waiting_reason', { ...pod('creating'), reason: 'ContainerCreating' }, '1x' + total),
    ];
    const alert = (p: string) => fired('KubePodCrashLooping', { namespace: 'shop', pod: p, container: 'app' }, `Container app of pod shop/${p} is in CrashLoopBackOff or restarted more than ${restarts} times in ${window}.`);
    const f = n(A.crashLooping.for);
    pinned('KubePodCrashLooping', series, [
      { eval_time: `${f - 1}m`, alertname: 'KubePodCrashLooping', exp_alerts: [] },
      { eval_time: `${f + 1}m`, alertname: 'KubePodCrashLooping', exp_alerts: [alert('flapping')] },
      { eval_time: `${w + f + 10}m`, alertname: 'KubePodCrashLooping', exp_alerts: [alert('flapping'), alert('above')] },
    ], [...forMoved(A.crashLooping.for), { expr: [`> ${restarts}`, `> ${restarts + 1}`] }, { expr: [`> ${restarts}`, `> ${restarts - 1}`] }, { expr: [`[${window}]`, `[${w + 4}m]`] }, { expr: [`[${window}]`, `[${w - 3}m]`] }]);
  });

  it('KubePodNotReady: unready and Pending pods; not finished, ready or scheduling-gated ones', () => {
    const p = (pod: string) => ({ namespace: 'shop', pod, uid: `uid-${pod}` });
    const f = n(A.podNotReady.for);
    const len = f + 5;
    const series = [
      ksm('kube_pod_status_ready', { ...p('unready'), condition: 'false' }, `1x${len}`),
      ksm('kube_pod_status_ready', { ...p('unready'), condition: 'true' }, `0x${len}`),
      ksm('kube_pod_status_phase', { ...p('unready'), phase: 'Running' }, `1x${len}`),
      ksm('kube_pod_status_phase', { ...p('pending'), phase: 'Pending' }, `1x${len}`),
      ksm('kube_pod_status_phase', { ...p('pending'), phase: 'Running' }, `0x${len}`),
      ksm('kube_pod_status_ready', { ...p('done'), condition: 'false' }, `1x${len}`),
      ksm('kube_pod_status_phase', { ...p('done'), phase: 'Succeeded' }, `1x${len}`),
      ksm('kube_pod_status_ready', { ...p('healthy'), condition: 'true' }, `1x${len}`),
      ksm('kube_pod_status_ready', { ...p('healthy'), condition: 'false' }, `0x${len}`),
      ksm('kube_pod_status_phase', { ...p('healthy'), phase: 'Running' }, `1x${len}`),
      ksm('kube_pod_status_phase', { ...p('gated'), phase: 'Pending' }, `1x${len}`),
      ksm('kube_pod_status_reason', { ...p('gated'), reason: 'SchedulingGated' }, `1x${len}`),
      ksm('kube_pod_status_reason', { ...p('pending'), reason: 'SchedulingGated' }, `0x${len}`),
    ];
    const alert = (pod: string) => fired('KubePodNotReady', { namespace: 'shop', pod }, `Pod shop/${pod} has not been ready for more than ${A.podNotReady.for}.`);
    pinned('KubePodNotReady', series, [
      { eval_time: `${f - 1}m`, alertname: 'KubePodNotReady', exp_alerts: [] },
      { eval_time: `${f + 1}m`, alertname: 'KubePodNotReady', exp_alerts: [alert('unready'), alert('pending')] },
    ], forMoved(A.podNotReady.for));
  });

  it('KubeContainerWaiting: a container waiting to start, even when the reason alternates; not crash loops, not short waits', () => {
    const f = n(A.containerWaiting.for);
    const len = f + 5;
    const c = (pod: string, reason: string) => ({ namespace: 'shop', pod, uid: `uid-${pod}`, container: 'app', reason });
    // ErrImagePull and ImagePullBackOff take turns, each absent for 6 minutes (longer than
    // the 5m lookback): one series per reason would keep restarting `for`.
    const turns = (first: boolean) => Array.from({ length: len + 1 }, (_, i) => ((Math.floor(i / 6) % 2 === 0) === first ? '1' : '_')).join(' ');
    const series = [
      ksm('kube_pod_container_status_waiting_reason', c('pull', 'ErrImagePull'), turns(true)),
      ksm('kube_pod_container_status_waiting_reason', c('pull', 'ImagePullBackOff'), turns(false)),
      ksm('kube_pod_container_status_waiting_reason', c('crash', 'CrashLoopBackOff'), `1x${len}`),
      // Waited 10 minutes, then started.
      ksm('kube_pod_container_status_waiting_reason', c('slow', 'ContainerCreating'), `1x10`),
    ];
    const alert = fired(
      'KubeContainerWaiting',
      { namespace: 'shop', pod: 'pull', container: 'app' },
      `Container app of pod shop/pull has been waiting to start for more than ${A.containerWaiting.for} (not a crash loop: e.g. an image that cannot be pulled, a missing Secret or ConfigMap, a volume that cannot be mounted); \`kubectl describe pod\` shows the reason.`,
    );
    pinned('KubeContainerWaiting', series, [
      { eval_time: `${f - 1}m`, alertname: 'KubeContainerWaiting', exp_alerts: [] },
      { eval_time: `${f + 1}m`, alertname: 'KubeContainerWaiting', exp_alerts: [alert] },
    ], forMoved(A.containerWaiting.for));
  });

  it.each([
    ['KubeDeploymentGenerationMismatch', 'deployment', 'Deployment'],
    ['KubeStatefulSetGenerationMismatch', 'statefulset', 'StatefulSet'],
  ])('%s: the controller has not observed the latest generation; quiet once it has', (alertname, kind, Kind) => {
    const f = n(A.generationMismatch.for);
    const len = f + 5;
    const o = (name: string) => ({ namespace: 'shop', [kind]: name });
    const series = [
      ksm(`kube_${kind}_metadata_generation`, o('stuck'), `7x${len}`),
      ksm(`kube_${kind}_status_observed_generation`, o('stuck'), `6x${len}`),
      ksm(`kube_${kind}_metadata_generation`, o('current'), `7x${len}`),
      ksm(`kube_${kind}_status_observed_generation`, o('current'), `7x${len}`),
      // Observes the new generation after 5 minutes (a normal update).
      ksm(`kube_${kind}_metadata_generation`, o('updating'), `7x${len}`),
      ksm(`kube_${kind}_status_observed_generation`, o('updating'), `6x5 7x${len - 5}`),
    ];
    const alert = fired(alertname, o('stuck'), `${Kind} shop/stuck is at generation 7, which its controller has not observed for ${A.generationMismatch.for}: the latest change of its spec is not being rolled out.`);
    pinned(alertname, series, [
      { eval_time: `${f - 1}m`, alertname, exp_alerts: [] },
      { eval_time: `${f + 1}m`, alertname, exp_alerts: [alert] },
    ], forMoved(A.generationMismatch.for));
  });

  it('KubeDeploymentReplicasMismatch: replicas missing and the available count stalled for the window; not while it moves, not when paused', () => {
    const { stallWindow, for: forD } = A.replicasMismatch;
    const w = n(stallWindow);
    const f = n(forD);
    const len = w + f + 10;
    const d = (name: string) => ({ namespace: 'shop', deployment: name });
    const series = [
      ksm('kube_deployment_spec_replicas', d('missing'), `3x${len}`),
      ksm('kube_deployment_status_replicas_available', d('missing'), `2x${len}`),
      // One change a minute in, then stalled: the window decides when the condition starts.
      ksm('kube_deployment_spec_replicas', d('stalled'), `3x${len}`),
      ksm('kube_deployment_status_replicas_available', d('stalled'), stepAt1(1, 2, len)),
      // A rollout that keeps making progress.
      ksm('kube_deployment_spec_replicas', d('rolling'), `10x${len}`),
      ksm('kube_deployment_status_replicas_available', d('rolling'), Array.from({ length: len + 1 }, (_, i) => (Math.floor(i / 3) % 2 === 0 ? 8 : 9)).join(' ')),
      ksm('kube_deployment_spec_replicas', d('paused'), `3x${len}`),
      ksm('kube_deployment_status_replicas_available', d('paused'), `1x${len}`),
      ksm('kube_deployment_spec_paused', d('paused'), `1x${len}`),
      ksm('kube_deployment_spec_paused', d('missing'), `0x${len}`),
      ksm('kube_deployment_spec_replicas', d('complete'), `3x${len}`),
      ksm('kube_deployment_status_replicas_available', d('complete'), `3x${len}`),
    ];
    const alert = (name: string) =>
      fired('KubeDeploymentReplicasMismatch', d(name), `Deployment shop/${name} lacks 1 available replica(s), and the number of available replicas has not changed for ${stallWindow}.`);
    pinned('KubeDeploymentReplicasMismatch', series, [
      { eval_time: `${f - 1}m`, alertname: 'KubeDeploymentReplicasMismatch', exp_alerts: [] },
      { eval_time: `${f + 1}m`, alertname: 'KubeDeploymentReplicasMismatch', exp_alerts: [alert('missing')] },
      { eval_time: `${w + f - 1}m`, alertname: 'KubeDeploymentReplicasMismatch', exp_alerts: [alert('missing')] },
      { eval_time: `${w + f + 1}m`, alertname: 'KubeDeploymentReplicasMismatch', exp_alerts: [alert('missing'), alert('stalled')] },
    ], [...forMoved(forD), { expr: [`[${stallWindow}]`, `[${w + 2}m]`] }, { expr: [`[${stallWindow}]`, `[${w - 2}m]`] }]);
  });

  it('KubeStatefulSetReplicasMismatch: ready replicas missing and stalled for the window; not while the count moves', () => {
    const { stallWindow } = A.replicasMismatch;
    const w = n(stallWindow);
    const f = n(A.replicasMismatch.for);
    const len = w + f + 10;
    const o = (name: string) => ({ namespace: 'db', statefulset: name });
    const series = [
      ksm('kube_statefulset_replicas', o('stalled'), `3x${len}`),
      ksm('kube_statefulset_status_replicas_ready', o('stalled'), stepAt1(0, 1, len)),
      ksm('kube_statefulset_replicas', o('starting'), `5x${len}`),
      ksm('kube_statefulset_status_replicas_ready', o('starting'), ramp(0, 0.25, len)),
      ksm('kube_statefulset_replicas', o('ready'), `3x${len}`),
      ksm('kube_statefulset_status_replicas_ready', o('ready'), `3x${len}`),
    ];
    const alert = fired('KubeStatefulSetReplicasMismatch', o('stalled'), `StatefulSet db/stalled lacks 2 ready replica(s), and the number of ready replicas has not changed for ${stallWindow}.`);
    pinned('KubeStatefulSetReplicasMismatch', series, [
      { eval_time: `${w + f - 1}m`, alertname: 'KubeStatefulSetReplicasMismatch', exp_alerts: [] },
      { eval_time: `${w + f + 1}m`, alertname: 'KubeStatefulSetReplicasMismatch', exp_alerts: [alert] },
    ], [...forMoved(A.replicasMismatch.for), { expr: [`[${stallWindow}]`, `[${w + 2}m]`] }, { expr: [`[${stallWindow}]`, `[${w - 2}m]`] }]);
  });

  it('KubeDeploymentRolloutStuck: Progressing=False (deadline exceeded); quiet while Progressing=True', () => {
    const f = n(A.rolloutStuck.for);
    const len = f + 5;
    const cond = (name: string, status: string, value: number, reason: string) =>
      ksm('kube_deployment_status_condition', { namespace: 'shop', deployment: name, condition: 'Progressing', status, reason }, `${value}x${len}`);
    const series = [
      cond('stuck', 'true', 0, 'ProgressDeadlineExceeded'),
      cond('stuck', 'false', 1, 'ProgressDeadlineExceeded'),
      cond('stuck', 'unknown', 0, 'ProgressDeadlineExceeded'),
      cond('fine', 'true', 1, 'NewReplicaSetAvailable'),
      cond('fine', 'false', 0, 'NewReplicaSetAvailable'),
      cond('fine', 'unknown', 0, 'NewReplicaSetAvailable'),
    ];
    const alert = fired(
      'KubeDeploymentRolloutStuck',
      { namespace: 'shop', deployment: 'stuck' },
      `The rollout of Deployment shop/stuck exceeded its progress deadline and has not progressed for ${A.rolloutStuck.for} more.`,
    );
    pinned('KubeDeploymentRolloutStuck', series, [
      { eval_time: `${f - 1}m`, alertname: 'KubeDeploymentRolloutStuck', exp_alerts: [] },
      { eval_time: `${f + 1}m`, alertname: 'KubeDeploymentRolloutStuck', exp_alerts: [alert] },
    ], forMoved(A.rolloutStuck.for));
  });

  it('KubeStatefulSetUpdateNotRolledOut: revisions differ and no pod updated for the window; not when done or progressing', () => {
    const w = n(A.rolloutStuck.stallWindow);
    const f = n(A.rolloutStuck.for);
    const len = w + f + 10;
    const o = (name: string, extra: Record<string, string> = {}) => ({ namespace: 'db', statefulset: name, ...extra });
    const series = [
      ksm('kube_statefulset_replicas', o('stuck'), `3x${len}`),
      ksm('kube_statefulset_status_replicas_updated', o('stuck'), stepAt1(0, 1, len)),
      ksm('kube_statefulset_status_current_revision', o('stuck', { revision: 'stuck-6c9f' }), `1x${len}`),
      ksm('kube_statefulset_status_update_revision', o('stuck', { revision: 'stuck-7d4b' }), `1x${len}`),
      ksm('kube_statefulset_replicas', o('rolling'), `6x${len}`),
      ksm('kube_statefulset_status_replicas_updated', o('rolling'), ramp(0, 0.2, len)),
      ksm('kube_statefulset_status_current_revision', o('rolling', { revision: 'rolling-1' }), `1x${len}`),
      ksm('kube_statefulset_status_update_revision', o('rolling', { revision: 'rolling-2' }), `1x${len}`),
      ksm('kube_statefulset_replicas', o('done'), `3x${len}`),
      ksm('kube_statefulset_status_replicas_updated', o('done'), `3x${len}`),
      ksm('kube_statefulset_status_current_revision', o('done', { revision: 'done-2' }), `1x${len}`),
      ksm('kube_statefulset_status_update_revision', o('done', { revision: 'done-2' }), `1x${len}`),
    ];
    const alert = fired(
      'KubeStatefulSetUpdateNotRolledOut',
      o('stuck'),
      `StatefulSet db/stuck has 2 pod(s) not yet at its latest revision, and none was updated for ${A.rolloutStuck.stallWindow}.`,
    );
    pinned('KubeStatefulSetUpdateNotRolledOut', series, [
      { eval_time: `${w + f - 1}m`, alertname: 'KubeStatefulSetUpdateNotRolledOut', exp_alerts: [] },
      { eval_time: `${w + f + 1}m`, alertname: 'KubeStatefulSetUpdateNotRolledOut', exp_alerts: [alert] },
    ], [...forMoved(A.rolloutStuck.for), { expr: [`[${A.rolloutStuck.stallWindow}]`, `[${w + 2}m]`] }, { expr: [`[${A.rolloutStuck.stallWindow}]`, `[${w - 2}m]`] }]);
  });

  it('KubeDaemonSetRolloutStuck: pods not updated or not available, stalled for the window; not while the rollout moves', () => {
    const w = n(A.rolloutStuck.stallWindow);
    const f = n(A.rolloutStuck.for);
    const len = w + f + 10;
    const o = (name: string) => ({ namespace: 'kube-system', daemonset: name });
    const ds = (name: string, desired: string, updated: string, available: string): Series[] => [
      ksm('kube_daemonset_status_desired_number_scheduled', o(name), desired),
      ksm('kube_daemonset_status_updated_number_scheduled', o(name), updated),
      ksm('kube_daemonset_status_number_available', o(name), available),
    ];
    const series = [
      ...ds('not-updated', `5x${len}`, stepAt1(2, 3, len), `5x${len}`),
      ...ds('unavailable', `5x${len}`, `5x${len}`, stepAt1(3, 4, len)),
      ...ds('rolling', `20x${len}`, ramp(0, 0.25, len), `20x${len}`),
      ...ds('done', `5x${len}`, `5x${len}`, `5x${len}`),
    ];
    const alert = (name: string) =>
      fired('KubeDaemonSetRolloutStuck', o(name), `DaemonSet kube-system/${name} has pods that are not updated or not available, and neither count changed for ${A.rolloutStuck.stallWindow}.`);
    const stall = A.rolloutStuck.stallWindow;
    pinned('KubeDaemonSetRolloutStuck', series, [
      { eval_time: `${w + f - 1}m`, alertname: 'KubeDaemonSetRolloutStuck', exp_alerts: [] },
      { eval_time: `${w + f + 1}m`, alertname: 'KubeDaemonSetRolloutStuck', exp_alerts: [alert('not-updated'), alert('unavailable')] },
    ], [...forMoved(A.rolloutStuck.for), { expr: [`[${stall}]`, `[${w + 2}m]`], all: true }, { expr: [`[${stall}]`, `[${w - 2}m]`], all: true }]);
  });

  it('KubeDaemonSetNotScheduled and KubeDaemonSetMisScheduled: counted per DaemonSet', () => {
    const f1 = n(A.daemonSetNotScheduled.for);
    const f2 = n(A.daemonSetMisScheduled.for);
    const len = Math.max(f1, f2) + 5;
    const o = (name: string) => ({ namespace: 'kube-system', daemonset: name });
    const series = [
      ksm('kube_daemonset_status_desired_number_scheduled', o('agent'), `5x${len}`),
      ksm('kube_daemonset_status_current_number_scheduled', o('agent'), `3x${len}`),
      ksm('kube_daemonset_status_number_misscheduled', o('agent'), `0x${len}`),
      ksm('kube_daemonset_status_desired_number_scheduled', o('proxy'), `5x${len}`),
      ksm('kube_daemonset_status_current_number_scheduled', o('proxy'), `5x${len}`),
      ksm('kube_daemonset_status_number_misscheduled', o('proxy'), `2x${len}`),
    ];
    expectPass(
      unitTest(apps, series, [
        { eval_time: `${f1 - 1}m`, alertname: 'KubeDaemonSetNotScheduled', exp_alerts: [] },
        {
          eval_time: `${f1 + 1}m`,
          alertname: 'KubeDaemonSetNotScheduled',
          exp_alerts: [fired('KubeDaemonSetNotScheduled', o('agent'), '2 node(s) that should run a pod of DaemonSet kube-system/agent have none.')],
        },
        { eval_time: `${f2 - 1}m`, alertname: 'KubeDaemonSetMisScheduled', exp_alerts: [] },
        {
          eval_time: `${f2 + 1}m`,
          alertname: 'KubeDaemonSetMisScheduled',
          exp_alerts: [fired('KubeDaemonSetMisScheduled', o('proxy'), '2 pod(s) of DaemonSet kube-system/proxy run on nodes that its node selector, affinity or tolerations exclude.')],
        },
      ]),
    );
  });

  it('KubeJobNotCompleted: a Job with active pods older than the configured time; not finished Jobs', () => {
    const limit = n(A.jobNotCompleted.activeFor);
    const len = limit + 5;
    const j = (name: string) => ({ namespace: 'batch', job_name: name });
    // Both started at the test's time 0 (kube_job_status_start_time is a Unix time).
    const series = [
      ksm('kube_job_status_start_time', j('long'), `0x${len}`),
      ksm('kube_job_status_active', j('long'), `1x${len}`),
      ksm('kube_job_status_start_time', j('done'), `0x${len}`),
      ksm('kube_job_status_active', j('done'), `0x${len}`),
    ];
    const over = limit + 1;
    const alert = fired(
      'KubeJobNotCompleted',
      j('long'),
      `Job batch/long started ${Math.floor(over / 60)}h ${over % 60}m 0s ago and still has active pods (threshold ${A.jobNotCompleted.activeFor}).`,
    );
    pinned('KubeJobNotCompleted', series, [
      { eval_time: `${limit - 1}m`, alertname: 'KubeJobNotCompleted', exp_alerts: [] },
      { eval_time: `${over}m`, alertname: 'KubeJobNotCompleted', exp_alerts: [alert] },
    ], [{ expr: [`> ${limit * 60}`, `> ${(limit + 2) * 60}`] }, { expr: [`> ${limit * 60}`, `> ${(limit - 2) * 60}`] }]);
  });

  it('KubeJobFailed: the Failed condition is True; not False', () => {
    const f = n(A.jobFailed.for);
    const len = f + 5;
    const cond = (name: string, condition: string, v: number) => ksm('kube_job_failed', { namespace: 'batch', job_name: name, condition }, `${v}x${len}`);
    const series = [cond('broken', 'true', 1), cond('broken', 'false', 0), cond('broken', 'unknown', 0), cond('fine', 'true', 0), cond('fine', 'false', 1), cond('fine', 'unknown', 0)];
    pinned('KubeJobFailed', series, [
      { eval_time: `${f - 1}m`, alertname: 'KubeJobFailed', exp_alerts: [] },
      {
        eval_time: `${f + 1}m`,
        alertname: 'KubeJobFailed',
        exp_alerts: [fired('KubeJobFailed', { namespace: 'batch', job_name: 'broken' }, 'Job batch/broken failed (its Failed condition is True). The alert clears when the Job is deleted or re-run.')],
      },
    ], forMoved(A.jobFailed.for));
  });

  it('KubeHpaReplicasMismatch and KubeHpaMaxedOut: per autoscaler; an autoscaler with min = max is not maxed out', () => {
    const f1 = n(A.hpaReplicasMismatch.for);
    const f2 = n(A.hpaMaxedOut.for);
    const len = Math.max(f1, f2) + 5;
    const h = (name: string) => ({ namespace: 'shop', horizontalpodautoscaler: name });
    const hpa = (name: string, desired: number, current: number, min: number, max: number): Series[] => [
      ksm('kube_horizontalpodautoscaler_status_desired_replicas', h(name), `${desired}x${len}`),
      ksm('kube_horizontalpodautoscaler_status_current_replicas', h(name), `${current}x${len}`),
      ksm('kube_horizontalpodautoscaler_spec_min_replicas', h(name), `${min}x${len}`),
      ksm('kube_horizontalpodautoscaler_spec_max_replicas', h(name), `${max}x${len}`),
    ];
    const series = [...hpa('short', 6, 4, 2, 10), ...hpa('maxed', 10, 10, 2, 10), ...hpa('fixed', 3, 3, 3, 3), ...hpa('fine', 5, 5, 2, 10)];
    expectPass(
      unitTest(apps, series, [
        { eval_time: `${f1 - 1}m`, alertname: 'KubeHpaReplicasMismatch', exp_alerts: [] },
        {
          eval_time: `${f1 + 1}m`,
          alertname: 'KubeHpaReplicasMismatch',
          exp_alerts: [
            fired(
              'KubeHpaReplicasMismatch',
              h('short'),
              `HorizontalPodAutoscaler shop/short has wanted 6 replicas for ${A.hpaReplicasMismatch.for} and its target has a different number (pods that cannot be created or scheduled, a quota, a paused target).`,
            ),
          ],
        },
        { eval_time: `${f2 - 1}m`, alertname: 'KubeHpaMaxedOut', exp_alerts: [] },
        {
          eval_time: `${f2 + 1}m`,
          alertname: 'KubeHpaMaxedOut',
          exp_alerts: [fired('KubeHpaMaxedOut', h('maxed'), `HorizontalPodAutoscaler shop/maxed has run 10 replicas, its maximum, for ${A.hpaMaxedOut.for}: it cannot scale further if the load grows.`)],
        },
      ]),
    );
  });

  it('KubePdbNotEnoughHealthyPods: fewer healthy pods than the budget requires', () => {
    const f = n(A.pdbNotEnoughHealthyPods.for);
    const len = f + 5;
    const p = (name: string) => ({ namespace: 'shop', poddisruptionbudget: name });
    const series = [
      ksm('kube_poddisruptionbudget_status_desired_healthy', p('api'), `3x${len}`),
      ksm('kube_poddisruptionbudget_status_current_healthy', p('api'), `1x${len}`),
      ksm('kube_poddisruptionbudget_status_desired_healthy', p('web'), `2x${len}`),
      ksm('kube_poddisruptionbudget_status_current_healthy', p('web'), `3x${len}`),
    ];
    pinned('KubePdbNotEnoughHealthyPods', series, [
      { eval_time: `${f - 1}m`, alertname: 'KubePdbNotEnoughHealthyPods', exp_alerts: [] },
      {
        eval_time: `${f + 1}m`,
        alertname: 'KubePdbNotEnoughHealthyPods',
        exp_alerts: [
          fired('KubePdbNotEnoughHealthyPods', p('api'), 'PodDisruptionBudget shop/api needs 2 more healthy pod(s): no voluntary disruption (drain, eviction) of its pods is allowed until they recover.'),
        ],
      },
    ], forMoved(A.pdbNotEnoughHealthyPods.for));
  });
});
