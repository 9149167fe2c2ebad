import {
  ExpAlert,
  GROUPS,
  KSM,
  LEFT_OPEN_RANGES,
  Mutation,
  Series,
  T,
  all,
  expectPinned,
  fired,
  group,
  humanize,
  humanizeDuration,
  increase,
  kubelet,
  leText,
  minutes,
  only,
  pct,
  ramp,
  s,
  shift,
  unitTest,
} from './harness';

/** kubernetes-system-kubelet: node conditions and taints (kube-state-metrics) and the kubelets' own metrics. */

const kubeletGroup = [group('kubernetes-system-kubelet', GROUPS)];
const K = T.kubelet;
const ksm = (metric: string, labels: Record<string, string>, values: string): Series => ({ series: s(metric, { ...labels, ...KSM }), values });
const forMoved = (d: string, severity?: string): Mutation[] => [
  { for: shift(d, 2), severity },
  { for: shift(d, -2), severity },
];
const ip = (node: string) => `10.0.0.${Number(node.replace(/\D/g, '')) || 9}`;
const on = (node: string) => kubelet(node, ip(node));

/** kube_node_status_condition for one condition: the status that holds is 1, the others 0. */
function condition(node: string, cond: string, status: 'true' | 'false' | 'unknown', len: number): Series[] {
  return (['true', 'false', 'unknown'] as const).map((st) => ksm('kube_node_status_condition', { node, condition: cond, status: st }, `${st === status ? 1 : 0}x${len}`));
}

