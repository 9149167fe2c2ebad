import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { IMAGES } from '../images';
import { ComponentChart, StackContext } from '../k8s/component';
import { apiServerEgress, networkPolicy, Peer } from '../k8s/network-policy';
import { container, httpProbe } from '../k8s/workload';
import { nodeAlerts } from '../observability/alerts/node';
import { ScrapeTarget } from '../observability/scrape-target';
import { agentsNamespace } from './namespace';

/**
 * The Kubernetes objects kube-state-metrics exports: exactly those the dashboards and
 * infrastructure alerts read. Its `--resources` flag and its ClusterRole both come from
 * this one list, so RBAC is never wider than what is collected.
 */
export const KSM_RESOURCES: readonly { readonly resource: string; readonly apiGroup: string; readonly flag: string }[] = [
  { flag: 'cronjobs', apiGroup: 'batch', resource: 'cronjobs' },
  { flag: 'daemonsets', apiGroup: 'apps', resource: 'daemonsets' },
  { flag: 'deployments', apiGroup: 'apps', resource: 'deployments' },
  { flag: 'horizontalpodautoscalers', apiGroup: 'autoscaling', resource: 'horizontalpodautoscalers' },
  { flag: 'jobs', apiGroup: 'batch', resource: 'jobs' },
  { flag: 'namespaces', apiGroup: '', resource: 'namespaces' },
  { flag: 'nodes', apiGroup: '', resource: 'nodes' },
  { flag: 'persistentvolumeclaims', apiGroup: '', resource: 'persistentvolumeclaims' },
  { flag: 'persistentvolumes', apiGroup: '', resource: 'persistentvolumes' },
  { flag: 'poddisruptionbudgets', apiGroup: 'policy', resource: 'poddisruptionbudgets' },
  { flag: 'pods', apiGroup: '', resource: 'pods' },
  { flag: 'replicasets', apiGroup: 'apps', resource: 'replicasets' },
  { flag: 'services', apiGroup: '', resource: 'services' },
  { flag: 'statefulsets', apiGroup: 'apps', resource: 'statefulsets' },
];

const KSM_PORT = 8080;
const KSM_TELEMETRY_PORT = 8081;

/** kube-state-metrics: object state (pods, deployments, nodes, PVCs) as metrics. */
export class KubeStateMetricsChart extends ComponentChart {
  constructor(scope: Construct, ctx: StackContext, props: { readonly scrapers: readonly Peer[] }) {
    super(scope, ctx, 'kube-state-metrics', 'exporter');
    const name = 'kube-state-metrics';
    const annotations = this.addScrapeTarget(new ScrapeTarget({ name, port: KSM_PORT, portName: 'http-metrics' }));

    this.serviceAccount(name);
    const roleName = `${this.ns}-kube-state-metrics`;
    const groups = [...new Set(KSM_RESOURCES.map((r) => r.apiGroup))].sort();
    new k8s.KubeClusterRole(this, 'clusterrole', {
      metadata: { name: roleName },
      rules: groups.map((g) => ({ apiGroups: [g], resources: KSM_RESOURCES.filter((r) => r.apiGroup === g).map((r) => r.resource), verbs: ['list', 'watch'] })),
    });
    new k8s.KubeClusterRoleBinding(this, 'clusterrolebinding', {
      metadata: { name: roleName },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: roleName },
      subjects: [{ kind: 'ServiceAccount', name, namespace: this.ns }],
    });

    new k8s.KubeDeployment(this, 'deployment', {
      metadata: this.meta(name),
      spec: {
        replicas: 1,
        selector: { matchLabels: this.selector },
        template: this.podTemplate({
          annotations,
          replicas: 1,
          serviceAccountName: name,
          apiAccess: true,
          containers: [
            container({
              name,
              image: IMAGES.kubeStateMetrics,
              args: [`--port=${KSM_PORT}`, `--telemetry-port=${KSM_TELEMETRY_PORT}`, `--resources=${KSM_RESOURCES.map((r) => r.flag).join(',')}`],
              ports: [
                { name: 'http-metrics', containerPort: KSM_PORT },
                { name: 'telemetry', containerPort: KSM_TELEMETRY_PORT },
              ],
              resources: { cpuRequest: '50m', memoryRequest: '128Mi', memoryLimit: '256Mi' },
              livenessProbe: httpProbe({ path: '/livez', port: 'http-metrics' }),
              readinessProbe: httpProbe({ path: '/readyz', port: 'telemetry' }),
            }),
          ],
        }),
      },
    });

