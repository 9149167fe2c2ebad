/**
 * Every container image the stack deploys, pinned to an exact version, in one place.
 * Upgrade path: change the tag here, run `npm run synth`, review `git diff dist/`, run
 * `npm test` (schema, promtool and amtool checks), and read the component's changelog for
 * flags or config fields that changed. An environment can override any entry with
 * `images` in its StackConfig.
 */
export const IMAGES = {
  prometheus: 'quay.io/prometheus/prometheus:v3.13.5',
  alertmanager: 'quay.io/prometheus/alertmanager:v0.35.0',
  thanos: 'quay.io/thanos/thanos:v0.42.5',
  /**
   * Grafana 13.2.3 (13.x line). AGPL-3.0: checked statically only (grafana.ini keys, provisioning
   * formats, dashboard schemaVersion, the image's entrypoint), see test/upstream-config.test.ts.
   */
  grafana: 'docker.io/grafana/grafana:13.2.3',
  /**
   * Loki 3.7.8, the newest 3.7 patch the Go module proxy lists for github.com/grafana/loki/v3.
   * AGPL-3.0: checked statically only (every loki.yaml key and flag against the configuration
   * reference), see test/upstream-config.test.ts.
   */
  loki: 'docker.io/grafana/loki:3.7.8',
  /**
   * Alloy v1.19.2 (the newest the module proxy serves). Not built or run here (it links Loki's
   * AGPL module); config.alloy is checked against its component arguments at the tag.
   */
  alloy: 'docker.io/grafana/alloy:v1.19.2',
  /**
   * Promtail reached end of life on 2026-03-02; 3.6.11 is its last image (Promtail was
   * removed from Loki for 3.7, grafana/loki#21245; no promtail image after the 3.6 line).
   */
  promtail: 'docker.io/grafana/promtail:3.6.11',
  /**
   * Fluentd 1.18.0, image revision 1.5 (fluent-plugin-elasticsearch 5.4.4 memory fix; fluentd-kubernetes-daemonset#1581).
   * Not moved in the issue-16 round: a v1.19 line exists (fluentd-kubernetes-daemonset#1601 "Add v1.19.2-1.1
   * images"), but its newest debian-elasticsearch8 tag and plugin set could not be confirmed here.
   */
  fluentd: 'docker.io/fluent/fluentd-kubernetes-daemonset:v1.18.0-debian-elasticsearch8-1.5',
  kubeStateMetrics: 'registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.20.0',
  nodeExporter: 'quay.io/prometheus/node-exporter:v1.12.1',
  /**
   * The same prometheus-operator release as the CRDs in imports/crds. v0.94.1 is newer, but
   * its nested module pkg/client@v0.94.x is not served by the module proxy the project's
   * machines use, so it cannot be built and checked here; v0.93.0 is the newest that can.
   */
  configReloader: 'quay.io/prometheus-operator/prometheus-config-reloader:v0.93.0',
  exporter: 'ghcr.io/observability-stack/app-exporter:0.1.0',
} as const;

export type ImageName = keyof typeof IMAGES;

/**
 * Every image an environment deploys may use: the pinned ones above and the images its config
 * names (the exporter's, which you build and push). The policy suite's `pinnedImages`.
 */
export function environmentImages(config: { readonly exporter: { readonly image?: string } }): string[] {
  return [...Object.values(IMAGES), ...(config.exporter.image ? [config.exporter.image] : [])];
}
