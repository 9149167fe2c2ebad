import { existsSync, readFileSync } from 'fs';
import { join } from 'path';
import { ClusterFixture, Pod, discover, discoverEndpointSlices, discoverNodes, discoverPods, replaceKubernetesSd } from './support/file-sd';
import { k8sCluster } from './fixtures/k8s-sd/cluster';
import { tempFiles } from './support/tools';

const cluster = k8sCluster();
const byAddress = (groups: { targets: string[]; labels: Record<string, string> }[], address: string) => {
  const found = groups.filter((g) => g.targets[0] === address);
  if (found.length !== 1) throw new Error(`${found.length} targets at ${address}`);
  return found[0].labels;
};

describe('file-sd: Kubernetes discovery labels from a fixture', () => {
  test('pod role: one target per container port with the labels of Prometheus pod discovery', () => {
    const groups = discoverPods(cluster);
    const prom = groups.filter((g) => g.labels.__meta_kubernetes_pod_name === 'prometheus-0');
    expect(prom.map((g) => g.targets[0]).sort()).toEqual(['10.244.1.10:10901', '10.244.1.10:10902', '10.244.1.10:8080', '10.244.1.10:9090']);
    expect(byAddress(groups, '10.244.1.10:9090')).toEqual({
      __meta_kubernetes_namespace: 'monitoring',
      __meta_kubernetes_pod_annotation_prometheus_io_path: '/metrics',
      __meta_kubernetes_pod_annotation_prometheus_io_port: '9090',
      __meta_kubernetes_pod_annotation_prometheus_io_scheme: 'http',
      __meta_kubernetes_pod_annotation_prometheus_io_scrape: 'true',
      __meta_kubernetes_pod_annotationpresent_prometheus_io_path: 'true',
      __meta_kubernetes_pod_annotationpresent_prometheus_io_port: 'true',
      __meta_kubernetes_pod_annotationpresent_prometheus_io_scheme: 'true',
      __meta_kubernetes_pod_annotationpresent_prometheus_io_scrape: 'true',
      __meta_kubernetes_pod_container_id: 'containerd://prometheus-0-prometheus',
      __meta_kubernetes_pod_container_image: 'quay.io/prometheus/prometheus:v3.5.0',
      __meta_kubernetes_pod_container_init: 'false',
      __meta_kubernetes_pod_container_name: 'prometheus',
      __meta_kubernetes_pod_container_port_name: 'http-web',
      __meta_kubernetes_pod_container_port_number: '9090',
      __meta_kubernetes_pod_container_port_protocol: 'TCP',
      __meta_kubernetes_pod_controller_kind: 'StatefulSet',
      __meta_kubernetes_pod_controller_name: 'prometheus',
      __meta_kubernetes_pod_host_ip: '10.0.0.11',
      __meta_kubernetes_pod_ip: '10.244.1.10',
      __meta_kubernetes_pod_label_app_kubernetes_io_instance: 'staging',
      __meta_kubernetes_pod_label_app_kubernetes_io_name: 'prometheus',
      __meta_kubernetes_pod_label_app_kubernetes_io_part_of: 'observability-stack',
      __meta_kubernetes_pod_label_controller_revision_hash: 'prometheus-6d5c4b3a2',
      __meta_kubernetes_pod_labelpresent_app_kubernetes_io_instance: 'true',
      __meta_kubernetes_pod_labelpresent_app_kubernetes_io_name: 'true',
      __meta_kubernetes_pod_labelpresent_app_kubernetes_io_part_of: 'true',
      __meta_kubernetes_pod_labelpresent_controller_revision_hash: 'true',
      __meta_kubernetes_pod_name: 'prometheus-0',
      __meta_kubernetes_pod_node_name: 'node-a',
      __meta_kubernetes_pod_phase: 'Running',
      __meta_kubernetes_pod_ready: 'true',
      __meta_kubernetes_pod_uid: 'uid-prometheus-0',
    });
    // A finished pod is still discovered (relabelling drops it); its ready is false.
    expect(byAddress(groups, '10.244.1.33:9100').__meta_kubernetes_pod_phase).toBe('Succeeded');
    expect(byAddress(groups, '10.244.1.33:9100').__meta_kubernetes_pod_ready).toBe('false');
  });

  test('pod role: a container without ports yields one port-less target; IPv6 is bracketed; pods without IP yield nothing', () => {
    const base = cluster.pods[0];
    const mk = (name: string, ip: string | undefined, ports?: { containerPort: number }[]): Pod => ({
      metadata: { name, namespace: 'x' },
      spec: { containers: [{ name: 'c', image: 'i', ports }] },
      status: { ...base.status, podIP: ip },
    });
    const groups = discoverPods({ pods: [mk('v4', '10.1.1.1'), mk('v6', 'fd00::1', [{ containerPort: 80 }]), mk('v6noport', 'fd00::2'), mk('noip', undefined, [{ containerPort: 80 }])], services: [], endpointSlices: [], nodes: [] });
    expect(groups.map((g) => g.targets[0])).toEqual(['10.1.1.1', '[fd00::1]:80', '[fd00::2]']);
    expect(groups[0].labels.__meta_kubernetes_pod_container_port_number).toBeUndefined();
  });

  test('namespaces.names restricts what is discovered', () => {
    expect(discoverPods(cluster).some((g) => g.labels.__meta_kubernetes_namespace === 'kube-system')).toBe(true);
    expect(discoverPods(cluster, ['shop']).every((g) => g.labels.__meta_kubernetes_namespace === 'shop')).toBe(true);
    expect(discoverEndpointSlices(cluster, ['monitoring']).map((g) => g.labels.__meta_kubernetes_service_name)).toEqual(['alertmanager', 'alertmanager', 'alertmanager', 'alertmanager']);
  });

  test('endpointslice role: service, slice, endpoint and pod labels; container port labels where the port matches; uncovered pod ports too', () => {
    const groups = discoverEndpointSlices(cluster, ['shop']);
    const metrics = byAddress(groups, '10.244.2.34:9102');
    expect(metrics).toMatchObject({
      __meta_kubernetes_namespace: 'shop',
      __meta_kubernetes_service_name: 'payments',
      __meta_kubernetes_service_annotation_prometheus_io_scrape: 'true',
      __meta_kubernetes_service_annotation_prometheus_io_port: '9102',
      __meta_kubernetes_service_label_app_kubernetes_io_name: 'payments',
      __meta_kubernetes_endpointslice_name: 'payments-k9j8h',
      __meta_kubernetes_endpointslice_address_type: 'IPv4',
      __meta_kubernetes_endpointslice_port: '9102',
      __meta_kubernetes_endpointslice_port_name: 'metrics',
      __meta_kubernetes_endpointslice_port_protocol: 'TCP',
      __meta_kubernetes_endpointslice_endpoint_conditions_ready: 'true',
      __meta_kubernetes_endpointslice_endpoint_node_name: 'node-b',
      __meta_kubernetes_endpointslice_address_target_kind: 'Pod',
      __meta_kubernetes_endpointslice_address_target_name: 'payments-84c6d5f7b-k9j8h',
      __meta_kubernetes_pod_name: 'payments-84c6d5f7b-k9j8h',
      __meta_kubernetes_pod_container_name: 'payments',
      __meta_kubernetes_pod_container_port_number: '9102',
      __meta_kubernetes_pod_node_name: 'node-b',
    });
    // The debug container's port is not in the Service: discovered, without endpointslice port labels.
    const debug = byAddress(groups, '10.244.2.34:6060');
    expect(debug.__meta_kubernetes_pod_container_name).toBe('debug');
    expect(debug.__meta_kubernetes_endpointslice_port).toBeUndefined();
    expect(debug.__meta_kubernetes_service_name).toBe('payments');
  });

  test('node role: InternalIP at the kubelet port, instance = node name, one label per address type', () => {
    expect(discoverNodes(cluster)[0]).toEqual({
      targets: ['10.0.0.11:10250'],
      labels: {
        __meta_kubernetes_node_address_Hostname: 'node-a',
        __meta_kubernetes_node_address_InternalIP: '10.0.0.11',
        __meta_kubernetes_node_label_kubernetes_io_hostname: 'node-a',
        __meta_kubernetes_node_label_topology_kubernetes_io_zone: 'zone-1',
        __meta_kubernetes_node_labelpresent_kubernetes_io_hostname: 'true',
        __meta_kubernetes_node_labelpresent_topology_kubernetes_io_zone: 'true',
        __meta_kubernetes_node_name: 'node-a',
        __meta_kubernetes_node_provider_id: 'kind://docker/kind/node-a',
        instance: 'node-a',
      },
    });
    const hostnameOnly: ClusterFixture = {
      pods: [],
      services: [],
      endpointSlices: [],
      nodes: [{ metadata: { name: 'n' }, status: { addresses: [{ type: 'Hostname', address: 'n.local' }], daemonEndpoints: { kubeletEndpoint: { Port: 10250 } } } }],
    };
    expect(discoverNodes(hostnameOnly)[0].targets).toEqual(['n.local:10250']);
  });

  test('unsupported discovery settings fail loudly instead of being ignored', () => {
    expect(() => discover({ role: 'pod', selectors: [{ role: 'pod', label: 'a=b' }] }, cluster)).toThrow(/selectors.*not emulated/);
    expect(() => discover({ role: 'ingress' }, cluster)).toThrow(/role "ingress" is not emulated/);
    expect(() => discover({ role: 'pod', namespaces: { own_namespace: true } }, cluster)).toThrow(/namespaces\.names/);
  });
});

