import { isAlertingRule } from '../../lib/observability/rule-group';
import { ExprTest, GROUPS, KSM, Series, allGroups, apiserver, cadvisor, expectFail, expectPass, kubelet, leText, ramp, s, unitTest } from './harness';

/**
 * The recording rules, by `promql_expr_test` on realistic exporter series: what each record
 * holds (its labels and value), and what it leaves out. The contract lists the names and
 * labels the dashboards and alerts rely on; each is checked here.
 */

const recording = GROUPS.filter((g) => g.rules.every((r) => !isAlertingRule(r)) && !g.name.startsWith('sloth-'));
const LEN = 20;
const ksm = (metric: string, labels: Record<string, string>, values = `1x${LEN}`): Series => ({ series: s(metric, { ...labels, ...KSM }), values });
const at = '10m';
const expr = (e: string, samples: Array<[Record<string, string>, number]>): ExprTest => ({
  expr: e,
  eval_time: at,
  exp_samples: samples.map(([labels, value]) => ({ labels: s(e.replace(/\{.*$/, ''), labels).replace('{}', ''), value })),
});

/** A recorded quantile, rounded to 0.1ms (histogram_quantile's interpolation is not exact in binary). */
const rounded = (record: string, samples: Array<[Record<string, string>, number]>): ExprTest => ({
  expr: `round(${record}, 0.0001)`,
  eval_time: at,
  exp_samples: samples.map(([labels, value]) => ({ labels: s('', labels), value })),
});

describe('recording rules', () => {
  it('are the groups the contract names', () => {
    expect(recording.map((g) => g.name)).toEqual([
      'k8s.rules.container-cpu',
      'k8s.rules.container-memory',
      'k8s.rules.container-resources',
      'k8s.rules.pods',
      'kube-apiserver.rules',
      'kubelet.rules',
      'kube-scheduler.rules',
    ]);
    // The scheduler's only when it is scraped; the API server's and kubelets' unless turned off.
    const names = (scraped: Record<string, boolean>) => allGroups({ scraped }).map((g) => g.name);
    expect(names({ scheduler: false })).not.toContain('kube-scheduler.rules');
    expect(names({ apiServer: false })).not.toContain('kube-apiserver.rules');
    expect(names({ apiServer: false }).filter((n) => n.startsWith('sloth-'))).toEqual([]);
    expect(names({ kubelet: false })).not.toContain('kubelet.rules');
  });

  it('node_namespace_pod_container:container_*: one series per container (not the pod cgroup, not the sandbox), CPU as a 5m rate, memory as the largest series', () => {
    const c = (container: string, id: string) => ({ namespace: 'shop', pod: 'api-1', container, id, image: 'registry.example.com/api:1.4.2', name: id, ...cadvisor('n1') });
    const series: Series[] = [
      { series: s('container_cpu_usage_seconds_total', c('app', 'cri-containerd-aaa')), values: ramp(0, 30, LEN) },
      { series: s('container_cpu_usage_seconds_total', c('sidecar', 'cri-containerd-bbb')), values: ramp(0, 3, LEN) },
      { series: s('container_cpu_usage_seconds_total', c('', '/kubepods/burstable/pod-api-1')), values: ramp(0, 33, LEN) },
      { series: s('container_cpu_usage_seconds_total', c('POD', 'cri-containerd-pause')), values: ramp(0, 0.06, LEN) },
      // The app container reported twice (its previous instance, briefly): memory takes the larger.
      { series: s('container_memory_working_set_bytes', c('app', 'cri-containerd-aaa')), values: `300000000x${LEN}` },
      { series: s('container_memory_working_set_bytes', c('app', 'cri-containerd-old')), values: `250000000x${LEN}` },
      { series: s('container_memory_working_set_bytes', c('', '/kubepods/burstable/pod-api-1')), values: `320000000x${LEN}` },
      { series: s('container_memory_rss', c('app', 'cri-containerd-aaa')), values: `200000000x${LEN}` },
      { series: s('container_memory_cache', c('app', 'cri-containerd-aaa')), values: `90000000x${LEN}` },
      { series: s('container_memory_swap', c('app', 'cri-containerd-aaa')), values: `0x${LEN}` },
    ];
    const k = (container: string) => ({ node: 'n1', namespace: 'shop', pod: 'api-1', container });
    expectPass(
      unitTest(recording, series, [], [
        expr('node_namespace_pod_container:container_cpu_usage_seconds_total:sum_rate5m', [
          [k('app'), 0.5],
          [k('sidecar'), 0.05],
        ]),
        expr('node_namespace_pod_container:container_memory_working_set_bytes', [[k('app'), 300000000]]),
        expr('node_namespace_pod_container:container_memory_rss', [[k('app'), 200000000]]),
        expr('node_namespace_pod_container:container_memory_cache', [[k('app'), 90000000]]),
        expr('node_namespace_pod_container:container_memory_swap', [[k('app'), 0]]),
      ]),
    );
  });

  it('requests and limits: containers of pods that are Pending or Running, joined on the pod uid, once per container whatever the number of kube-state-metrics; summed per namespace', () => {
    const req = (kind: string, pod: string, uid: string, container: string, node: string, resource: string, value: number, instance: string = KSM.instance): Series => ({
      series: s(`kube_pod_container_resource_${kind}`, { namespace: pod.startsWith('job') ? 'batch' : 'shop', pod, uid, container, node, resource, unit: resource === 'cpu' ? 'core' : 'byte', job: KSM.job, instance }),
      values: `${value}x${LEN}`,
    });
    const phase = (namespace: string, pod: string, uid: string, current: string): Series[] =>
      ['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown'].map((p) => ksm('kube_pod_status_phase', { namespace, pod, uid, phase: p }, `${p === current ? 1 : 0}x${LEN}`));
    const series = [
      // api-1 runs on n1 (reported by two kube-state-metrics instances during a rollout).
      req('requests', 'api-1', 'u1', 'app', 'n1', 'cpu', 0.5),
      req('requests', 'api-1', 'u1', 'app', 'n1', 'cpu', 0.5, '10.1.2.4:8080'),
      req('requests', 'api-1', 'u1', 'app', 'n1', 'memory', 268435456),
      req('requests', 'api-1', 'u1', 'sidecar', 'n1', 'cpu', 0.1),
      req('limits', 'api-1', 'u1', 'app', 'n1', 'cpu', 1),
      req('limits', 'api-1', 'u1', 'app', 'n1', 'memory', 536870912),
      ...phase('shop', 'api-1', 'u1', 'Running'),
      // Not scheduled yet: no node.
      req('requests', 'api-2', 'u2', 'app', '', 'cpu', 0.5),
      ...phase('shop', 'api-2', 'u2', 'Pending'),
      // Finished: holds nothing.
      req('requests', 'job-x', 'u3', 'main', 'n2', 'cpu', 2),
      req('limits', 'job-x', 'u3', 'main', 'n2', 'memory', 1073741824),
      ...phase('batch', 'job-x', 'u3', 'Succeeded'),
      // A StatefulSet pod recreated under the same name: the old uid's series linger.
      req('requests', 'db-0', 'u4-old', 'db', 'n2', 'cpu', 1),
      req('requests', 'db-0', 'u4-new', 'db', 'n3', 'cpu', 1),
      ...phase('shop', 'db-0', 'u4-new', 'Running'),
    ];
    const p = (pod: string, container: string, node?: string) => ({ namespace: 'shop', pod, container, ...(node ? { node } : {}) });
    expectPass(
      unitTest(recording, series, [], [
        expr('cluster:namespace:pod_cpu:active:kube_pod_container_resource_requests', [
          [p('api-1', 'app', 'n1'), 0.5],
          [p('api-1', 'sidecar', 'n1'), 0.1],
          [p('api-2', 'app'), 0.5],
          [p('db-0', 'db', 'n3'), 1],
        ]),
        expr('cluster:namespace:pod_memory:active:kube_pod_container_resource_requests', [[p('api-1', 'app', 'n1'), 268435456]]),
        expr('cluster:namespace:pod_cpu:active:kube_pod_container_resource_limits', [[p('api-1', 'app', 'n1'), 1]]),
        expr('cluster:namespace:pod_memory:active:kube_pod_container_resource_limits', [[p('api-1', 'app', 'n1'), 536870912]]),
        expr('namespace_cpu:kube_pod_container_resource_requests:sum', [[{ namespace: 'shop' }, 2.1]]),
        expr('namespace_memory:kube_pod_container_resource_requests:sum', [[{ namespace: 'shop' }, 268435456]]),
        expr('namespace_cpu:kube_pod_container_resource_limits:sum', [[{ namespace: 'shop' }, 1]]),
        expr('namespace_memory:kube_pod_container_resource_limits:sum', [[{ namespace: 'shop' }, 536870912]]),
      ]),
    );
  });

  it('namespace_workload_pod:kube_pod_owner:relabel: every pod once, with the workload that manages it', () => {
    const owner = (namespace: string, pod: string, kind: string, name: string, controller = 'true') =>
      ksm('kube_pod_owner', { namespace, pod, uid: `uid-${pod}`, owner_kind: kind, owner_name: name, owner_is_controller: controller });
    const series = [
      owner('shop', 'api-7d4b9c-x2x4z', 'ReplicaSet', 'api-7d4b9c'),
      ksm('kube_replicaset_owner', { namespace: 'shop', replicaset: 'api-7d4b9c', owner_kind: 'Deployment', owner_name: 'api', owner_is_controller: 'true' }),
      owner('shop', 'legacy-abcde', 'ReplicaSet', 'legacy'),
      ksm('kube_replicaset_owner', { namespace: 'shop', replicaset: 'legacy', owner_kind: '<none>', owner_name: '<none>', owner_is_controller: '<none>' }),
      owner('kube-system', 'node-agent-8kq2w', 'DaemonSet', 'node-agent'),
      owner('db', 'postgres-0', 'StatefulSet', 'postgres'),
      owner('batch', 'report-28908000-4mq8n', 'Job', 'report-28908000'),
      ksm('kube_job_owner', { namespace: 'batch', job_name: 'report-28908000', owner_kind: 'CronJob', owner_name: 'report', owner_is_controller: 'true' }),
      owner('batch', 'migrate-5xk2p', 'Job', 'migrate'),
      ksm('kube_job_owner', { namespace: 'batch', job_name: 'migrate', owner_kind: '<none>', owner_name: '<none>', owner_is_controller: '<none>' }),
      owner('shop', 'debug', '<none>', '<none>', '<none>'),
      owner('kube-system', 'kube-apiserver-cp1', 'Node', 'cp1'),
    ];
    const w = (namespace: string, pod: string, workload: string, workload_type: string) => ({ namespace, pod, workload, workload_type });
    expectPass(
      unitTest(recording, series, [], [
        expr('namespace_workload_pod:kube_pod_owner:relabel', [
          [w('shop', 'api-7d4b9c-x2x4z', 'api', 'deployment'), 1],
          [w('shop', 'legacy-abcde', 'legacy', 'replicaset'), 1],
          [w('kube-system', 'node-agent-8kq2w', 'node-agent', 'daemonset'), 1],
          [w('db', 'postgres-0', 'postgres', 'statefulset'), 1],
          [w('batch', 'report-28908000-4mq8n', 'report', 'cronjob'), 1],
          [w('batch', 'migrate-5xk2p', 'migrate', 'job'), 1],
          [w('shop', 'debug', 'debug', 'pod'), 1],
          [w('kube-system', 'kube-apiserver-cp1', 'kube-apiserver-cp1', 'pod'), 1],
        ]),
      ]),
    );
  });

  it('node_namespace_pod:kube_pod_info:: scheduled pods with their node', () => {
    const info = (pod: string, node: string) =>
      ksm('kube_pod_info', { namespace: 'shop', pod, uid: `uid-${pod}`, node, host_ip: '10.0.0.1', pod_ip: '10.244.1.7', created_by_kind: 'ReplicaSet', created_by_name: 'api-7d4b9c', priority_class: '', host_network: 'false' });
    expectPass(
      unitTest(recording, [info('api-1', 'n1'), info('api-2', '')], [], [expr('node_namespace_pod:kube_pod_info:', [[{ node: 'n1', namespace: 'shop', pod: 'api-1' }, 1]])]),
    );
  });

  it('histogram quantiles: API server latency per verb and resource (long-running verbs and idle pairs left out), PLEG per node, the scheduler', () => {
    /** Cumulative bucket rates from the share of observations at or under each bound. */
    const buckets = (metric: string, labels: Record<string, string>, shares: Array<[number, number]>, perMinute = 600): Series[] =>
      [...shares, [Infinity, 1] as [number, number]].map(([le, share]) => ({ series: s(`${metric}_bucket`, { ...labels, le: le === Infinity ? '+Inf' : leText(le) }), values: ramp(0, perMinute * share, LEN) }));
    const sli = (verb: string, resource: string, scope: string) => ({ ...apiserver(), verb, group: '', version: 'v1', resource, subresource: '', scope, component: 'apiserver' });
    // Half within 50ms, 90% within 100ms, all within 200ms: p50 0.05, p90 0.1, p99 0.19.
    const shares: Array<[number, number]> = [
      [0.05, 0.5],
      [0.1, 0.9],
      [0.2, 1],
      [0.4, 1],
    ];
    const series = [
      ...buckets('apiserver_request_sli_duration_seconds', sli('GET', 'pods', 'resource'), shares),
      ...buckets('apiserver_request_sli_duration_seconds', sli('WATCH', 'pods', 'namespace'), shares),
      ...buckets('apiserver_request_sli_duration_seconds', sli('LIST', 'secrets', 'namespace'), shares, 0),
      // Another server built on k8s.io/apiserver: not the API server.
      ...buckets('apiserver_request_sli_duration_seconds', { ...sli('GET', 'nodes', 'resource'), job: 'metrics-server', instance: '10.2.0.5:10250' }, shares),
      ...buckets('kubelet_pleg_relist_duration_seconds', { ...kubelet('n1') }, shares),
      ...buckets('scheduler_scheduling_attempt_duration_seconds', { job: 'kube-scheduler', instance: '10.0.0.10:10259', result: 'scheduled', profile: 'default-scheduler' }, shares),
      ...buckets('scheduler_scheduling_algorithm_duration_seconds', { job: 'kube-scheduler', instance: '10.0.0.10:10259' }, shares),
      ...buckets('scheduler_pod_scheduling_sli_duration_seconds', { job: 'kube-scheduler', instance: '10.0.0.10:10259', attempts: '1' }, shares),
    ];
    const q = (labels: Record<string, string>): Array<[Record<string, string>, number]> => [
      [{ ...labels, quantile: '0.99' }, 0.19],
      [{ ...labels, quantile: '0.9' }, 0.1],
      [{ ...labels, quantile: '0.5' }, 0.05],
    ];
    expectPass(
      unitTest(recording, series, [], [
        rounded('cluster_quantile:apiserver_request_sli_duration_seconds:histogram_quantile', q({ verb: 'GET', resource: 'pods' })),
        rounded('node_quantile:kubelet_pleg_relist_duration_seconds:histogram_quantile', q({ node: 'n1' })),
        rounded('cluster_quantile:scheduler_scheduling_attempt_duration_seconds:histogram_quantile', q({})),
        rounded('cluster_quantile:scheduler_scheduling_algorithm_duration_seconds:histogram_quantile', q({})),
        rounded('cluster_quantile:scheduler_pod_scheduling_sli_duration_seconds:histogram_quantile', q({})),
      ]),
    );
  });

  it('the harness catches a wrong value', () => {
    const series = [{ series: s('kube_pod_info', { namespace: 'shop', pod: 'a', uid: 'u', node: 'n1', ...KSM }), values: `1x${LEN}` }];
    expectFail(unitTest(recording, series, [], [expr('node_namespace_pod:kube_pod_info:', [[{ node: 'n1', namespace: 'shop', pod: 'a' }, 2]])]));
  });
});

