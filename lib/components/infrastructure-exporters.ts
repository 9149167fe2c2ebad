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
  { flag: 'resourcequotas', apiGroup: '', resource: 'resourcequotas' },
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
    // Object metrics: the series' namespace/pod/container are the object's, not KSM's pod's.
    this.addScrapeTarget(new ScrapeTarget({ name, port: KSM_PORT, portName: 'http-metrics', honorLabels: true }));
    // KSM's own telemetry (list/watch errors, build info), its own job.
    this.addScrapeTarget(new ScrapeTarget({ name: `${name}-self`, job: `${name}-self`, port: KSM_TELEMETRY_PORT, portName: 'telemetry' }));

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
      ingress: [this.scrapeIngress(props.scrapers)],
      egress: [apiServerEgress(ctx.config)],
    });
  }
}

const NODE_EXPORTER_PORT = 9100;

/**
 * Network interfaces node-exporter leaves out (`--collector.netdev.device-exclude`,
 * `--collector.netclass.ignored-devices`; both match anywhere in the name, hence `^`): the
 * node end of every pod's veth pair, named by the CNI (`veth*`: bridge, flannel, kindnet,
 * Weave; `cali*`: Calico; `lxc*`: Cilium; `eni*`: AWS VPC CNI; `gke*`: GKE; `azv*`: Azure
 * CNI; `tap*`/`vnet*`: VM sandboxes), which make series per pod and come and go with them,
 * and the per-node virtual devices of the CNIs and container runtimes (`flannel.1`, `cni0`,
 * `docker0`, `br-*`, `cilium_*`, `vxlan.calico`, `tunl0`, `kube-ipvs0`, `kube-bridge`,
 * `nodelocaldns`, `weave`, `datapath`, `genev_sys_*`, `ovn-k8s-*`, `antrea-*`), whose
 * traffic is pod traffic already counted on the physical interface or not node traffic at
 * all. The node's own interfaces (`eth*`, `ens*`, `enp*`, `eno*`, `bond*`, `wl*`) and `lo`
 * stay (the network rules exclude `lo` themselves).
 */
export const NODE_EXPORTER_EXCLUDED_INTERFACES =
  '^(veth|cali|lxc|eni|gke|azv|tap|vnet|flannel|cni|docker|br-|cilium_|vxlan|tunl|kube-ipvs|kube-bridge|nodelocaldns|weave|datapath|genev_sys_|ovn-k8s-|antrea-)';

/**
 * Mount points node-exporter leaves out (`--collector.filesystem.mount-points-exclude`,
 * replacing the binary's default, which it contains): the kernel's pseudo filesystems, and
 * everything the kubelet and the container runtimes mount per pod or per container (volumes,
 * secrets and projected tokens under the kubelet's directory, the sandboxes' `shm`, image
 * layers, network namespaces), which make series per pod. The kubelet's and runtimes' own
 * directories stay when they are mount points of their own (a separate disk that can fill).
 */
export const NODE_EXPORTER_EXCLUDED_MOUNT_POINTS =
  '^/(dev|proc|sys|run/credentials/.+|run/containerd/.+|run/k3s/containerd/.+|run/netns/.+|run/docker/.+|var/lib/docker/.+|var/lib/containerd/.+|var/lib/containers/storage/.+|var/lib/kubelet/.+|var/lib/rancher/(k3s|rke2)/agent/containerd/.+)($|/)';

/** node-exporter's flags (checked against the pinned binary's `--help` by test/node-exporter.test.ts). */
export function nodeExporterArgs(port: number = NODE_EXPORTER_PORT): string[] {
  return [
    '--path.procfs=/host/proc',
    '--path.sysfs=/host/sys',
    '--path.rootfs=/host/root',
    `--web.listen-address=:${port}`,
    `--collector.filesystem.mount-points-exclude=${NODE_EXPORTER_EXCLUDED_MOUNT_POINTS}`,
    `--collector.netdev.device-exclude=${NODE_EXPORTER_EXCLUDED_INTERFACES}`,
    `--collector.netclass.ignored-devices=${NODE_EXPORTER_EXCLUDED_INTERFACES}`,
  ];
}

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
    // One target per node, named as the node (instance = node name, stable across rollouts).
    this.addScrapeTarget(new ScrapeTarget({ name, port: NODE_EXPORTER_PORT, portName: 'metrics', instance: 'node' }), { namespace });
    const { upstreamRunbooks, thresholds } = ctx.config.alerts;
    this.addRuleGroups(nodeAlerts({ runbookBaseUrl: ctx.config.runbookBaseUrl, upstreamRunbooks, thresholds }));

    new k8s.KubeServiceAccount(this, 'serviceaccount', { metadata: { name, namespace }, automountServiceAccountToken: false });
    new k8s.KubeDaemonSet(this, 'daemonset', {
      metadata: { name, namespace },
      spec: {
        selector: { matchLabels: this.selector },
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: k8s.IntOrString.fromString('10%') } },
        template: this.podTemplate({
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
              args: nodeExporterArgs(),
              ports: [{ name: 'metrics', containerPort: NODE_EXPORTER_PORT }],
              // Measured (node_exporter v1.12.1, default collectors, these flags, scraped by two
              // Prometheus replicas): 25 MB resident / 25.5 MB peak on a node with 110 pods
              // (220 veth interfaces, 574 mounts), 28.5 MB / 36 MB with 250 pods (500
              // interfaces, 1774 mounts): excluded devices and mounts are still read, then
              // filtered. Without the exclusions: 36 MB and 54 MB peak (9,000 and 20,000
              // series). The limit leaves room for what the test machine could not show (many
              // CPUs, disks and sensors: a few thousand series more); docs/kubernetes-scrapes.md.
              resources: { cpuRequest: '20m', memoryRequest: '48Mi', memoryLimit: '128Mi' },
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
      ingress: [this.scrapeIngress(props.scrapers.map((p) => ('pods' in p && !('namespace' in p) && !('allNamespaces' in p) ? { namespace: this.ns, pods: p.pods } : p)))],
      egress: [],
    });
  }
}
