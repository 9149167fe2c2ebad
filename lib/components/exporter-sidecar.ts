import { ApiObject, Duration, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import type { Resources } from '../config/types';
import { IMAGES } from '../images';
import { quantityValue } from '../config/validate';
import { ScrapeTarget } from '../observability/scrape-target';
import { EXPORTER_MAPPING_DIR, EXPORTER_PORT, EXPORTER_PORT_NAME, EXPORTER_UID } from './app-exporter';

export interface ExporterSidecarProps {
  /**
   * Where the values come from: `events` (the application POSTs to
   * http://127.0.0.1:<port>/v1/events) or `stats` (the exporter polls `statsUrl`).
   */
  readonly source: 'events' | 'stats';
  /** `stats` only: the application's JSON stats endpoint, e.g. `http://127.0.0.1:8080/stats`. */
  readonly statsUrl?: string;
  /**
   * `stats` only: a ConfigMap of yours holding `mapping.json` (stats fields -> metrics,
   * see exporter/README.md), mounted read-only into the sidecar.
   */
  readonly mappingConfigMap?: kplus.IConfigMap;
  /** Seconds between polls (`stats`). @default 15 */
  readonly interval?: number;
  /** @default 8000 */
  readonly port?: number;
  /** @default 25m CPU, 64Mi memory request, 128Mi memory limit */
  readonly resources?: Resources;
  /** @default IMAGES.exporter */
  readonly image?: string;
  /** Emit a PodMonitor for prometheus-operator clusters, in this namespace. @default none */
  readonly podMonitorNamespace?: string;
  /** PodMonitor (and job) name. @default `<workload name>-exporter` */
  readonly name?: string;
}

const DEFAULT_RESOURCES: Resources = { cpuRequest: '25m', memoryRequest: '64Mi', memoryLimit: '128Mi' };

/**
 * Adds the app exporter as a sidecar to any cdk8s-plus workload (Deployment,
 * StatefulSet, DaemonSet, Job, Pod) in one call: the container with probes, resources
 * and the restricted security context, the scrape annotations on the pod template, and
 * optionally a PodMonitor. The pod's `prometheus.io/*` annotations then point at the
 * exporter (one annotation set per pod): an application with its own /metrics should
 * expose them through a PodMonitor of its own.
 */
export function addExporterSidecar(workload: kplus.AbstractPod, props: ExporterSidecarProps): kplus.Container {
  if (props.source === 'stats' && (!props.statsUrl || !props.mappingConfigMap)) throw new Error('addExporterSidecar: statsUrl and mappingConfigMap are required when source is "stats"');
  if (props.source !== 'stats' && props.statsUrl) throw new Error('addExporterSidecar: statsUrl is only used when source is "stats"');
  const port = props.port ?? EXPORTER_PORT;
  const r = props.resources ?? DEFAULT_RESOURCES;
  const args = [`--port=${port}`, `--source=${props.source}`, `--interval=${props.interval ?? 15}`];
  if (props.statsUrl) args.push(`--stats-url=${props.statsUrl}`);
  if (props.mappingConfigMap) args.push(`--mapping=${EXPORTER_MAPPING_DIR}/mapping.json`);

  const index = workload.containers.length;
  const sidecar = workload.addContainer({
    name: 'app-exporter',
    image: props.image ?? IMAGES.exporter,
    args,
    ports: [{ number: port, name: EXPORTER_PORT_NAME }],
    resources: {
      cpu: { request: kplus.Cpu.millis(Math.round(quantityValue(r.cpuRequest) * 1000)), limit: r.cpuLimit ? kplus.Cpu.millis(Math.round(quantityValue(r.cpuLimit) * 1000)) : undefined },
      memory: { request: Size.mebibytes(quantityValue(r.memoryRequest) / 2 ** 20), limit: Size.mebibytes(quantityValue(r.memoryLimit) / 2 ** 20) },
    },
    readiness: kplus.Probe.fromHttpGet('/readyz', { port }),
    liveness: kplus.Probe.fromHttpGet('/healthz', { port, periodSeconds: Duration.seconds(20) }),
    securityContext: {
      ensureNonRoot: true,
      user: EXPORTER_UID,
      group: EXPORTER_UID,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      privileged: false,
      capabilities: { drop: ['ALL' as kplus.Capability] },
    },
  });
  if (props.mappingConfigMap) {
    sidecar.mount(EXPORTER_MAPPING_DIR, kplus.Volume.fromConfigMap(workload, 'app-exporter-mapping', props.mappingConfigMap), { readOnly: true });
  }
  // cdk8s-plus-27 has no seccompProfile field: patch the container's security context.
  const path = workload instanceof kplus.Pod ? `/spec/containers/${index}/securityContext/seccompProfile` : `/spec/template/spec/containers/${index}/securityContext/seccompProfile`;
  ApiObject.of(workload).addJsonPatch(JsonPatch.add(path, { type: 'RuntimeDefault' }));

  const target = new ScrapeTarget({ name: props.name ?? `${workload.name}-exporter`, port, portName: EXPORTER_PORT_NAME });
  for (const [key, value] of Object.entries(target.podAnnotations())) workload.podMetadata.addAnnotation(key, value);
  if (props.podMonitorNamespace) {
    if (!(workload instanceof kplus.Workload)) throw new Error('addExporterSidecar: podMonitorNamespace needs a workload with a selector (Deployment, StatefulSet, DaemonSet, Job)');
    target.podMonitor(workload, props.podMonitorNamespace, workload.matchLabels);
  }
  return sidecar;
}
