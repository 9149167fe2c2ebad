import { parse } from 'yaml';
import { production, staging } from '../lib/config';
import type { StackConfig } from '../lib/config';
import { synthesizeAll } from '../lib/synth';
import { allObjects, K8sObject } from './support/synth';

/** What the synthesized stack does for the Kubernetes scrapes (issue 15 items 3 and 13, issue 17). */

type Obj = Record<string, any>;

const CONTROL_PLANE: StackConfig = { ...production, environment: 'control-plane', kubernetesComponents: { controllerManager: true, scheduler: true } };
const MINIMAL: StackConfig = { ...staging, environment: 'minimal', kubernetesComponents: { apiServer: false, coreDns: false } };
const objects = allObjects(synthesizeAll([staging, production, CONTROL_PLANE, MINIMAL]));

function find(env: string, kind: string, name: string, namespace?: string): K8sObject {
  const found = objects.filter((o) => o.file.startsWith(`${env}/`) && o.object.kind === kind && o.object.metadata.name === name && (namespace === undefined || o.object.metadata.namespace === namespace));
  if (found.length !== 1) throw new Error(`${env}: ${found.length} ${kind}/${name}`);
  return found[0].object;
}
const maybe = (env: string, kind: string, name: string) => objects.find((o) => o.file.startsWith(`${env}/`) && o.object.kind === kind && o.object.metadata.name === name)?.object;

function prometheusYml(env: string): Obj {
  return parse(find(env, 'ConfigMap', 'prometheus-config').data['prometheus.yml']);
}
const jobNames = (env: string) => (prometheusYml(env).scrape_configs as Obj[]).map((j) => j.job_name);

describe('the stack\'s scrape jobs of Kubernetes', () => {
  test('defaults: kubelet, cAdvisor, probes, API server, CoreDNS, KSM and its telemetry, node-exporter, config reloaders; no controller manager or scheduler', () => {
    for (const env of ['staging', 'production']) {
      const jobs = jobNames(env);
      for (const j of ['kubelet', 'cadvisor', 'kubelet-probes', 'apiserver', 'coredns', 'kube-state-metrics', 'kube-state-metrics-self', 'node-exporter', 'config-reloader']) expect({ env, j, present: jobs.includes(j) }).toEqual({ env, j, present: true });
      expect(jobs).not.toContain('kube-controller-manager');
      expect(jobs).not.toContain('kube-scheduler');
    }
    expect(jobNames('control-plane')).toEqual(expect.arrayContaining(['kube-controller-manager', 'kube-scheduler']));
    expect(jobNames('minimal')).not.toEqual(expect.arrayContaining(['apiserver']));
    expect(jobNames('minimal')).not.toContain('coredns');
  });

  test('kube-state-metrics and node-exporter are not annotated: the annotated-pods job does not scrape them a second time under other labels', () => {
    for (const env of ['staging', 'production']) {
      const ksm = find(env, 'Deployment', 'kube-state-metrics');
      const ne = find(env, 'DaemonSet', 'node-exporter');
      for (const o of [ksm, ne]) expect(Object.keys(o.spec.template.metadata.annotations ?? {}).filter((k) => k.startsWith('prometheus.io/'))).toEqual([]);
    }
  });

  test('RBAC: nodes/metrics for the kubelets, GET /metrics as a non-resource URL for the API server (and controller manager, scheduler); none when those are off', () => {
    const rules = (env: string) => find(env, 'ClusterRole', `${env === 'minimal' ? 'monitoring' : 'monitoring'}-prometheus`).rules as Obj[];
    expect(rules('production')).toEqual(expect.arrayContaining([{ apiGroups: [''], resources: ['nodes/metrics'], verbs: ['get'] }, { nonResourceURLs: ['/metrics'], verbs: ['get'] }]));
    expect(rules('minimal').some((r) => r.nonResourceURLs)).toBe(false);
    expect(JSON.stringify(rules('control-plane'))).not.toContain('*');
  });

  test('NetworkPolicy: Prometheus may reach the controller manager and the scheduler on the nodes only when they are scraped', () => {
    const ports = (env: string) =>
      new Set(
        (find(env, 'NetworkPolicy', 'prometheus').spec.egress as Obj[])
          // Node addresses: a rule without `to` (any address; no ipBlock, which Cilium does not match against nodes).
          .filter((r) => r.to === undefined)
          .flatMap((r) => (r.ports ?? []).map((p: Obj) => p.port)),
      );
    expect([...ports('control-plane')]).toEqual(expect.arrayContaining([10250, 9100, 10257, 10259]));
    expect(ports('production').has(10257)).toBe(false);
    expect(ports('production').has(10259)).toBe(false);
  });
});

describe('prometheus-operator monitors with the same jobs and labels', () => {
  test('kube-state-metrics: honorLabels and no label of its own pod; its telemetry as kube-state-metrics-self', () => {
    const ksm = find('production', 'PodMonitor', 'kube-state-metrics').spec.podMetricsEndpoints[0];
    expect(ksm).toMatchObject({ port: 'http-metrics', honorLabels: true, relabelings: [{ action: 'labeldrop', regex: 'container|endpoint|namespace|node|pod|service' }] });
    const self = find('production', 'PodMonitor', 'kube-state-metrics-self').spec.podMetricsEndpoints[0];
    expect(self).toMatchObject({ port: 'telemetry', relabelings: [{ action: 'replace', targetLabel: 'job', replacement: 'kube-state-metrics-self' }] });
    expect(self.honorLabels).toBeUndefined();
  });

  test('node-exporter: instance = the node name', () => {
    const ep = find('production', 'PodMonitor', 'node-exporter').spec.podMetricsEndpoints[0];
    expect(ep.relabelings).toEqual([{ action: 'replace', sourceLabels: ['__meta_kubernetes_pod_node_name'], targetLabel: 'instance' }]);
  });

  test('config reloaders, API server and CoreDNS; the API server monitor drops the same series; none when switched off', () => {
    const reloader = find('production', 'PodMonitor', 'config-reloader').spec;
    expect(reloader.podMetricsEndpoints[0]).toMatchObject({ port: 'reloader-web', relabelings: [{ targetLabel: 'job', replacement: 'config-reloader' }] });
    expect(reloader.selector.matchLabels).toEqual({ 'app.kubernetes.io/instance': 'production', 'app.kubernetes.io/part-of': 'observability-stack' });
    const api = find('production', 'ServiceMonitor', 'apiserver').spec;
    expect(api).toMatchObject({ selector: { matchLabels: { component: 'apiserver', provider: 'kubernetes' } }, namespaceSelector: { matchNames: ['default'] } });
    expect(api.endpoints[0]).toMatchObject({ port: 'https', scheme: 'https', tlsConfig: { serverName: 'kubernetes' } });
    const apiJob = (prometheusYml('production').scrape_configs as Obj[]).find((j) => j.job_name === 'apiserver')!;
    expect(api.endpoints[0].metricRelabelings).toEqual([{ action: 'drop', regex: apiJob.metric_relabel_configs[0].regex, sourceLabels: ['__name__'] }]);
    expect(find('production', 'PodMonitor', 'coredns').spec).toMatchObject({ selector: { matchLabels: { 'k8s-app': 'kube-dns' } }, podMetricsEndpoints: [{ portNumber: 9153 }] });
    expect(maybe('minimal', 'ServiceMonitor', 'apiserver')).toBeUndefined();
    expect(maybe('minimal', 'PodMonitor', 'coredns')).toBeUndefined();
  });
});
