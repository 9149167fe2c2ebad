import { GROUPS, Mutation, Series, T, all, apiserver, expectPinned, fired, group, kubelet, minutes, pct, ramp, s, shift, unitTest } from './harness';

/** kubernetes-system: versions and API clients. */

const system = [group('kubernetes-system', GROUPS)];
const Y = T.system;
const forMoved = (d: string): Mutation[] => [{ for: shift(d, 2) }, { for: shift(d, -2) }];

/** kubernetes_build_info as the components expose it. */
function buildInfo(target: Record<string, string>, gitVersion: string, len: number): Series {
  const [, major, minor] = /^v(\d+)\.(\d+)/.exec(gitVersion)!;
  return {
    series: s('kubernetes_build_info', {
      ...target,
      build_date: '2025-01-15T14:40:25Z',
      compiler: 'gc',
      git_commit: '0123456789abcdef0123456789abcdef01234567',
      git_tree_state: 'clean',
      git_version: gitVersion,
      go_version: 'go1.23.4',
      major,
      minor,
      platform: 'linux/amd64',
    }),
    values: `1x${len}`,
  };
}

describe('kubernetes-system', () => {
  it('KubeVersionMismatch: control-plane components and kubelets on different minor versions; patch versions and other programs do not count', () => {
    const f = minutes(Y.versionMismatch.for);
    const len = f + 5;
    const metricsServer = { job: 'metrics-server', instance: '10.2.0.5:10250' };
    const mixed = [buildInfo(apiserver(), 'v1.31.4', len), buildInfo(kubelet('n1'), 'v1.31.4', len), buildInfo(kubelet('n2', '10.0.0.2'), 'v1.30.9-eks-1234', len)];
    const patches = [buildInfo(apiserver(), 'v1.31.4', len), buildInfo(kubelet('n1'), 'v1.31.2', len), buildInfo(metricsServer, 'v1.29.0', len)];
    const alert = fired(
      'KubeVersionMismatch',
      {},
      `The API servers, kubelets and control-plane components run 2 different minor versions of Kubernetes for ${Y.versionMismatch.for}; expected during an upgrade, a problem when it lasts (version skew policy).`,
    );
    const run = (g: typeof system) =>
      all(
        unitTest(g, mixed, [
          { eval_time: `${f - 1}m`, alertname: 'KubeVersionMismatch', exp_alerts: [] },
          { eval_time: `${f + 1}m`, alertname: 'KubeVersionMismatch', exp_alerts: [alert] },
        ]),
        unitTest(g, patches, [{ eval_time: `${f + 1}m`, alertname: 'KubeVersionMismatch', exp_alerts: [] }]),
      );
    expectPinned(run, system, 'KubeVersionMismatch', [...forMoved(Y.versionMismatch.for), { expr: ['> 1', '> 2'] }, { expr: ['[.][0-9]+).*', ').*'] }]);
  });

  it('KubeClientErrors: per client (job, instance), 5xx and requests without a response above the configured share', () => {
    const { errorRatio } = Y.clientErrors;
    const f = minutes(Y.clientErrors.for);
    const len = f + 5;
    const requests = (target: Record<string, string>, code: string, perMinute: number): Series => ({
      series: s('rest_client_requests_total', { ...target, code, host: '10.96.0.1:443', method: 'GET' }),
      values: ramp(0, perMinute, len),
    });
    const cm = { job: 'kube-controller-manager', instance: '10.0.0.10:10257', namespace: 'kube-system', pod: 'kube-controller-manager-cp1', node: 'cp1' };
    const above = (errorRatio + 0.001) * 6000;
    const below = (errorRatio - 0.001) * 6000;
    const series = [
      requests(cm, '200', 6000 - above),
      requests(cm, '500', above / 2),
      requests(cm, '<error>', above / 2),
      requests(kubelet('n1'), '200', 6000 - below),
      requests(kubelet('n1'), '503', below),
    ];
    const alert = fired(
      'KubeClientErrors',
      { job: 'kube-controller-manager', instance: '10.0.0.10:10257' },
      `${pct(errorRatio + 0.001)} of the API requests of kube-controller-manager (10.0.0.10:10257) failed with a 5xx or got no response over 5m (threshold ${errorRatio * 100}%).`,
    );
    const run = (g: typeof system) =>
      unitTest(g, series, [
        { eval_time: `${f - 1}m`, alertname: 'KubeClientErrors', exp_alerts: [] },
        { eval_time: `${f + 1}m`, alertname: 'KubeClientErrors', exp_alerts: [alert] },
      ]);
    expectPinned(run, system, 'KubeClientErrors', [
      ...forMoved(Y.clientErrors.for),
      { expr: [`> ${errorRatio}`, `> ${errorRatio + 0.002}`] },
      { expr: [`> ${errorRatio}`, `> ${errorRatio - 0.002}`] },
      { expr: ['5..|<error>', '5..'] },
    ]);
  });
});