describe('kubernetes-system-kubelet', () => {
  it('KubeNodeNotReady: Ready is not True (False or Unknown) on a node that is not cordoned', () => {
    const f = minutes(K.nodeNotReady.for);
    const len = f + 5;
    const series = [
      ...condition('n1', 'Ready', 'false', len),
      ...condition('n2', 'Ready', 'true', len),
      ...condition('n3', 'Ready', 'false', len),
      ...condition('n4', 'Ready', 'unknown', len),
      ...['n1', 'n2', 'n3', 'n4'].map((n) => ksm('kube_node_spec_unschedulable', { node: n }, `${n === 'n3' ? 1 : 0}x${len}`)),
    ];
    const alert = (n: string) => fired('KubeNodeNotReady', { node: n }, `Node ${n} has not been Ready for ${K.nodeNotReady.for} (and is not cordoned); its pods are being evicted or cannot run.`);
    const run = (g: typeof kubeletGroup) =>
      unitTest(only(g, 'KubeNodeNotReady'), series, [
        { eval_time: `${f - 1}m`, alertname: 'KubeNodeNotReady', exp_alerts: [] },
        { eval_time: `${f + 1}m`, alertname: 'KubeNodeNotReady', exp_alerts: [alert('n1'), alert('n4')] },
      ]);
    expectPinned(run, kubeletGroup, 'KubeNodeNotReady', forMoved(K.nodeNotReady.for));
  });

  it('KubeNodePressure: the configured pressure conditions when True; not other conditions', () => {
    const f = minutes(K.nodePressure.for);
    const len = f + 5;
    const series = [
      ...condition('n1', 'MemoryPressure', 'true', len),
      ...condition('n1', 'DiskPressure', 'false', len),
      ...condition('n2', 'PIDPressure', 'true', len),
      ...condition('n3', 'NetworkUnavailable', 'true', len),
      ...condition('n4', 'DiskPressure', 'true', len),
    ];
    const alert = (n: string, c: string) => fired('KubeNodePressure', { node: n, condition: c }, `Node ${n} has reported ${c} for more than ${K.nodePressure.for}; the kubelet evicts pods under pressure.`);
    expect(K.nodePressure.conditions).toEqual(['MemoryPressure', 'DiskPressure', 'PIDPressure']);
    const run = (g: typeof kubeletGroup) =>
      unitTest(only(g, 'KubeNodePressure'), series, [
        { eval_time: `${f - 1}m`, alertname: 'KubeNodePressure', exp_alerts: [] },
        { eval_time: `${f + 1}m`, alertname: 'KubeNodePressure', exp_alerts: [alert('n1', 'MemoryPressure'), alert('n2', 'PIDPressure'), alert('n4', 'DiskPressure')] },
      ]);
    expectPinned(run, kubeletGroup, 'KubeNodePressure', [...forMoved(K.nodePressure.for), { expr: ['|PIDPressure', ''] }, { expr: ['PIDPressure', 'PIDPressure|NetworkUnavailable'] }]);
  });

  it('KubeNodeUnreachable: tainted unreachable by the node controller; not a node the cluster autoscaler is removing', () => {
    const f = minutes(K.nodeUnreachable.for);
    const len = f + 5;
    const taint = (node: string, key: string, effect: string) => ksm('kube_node_spec_taint', { node, key, value: '', effect }, `1x${len}`);
    const series = [
      taint('n1', 'node.kubernetes.io/unreachable', 'NoSchedule'),
      taint('n1', 'node.kubernetes.io/unreachable', 'NoExecute'),
      taint('n2', 'node.kubernetes.io/unreachable', 'NoSchedule'),
      taint('n2', 'ToBeDeletedByClusterAutoscaler', 'NoSchedule'),
      taint('n3', 'dedicated', 'NoSchedule'),
    ];
    const alert = fired(
      'KubeNodeUnreachable',
      { node: 'n1' },
      `Node n1 has been unreachable for ${K.nodeUnreachable.for}: its kubelet stopped reporting, and its pods are being rescheduled elsewhere.`,
    );
    const run = (g: typeof kubeletGroup) =>
      unitTest(only(g, 'KubeNodeUnreachable'), series, [
        { eval_time: `${f - 1}m`, alertname: 'KubeNodeUnreachable', exp_alerts: [] },
        { eval_time: `${f + 1}m`, alertname: 'KubeNodeUnreachable', exp_alerts: [alert] },
      ]);
    expectPinned(run, kubeletGroup, 'KubeNodeUnreachable', forMoved(K.nodeUnreachable.for));
  });

  it('KubeletTooManyPods: running pods over the node\'s pod capacity above the configured share', () => {
    const { usedRatio } = K.tooManyPods;
    const f = minutes(K.tooManyPods.for);
    const len = f + 5;
    const capacity = 500;
    const node = (n: string, running: number): Series[] => [
      { series: s('kubelet_running_pods', on(n)), values: `${running}x${len}` },
      ksm('kube_node_status_capacity', { node: n, resource: 'pods', unit: 'integer' }, `${capacity}x${len}`),
      ksm('kube_node_status_capacity', { node: n, resource: 'cpu', unit: 'core' }, `8x${len}`),
    ];
    const above = Math.round(capacity * (usedRatio + 0.004));
    const series = [...node('n1', above), ...node('n2', Math.round(capacity * (usedRatio - 0.004)))];
    const alert = fired(
      'KubeletTooManyPods',
      { node: 'n1' },
      `The kubelet on node n1 runs ${pct(above / capacity)} of the node's pod capacity (threshold ${usedRatio * 100}%): new pods may not fit.`,
    );
    const run = (g: typeof kubeletGroup) =>
      unitTest(only(g, 'KubeletTooManyPods'), series, [
        { eval_time: `${f - 1}m`, alertname: 'KubeletTooManyPods', exp_alerts: [] },
        { eval_time: `${f + 1}m`, alertname: 'KubeletTooManyPods', exp_alerts: [alert] },
      ]);
    expectPinned(run, kubeletGroup, 'KubeletTooManyPods', [
      ...forMoved(K.tooManyPods.for),
      { expr: [`> ${usedRatio}`, `> ${usedRatio + 0.008}`] },
      { expr: [`> ${usedRatio}`, `> ${usedRatio - 0.008}`] },
    ]);
  });

  it('KubeNodeReadinessFlapping: more Ready changes than configured in the window; not a cordoned node', () => {
    const { changes, window } = K.readinessFlapping;
    const w = minutes(window);
    const f = minutes(K.readinessFlapping.for);
    const len = w + f + 10;
    // Ready flips every `period` minutes: in any window, about w/period changes.
    const flips = (period: number) => Array.from({ length: len + 1 }, (_, i) => (Math.floor(i / period) % 2 === 0 ? 1 : 0)).join(' ');
    const fast = Math.floor((w - 1) / (changes + 1)); // always more than `changes` changes
    const slow = Math.ceil(w / changes) + 1; // never more than `changes`
    const series = [
      ksm('kube_node_status_condition', { node: 'n1', condition: 'Ready', status: 'true' }, flips(fast)),
      ksm('kube_node_status_condition', { node: 'n2', condition: 'Ready', status: 'true' }, flips(slow)),
      ksm('kube_node_status_condition', { node: 'n3', condition: 'Ready', status: 'true' }, flips(fast)),
      ...['n1', 'n2', 'n3'].map((n) => ksm('kube_node_spec_unschedulable', { node: n }, `${n === 'n3' ? 1 : 0}x${len}`)),
    ];
    const run = (g: typeof kubeletGroup) =>
      unitTest(only(g, 'KubeNodeReadinessFlapping'), series, [
        // n1 first has more than `changes` changes at its (changes+1)th flip.
        { eval_time: `${(changes + 1) * fast + f - 1}m`, alertname: 'KubeNodeReadinessFlapping', exp_alerts: [] },
        {
          eval_time: `${(changes + 1) * fast + f + 1}m`,
          alertname: 'KubeNodeReadinessFlapping',
          // The count itself depends on where the window falls between flips: computed below.
          exp_alerts: [{ exp_labels: { node: 'n1', severity: K.readinessFlapping.severity, category: 'infrastructure' }, exp_annotations: annotationsAt((changes + 1) * fast + f + 1, fast) }],
        },
      ]);
    function annotationsAt(t: number, period: number): Record<string, string> {
      const values = flips(period).split(' ').map(Number);
      const inWindow = values.slice(0, t + 1).map((v, i) => [i, v] as const).filter(([i]) => i > t - w - (LEFT_OPEN_RANGES ? 0 : 1));
      let n = 0;
      for (let i = 1; i < inWindow.length; i++) if (inWindow[i][1] !== inWindow[i - 1][1]) n += 1;
      const a = fired('KubeNodeReadinessFlapping', { node: 'n1' }, `The Ready condition of node n1 changed ${n} times in ${window} (threshold ${changes}).`).exp_annotations;
      return a;
    }
    expectPinned(run, kubeletGroup, 'KubeNodeReadinessFlapping', [...forMoved(K.readinessFlapping.for), { expr: [`> ${changes}`, `> ${Math.floor(w / fast) + 1}`] }, { expr: [`> ${changes}`, '> 0'] }]);
  });

  it('KubeNodeEviction: evictions within the window, per node and signal; quiet once the window has passed', () => {
    const w = minutes(K.eviction.window);
    const stop = 30;
    const len = stop + w + 10;
    // One eviction a minute for memory.available until minute 30.
    const evictions = Array.from({ length: len + 1 }, (_, i) => Math.min(i, stop));
    const series: Series[] = [
      { series: s('kubelet_evictions', { ...on('n1'), eviction_signal: 'memory.available' }), values: evictions.join(' ') },
      { series: s('kubelet_evictions', { ...on('n2'), eviction_signal: 'nodefs.available' }), values: `3x${len}` },
    ];
    const alert = (t: number) =>
      fired('KubeNodeEviction', { node: 'n1', eviction_signal: 'memory.available' }, `The kubelet on node n1 evicted about ${humanize(increase(evictions, t, w)!)} pod(s) in the last ${K.eviction.window} because of memory.available.`);
    const run = (g: typeof kubeletGroup) =>
      unitTest(only(g, 'KubeNodeEviction'), series, [
        { eval_time: '20m', alertname: 'KubeNodeEviction', exp_alerts: [alert(20)] },
        { eval_time: `${stop + w - 2}m`, alertname: 'KubeNodeEviction', exp_alerts: [alert(stop + w - 2)] },
        { eval_time: `${stop + w + 2}m`, alertname: 'KubeNodeEviction', exp_alerts: [] },
      ]);
    expectPinned(run, kubeletGroup, 'KubeNodeEviction', [
      { expr: [`[${K.eviction.window}]`, `[${w + 4}m]`] },
      { expr: [`[${K.eviction.window}]`, `[${w - 4}m]`] },
    ]);
  });

  it('KubeletPlegDurationHigh: the 99th percentile of PLEG relist time (recorded per node) at the configured seconds', () => {
    const { seconds } = K.plegDuration;
    const f = minutes(K.plegDuration.for);
    const len = f + 5;
    const q = (node: string, v: number): Series => ({ series: s('node_quantile:kubelet_pleg_relist_duration_seconds:histogram_quantile', { node, quantile: '0.99' }), values: `${v}x${len}` });
    const series = [q('n1', seconds), q('n2', seconds - 0.5), { series: s('node_quantile:kubelet_pleg_relist_duration_seconds:histogram_quantile', { node: 'n1', quantile: '0.9' }), values: `${seconds}x${len}` }];
    const alert = fired(
      'KubeletPlegDurationHigh',
      { node: 'n1', quantile: '0.99' },
      `The 99th percentile of the pod lifecycle event generator's relist duration on node n1 is ${humanizeDuration(seconds)} (threshold ${seconds}s): the container runtime answers slowly, and the node turns NotReady if it lasts.`,
    );
    const run = (g: typeof kubeletGroup) =>
      unitTest(only(g, 'KubeletPlegDurationHigh'), series, [
        { eval_time: `${f - 1}m`, alertname: 'KubeletPlegDurationHigh', exp_alerts: [] },
        { eval_time: `${f + 1}m`, alertname: 'KubeletPlegDurationHigh', exp_alerts: [alert] },
      ]);
    expectPinned(run, kubeletGroup, 'KubeletPlegDurationHigh', [
      ...forMoved(K.plegDuration.for),
      { expr: [`>= ${seconds}`, `>= ${seconds + 0.25}`] },
      { expr: [`>= ${seconds}`, `>= ${seconds - 0.75}`] },
    ]);
  });

  it('KubeletPodStartUpLatencyHigh: the 99th percentile of pod start time per node above the configured seconds', () => {
    const { seconds } = K.podStartupLatency;
    const f = minutes(K.podStartupLatency.for);
    const len = f + 5;
    const bounds = [0.5, 1, 2, 3, 4, 5, 6, 8, 10, 20, 30, 45, 60, 120, 180, 240, 300, 360, 480, 600, 900, 1200, 1800, 2700, 3600];
    expect(bounds).toContain(seconds);
    const i = bounds.indexOf(seconds);
    // 100 pod starts a minute, a share `fast` of them within the bound below `hi` and the
    // rest within `hi`: the 99th percentile interpolates to `target`.
    const histogram = (node: string, target: number): Series[] => {
      const hi = bounds.find((b) => b >= target)!;
      const lo = bounds[bounds.indexOf(hi) - 1];
      const fast = (0.99 - (target - lo) / (hi - lo)) / (1 - (target - lo) / (hi - lo));
      return [
        ...[...bounds, Infinity].map((le) => ({
          series: s('kubelet_pod_start_sli_duration_seconds_bucket', { ...on(node), first_with_network: 'false', le: le === Infinity ? '+Inf' : leText(le) }),
          values: ramp(0, le < lo ? 0 : le === lo ? 100 * fast : 100, len),
        })),
      ];
    };
    const above = seconds + (bounds[i + 1] - seconds) / 24;
    const below = seconds - (seconds - bounds[i - 1]) / 15;
    const series = [...histogram('n1', above), ...histogram('n2', below)];
    const alert = fired(
      'KubeletPodStartUpLatencyHigh',
      { node: 'n1' },
      `The 99th percentile of pod start time on node n1 (without image pulls) is ${humanizeDuration(above)} over 5m (threshold ${seconds}s).`,
    );
    const run = (g: typeof kubeletGroup) =>
      unitTest(only(g, 'KubeletPodStartUpLatencyHigh'), series, [
        { eval_time: `${f - 1}m`, alertname: 'KubeletPodStartUpLatencyHigh', exp_alerts: [] },
        { eval_time: `${f + 1}m`, alertname: 'KubeletPodStartUpLatencyHigh', exp_alerts: [alert] },
      ]);
    expectPinned(run, kubeletGroup, 'KubeletPodStartUpLatencyHigh', [
      ...forMoved(K.podStartupLatency.for),
      { expr: [`> ${seconds}`, `> ${above + 0.5}`] },
      { expr: [`> ${seconds}`, `> ${below - 0.5}`] },
    ]);
  });

  it.each([
    ['KubeletClientCertificateExpiration', 'kubelet_certificate_manager_client_ttl_seconds', 'client'],
    ['KubeletServerCertificateExpiration', 'kubelet_certificate_manager_server_ttl_seconds', 'server'],
  ])('%s: warning and critical horizons, per node; a kubelet without that certificate (+Inf) is quiet', (alertname, metric, which) => {
    const { warningHorizon, criticalHorizon } = K.certificateExpiration;
    const warnS = minutes(warningHorizon) * 60;
    const critS = minutes(criticalHorizon) * 60;
    const len = 10;
    // The TTL shrinks by 60 seconds a minute.
    const ttl = (node: string, at0: number): Series => ({ series: s(metric, on(node)), values: ramp(at0, -60, len) });
    const series = [ttl('n1', warnS - 3600), ttl('n2', critS - 3600), ttl('n3', warnS + 3600), ttl('n4', critS + 3600), { series: s(metric, on('n5')), values: Array(len + 1).fill('+Inf').join(' ') }];
    const t = 2;
    const alert = (node: string, at0: number, severity: string, horizon: string): ExpAlert =>
      fired(alertname, { node }, `The ${which} certificate of the kubelet on node ${node} expires in ${humanizeDuration(at0 - 60 * t)}; its rotation is not working.`, { severity });
    const run = (g: typeof kubeletGroup) =>
      unitTest(only(g, alertname), series, [
        {
          eval_time: `${t}m`,
          alertname,
          exp_alerts: [
            alert('n1', warnS - 3600, 'warning', warningHorizon),
            alert('n2', critS - 3600, 'warning', warningHorizon),
            alert('n2', critS - 3600, 'critical', criticalHorizon),
            alert('n4', critS + 3600, 'warning', warningHorizon),
          ],
        },
      ]);
    expectPinned(run, kubeletGroup, alertname, [
      { expr: [`< ${warnS}`, `< ${warnS - 7200}`], severity: 'warning' },
      { expr: [`< ${warnS}`, `< ${warnS + 7200}`], severity: 'warning' },
      { expr: [`< ${critS}`, `< ${critS - 7200}`], severity: 'critical' },
      { expr: [`< ${critS}`, `< ${critS + 7200}`], severity: 'critical' },
    ]);
  });

  it.each([
    ['KubeletClientCertificateRenewalErrors', 'kubelet_certificate_manager_client_expiration_renew_errors', 'client'],
    ['KubeletServerCertificateRenewalErrors', 'kubelet_server_expiration_renew_errors', 'server'],
  ])('%s: renewal failing in every 5 minutes, per node; a single failure is quiet', (alertname, metric, which) => {
    const f = minutes(K.certificateRenewalErrors.for);
    const len = f + 10;
    // n1 fails every 3 minutes; n2 failed once.
    const failing = Array.from({ length: len + 1 }, (_, i) => Math.floor(i / 3));
    const series: Series[] = [
      { series: s(metric, on('n1')), values: failing.join(' ') },
      { series: s(metric, on('n2')), values: `0x2 1x${len - 2}` },
    ];
    const t = f + 3;
    const alert = fired(
      alertname,
      { node: 'n1' },
      `The kubelet on node n1 failed to renew its ${which} certificate ${humanize(increase(failing, t, 5)!)} time(s) in the last 5 minutes, and has kept failing for ${K.certificateRenewalErrors.for}.`,
    );
    const run = (g: typeof kubeletGroup) =>
      unitTest(only(g, alertname), series, [
        // n1's first failure is at minute 3: pending until 3 + for.
        { eval_time: `${t - 1}m`, alertname, exp_alerts: [] },
        { eval_time: `${t}m`, alertname, exp_alerts: [alert] },
      ]);
    expectPinned(run, kubeletGroup, alertname, forMoved(K.certificateRenewalErrors.for));
  });

  it('KubeletInstanceUnreachable and KubeletDown: one kubelet down vs all of them while nodes exist', () => {
    const f1 = minutes(K.instanceUnreachable.for);
    const f2 = minutes(K.down.for);
    const len = Math.max(f1, f2) + 5;
    const up = (node: string, v: number): Series => ({ series: s('up', on(node)), values: `${v}x${len}` });
    const info = (node: string) => ksm('kube_node_info', { node, kernel_version: '6.1.0', os_image: 'Debian GNU/Linux 12', container_runtime_version: 'containerd://1.7.24', kubelet_version: 'v1.31.4', kubeproxy_version: 'deprecated', provider_id: '', pod_cidr: '10.244.0.0/24', system_uuid: node, internal_ip: ip(node) }, `1x${len}`);
    const unreachable = (node: string) => fired('KubeletInstanceUnreachable', { ...on(node) }, `The kubelet on node ${node} (${ip(node)}:10250) has been unreachable from Prometheus for ${K.instanceUnreachable.for}.`);
    const down = fired('KubeletDown', {}, `The cluster has 2 node(s) and no target of job kubelet has been up for ${K.down.for}: the node, pod and volume alerts that read the kubelets cannot fire.`);
    const tests = (u: ExpAlert[], d: ExpAlert[]) => [
      { eval_time: `${f1 - 1}m`, alertname: 'KubeletInstanceUnreachable', exp_alerts: [] },
      { eval_time: `${f1 + 1}m`, alertname: 'KubeletInstanceUnreachable', exp_alerts: u },
      { eval_time: `${f2 - 1}m`, alertname: 'KubeletDown', exp_alerts: [] },
      { eval_time: `${f2 + 1}m`, alertname: 'KubeletDown', exp_alerts: d },
    ];
    const run = (g: typeof kubeletGroup) =>
      all(
        unitTest(g, [up('n1', 0), up('n2', 1), info('n1'), info('n2')], tests([unreachable('n1')], [])),
        unitTest(g, [up('n1', 0), up('n2', 0), info('n1'), info('n2')], tests([unreachable('n1'), unreachable('n2')], [down])),
        unitTest(g, [info('n1'), info('n2')], tests([], [down])),
        unitTest(g, [up('n1', 0)], tests([unreachable('n1')], [])),
      );
    const g = only(kubeletGroup, 'KubeletInstanceUnreachable', 'KubeletDown');
    expectPinned(run, g, 'KubeletInstanceUnreachable', forMoved(K.instanceUnreachable.for));
    expectPinned(run, g, 'KubeletDown', forMoved(K.down.for));
  });
});