describe('replaceKubernetesSd', () => {
  test('replaces every kubernetes_sd_configs (scrape jobs and alertmanagers) by file_sd_configs, writes the files, rewrites paths', () => {
    const t = tempFiles({});
    try {
      const config = {
        global: { scrape_interval: '30s' },
        rule_files: ['/etc/prometheus/rules/*.yaml'],
        alerting: { alertmanagers: [{ api_version: 'v2', kubernetes_sd_configs: [{ role: 'endpointslice', namespaces: { names: ['monitoring'] } }], relabel_configs: [] }] },
        scrape_configs: [
          {
            job_name: 'pods',
            kubernetes_sd_configs: [{ role: 'pod', namespaces: { names: ['shop'] } }, { role: 'pod', namespaces: { names: ['monitoring'] } }],
            relabel_configs: [{ action: 'keep' }],
          },
          { job_name: 'static', static_configs: [{ targets: ['a:1'] }] },
          { job_name: 'kubelet', authorization: { credentials_file: '/var/run/secrets/kubernetes.io/serviceaccount/token' }, kubernetes_sd_configs: [{ role: 'node' }] },
        ],
      };
      const { config: out, files } = replaceKubernetesSd(config, cluster, { dir: t.dir, rewritePaths: { '/var/run/secrets/kubernetes.io/serviceaccount/': '/tmp/sa/', '/etc/prometheus/rules/': '/tmp/rules/' } });
      expect(JSON.stringify(out)).not.toContain('kubernetes_sd_configs');
      const jobs = out.scrape_configs as Record<string, any>[];
      expect(Object.keys(jobs[0])).toEqual(['job_name', 'file_sd_configs', 'relabel_configs']);
      expect(jobs[0].file_sd_configs).toEqual([{ files: [join(t.dir, 'file-sd', 'job-pods-0.json')] }, { files: [join(t.dir, 'file-sd', 'job-pods-1.json')] }]);
      expect(jobs[1]).toEqual(config.scrape_configs[1]);
      expect(jobs[2].authorization.credentials_file).toBe('/tmp/sa/token');
      expect(out.rule_files).toEqual(['/tmp/rules/*.yaml']);
      expect((out.alerting as any).alertmanagers[0].file_sd_configs).toEqual([{ files: [join(t.dir, 'file-sd', 'alertmanagers-0-0.json')] }]);
      expect(Object.keys(files).sort()).toEqual(['alertmanagers-0-0', 'job-kubelet-0', 'job-pods-0', 'job-pods-1'].map((f) => join(t.dir, 'file-sd', `${f}.json`)));
      for (const [path, content] of Object.entries(files)) {
        expect(existsSync(path)).toBe(true);
        expect(readFileSync(path, 'utf8')).toBe(content);
      }
      const shop = JSON.parse(files[join(t.dir, 'file-sd', 'job-pods-0.json')]);
      expect(shop.every((g: any) => g.labels.__meta_kubernetes_namespace === 'shop')).toBe(true);
      // The input config is left untouched.
      expect(config.scrape_configs[0].kubernetes_sd_configs).toHaveLength(2);
    } finally {
      t.cleanup();
    }
  });
});
