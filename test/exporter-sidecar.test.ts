import { Chart, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { addExporterSidecar } from '../lib/components/exporter-sidecar';
import { IMAGES } from '../lib/images';
import { checkPolicies, Obj } from '../lib/policy';

function app() {
  const chart = new Chart(Testing.app(), 'shop');
  const deployment = new kplus.Deployment(chart, 'checkout', {
    metadata: { name: 'checkout', namespace: 'shop' },
    containers: [{ name: 'app', image: 'example/checkout:1.2.3', portNumber: 8080, securityContext: { ensureNonRoot: true, user: 1000 } }],
  });
  return { chart, deployment };
}

describe('addExporterSidecar', () => {
  test('one call adds the container, the scrape annotations and a PodMonitor', () => {
    const { chart, deployment } = app();
    addExporterSidecar(deployment, { source: 'events', podMonitorNamespace: 'shop' });
    const objects = Testing.synth(chart);
    const dep = objects.find((o) => o.kind === 'Deployment');
    const pod = dep.spec.template;
    expect(pod.metadata.annotations).toMatchObject({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': '8000', 'prometheus.io/path': '/metrics' });
    const sidecar = pod.spec.containers.find((c: { name: string }) => c.name === 'app-exporter');
    expect(sidecar.image).toBe(IMAGES.exporter);
    expect(sidecar.args).toEqual(['--port=8000', '--source=events', '--interval=15']);
    expect(sidecar.readinessProbe.httpGet.path).toBe('/readyz');
    expect(sidecar.livenessProbe.httpGet.path).toBe('/healthz');
    expect(sidecar.resources).toEqual({ limits: { memory: '128Mi' }, requests: { cpu: '25m', memory: '64Mi' } });
    expect(sidecar.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 65532,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    // The application container is untouched.
    expect(pod.spec.containers[0].name).toBe('app');
    expect(pod.spec.containers[0].securityContext.seccompProfile).toBeUndefined();
    const monitor = objects.find((o) => o.kind === 'PodMonitor');
    expect(monitor.spec.selector.matchLabels).toEqual(dep.spec.selector.matchLabels);
    expect(monitor.spec.podMetricsEndpoints[0].port).toBe('http-metrics');
  });

  test('the sidecar container itself passes the restricted policy', () => {
    const { chart, deployment } = app();
    const mapping = new kplus.ConfigMap(chart, 'mapping', { data: { 'mapping.json': '{"fields":[]}' } });
    addExporterSidecar(deployment, { source: 'stats', statsUrl: 'http://127.0.0.1:8080/stats', interval: 30, mappingConfigMap: mapping });
    const dep = Testing.synth(chart).find((o) => o.kind === 'Deployment') as Obj;
    const sidecarOnly: Obj = structuredClone(dep);
    sidecarOnly.spec.template.spec.containers = sidecarOnly.spec.template.spec.containers.filter((c: { name: string }) => c.name === 'app-exporter');
    sidecarOnly.spec.template.spec.securityContext = { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } };
    const violations = checkPolicies({ objects: [sidecarOnly], pinnedImages: [IMAGES.exporter], agentsNamespace: 'x', requireSpread: false }).filter((v) => ['restricted', 'resources', 'probes', 'pinnedImages'].includes(v.rule));
    expect(violations).toEqual([]);
    expect(sidecarOnly.spec.template.spec.containers[0].args).toEqual(expect.arrayContaining(['--stats-url=http://127.0.0.1:8080/stats', '--mapping=/etc/app-exporter/mapping.json']));
    const [mount] = sidecarOnly.spec.template.spec.containers[0].volumeMounts;
    expect(mount).toMatchObject({ mountPath: '/etc/app-exporter', readOnly: true });
    expect(sidecarOnly.spec.template.spec.volumes.find((v: { name: string }) => v.name === mount.name).configMap.name).toBe(Testing.synth(chart).find((o) => o.kind === 'ConfigMap').metadata.name);
  });

  test('bad props are refused', () => {
    const { deployment } = app();
    expect(() => addExporterSidecar(deployment, { source: 'stats' })).toThrow('statsUrl and mappingConfigMap are required when source is "stats"');
  });
});