    networkPolicy(this, {
      name,
      namespace: this.ns,
      podSelector: this.selector,
      ingress: [{ peers: props.scrapers, ports: [{ port: KSM_PORT }, { port: KSM_TELEMETRY_PORT }] }],
      egress: [apiServerEgress(ctx.config)],
    });
  }
}

const NODE_EXPORTER_PORT = 9100;

/**
 * node-exporter: node CPU, memory, disk and network. One of the two workloads allowed to
 * relax the restricted baseline (with the log collector), in the node-agents namespace:
 * - read-only hostPath mounts of /proc, /sys and / (the host's filesystems, for disk
 *   usage), because node metrics are the host's, not the container's;
 * - hostNetwork, so that network metrics are the node's interfaces (in the pod's own
 *   network namespace /proc/net shows the pod's) and it is scraped on the node address.
 * It still runs as non-root (UID 65534) with no capabilities and a read-only root
 * filesystem: everything it reads on the host is world-readable.
 */
export class NodeExporterChart extends ComponentChart {
  constructor(scope: Construct, ctx: StackContext, props: { readonly scrapers: readonly Peer[] }) {
    super(scope, ctx, 'node-exporter', 'exporter');
    const name = 'node-exporter';
    const namespace = agentsNamespace(this.ns);
    const target = new ScrapeTarget({ name, port: NODE_EXPORTER_PORT, portName: 'metrics' });
    target.podMonitor(this, namespace, this.selector);
    const annotations = target.podAnnotations();
    const { upstreamRunbooks, thresholds } = ctx.config.alerts;
    this.addRuleGroups(nodeAlerts({ runbookBaseUrl: ctx.config.runbookBaseUrl, upstreamRunbooks, thresholds }));

    new k8s.KubeServiceAccount(this, 'serviceaccount', { metadata: { name, namespace }, automountServiceAccountToken: false });
    new k8s.KubeDaemonSet(this, 'daemonset', {
      metadata: { name, namespace },
      spec: {
        selector: { matchLabels: this.selector },
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: k8s.IntOrString.fromString('10%') } },
        template: this.podTemplate({
          annotations,
          replicas: 1,
          serviceAccountName: name,
          hostAccess: {
            reason: 'node-exporter reports the node: it reads the host /proc, /sys and filesystems (read-only) and uses the host network namespace for interface metrics',
            hostPaths: ['/proc', '/sys', '/'],
            hostNetwork: true,
          },
          tolerations: [{ operator: 'Exists' }],
          containers: [
            container({
              name,
              image: IMAGES.nodeExporter,
              args: [
                '--path.procfs=/host/proc',
                '--path.sysfs=/host/sys',
                '--path.rootfs=/host/root',
                `--web.listen-address=:${NODE_EXPORTER_PORT}`,
                '--collector.filesystem.mount-points-exclude=^/(dev|proc|sys|run/k3s/containerd/.+|var/lib/docker/.+|var/lib/kubelet/pods/.+)($|/)',
              ],
              ports: [{ name: 'metrics', containerPort: NODE_EXPORTER_PORT }],
              resources: { cpuRequest: '20m', memoryRequest: '32Mi', memoryLimit: '64Mi' },
              readinessProbe: httpProbe({ path: '/', port: 'metrics' }),
              livenessProbe: httpProbe({ path: '/', port: 'metrics' }),
              volumeMounts: [
                { name: 'proc', mountPath: '/host/proc', readOnly: true },
                { name: 'sys', mountPath: '/host/sys', readOnly: true },
                { name: 'root', mountPath: '/host/root', readOnly: true, mountPropagation: 'HostToContainer' },
              ],
            }),
          ],
          volumes: [
            { name: 'proc', hostPath: { path: '/proc' } },
            { name: 'sys', hostPath: { path: '/sys' } },
            { name: 'root', hostPath: { path: '/' } },
          ],
        }),
      },
    });

    networkPolicy(this, {
      name,
      namespace,
      podSelector: this.selector,
      ingress: [{ peers: props.scrapers.map((p) => ('pods' in p && !('namespace' in p) && !('allNamespaces' in p) ? { namespace: this.ns, pods: p.pods } : p)), ports: [{ port: NODE_EXPORTER_PORT }] }],
      egress: [],
    });
  }
}
