import { ApiObject, ApiObjectMetadataDefinition, JsonPatch } from 'cdk8s';
import type { IConstruct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import type { Resources } from '../config/types';
import { ScrapeTarget } from '../observability/scrape-target';
import { EXPORTER_PORT, EXPORTER_PORT_NAME, exporterContainer } from './app-exporter';

/**
 * What `addExporterSidecar` needs of a workload, structurally: any cdk8s-plus 2.x workload
 * (`Deployment`, `StatefulSet`, `DaemonSet`, `Job`, `Pod`) of whichever cdk8s-plus-XX your app
 * uses (cdk8s-plus-33, -27, ...), as long as it shares this package's `cdk8s`.
 */
export interface SidecarWorkload extends IConstruct {
  /** The workload's name (names the PodMonitor and job by default). */
  readonly name: string;
  /** The pod template's metadata (the scrape annotations go here). */
  readonly podMetadata: ApiObjectMetadataDefinition;
  /** The labels selecting the workload's pods (workloads with a selector; needed for a PodMonitor). */
  readonly matchLabels?: Readonly<Record<string, string>>;
  /** Adds a volume to the pod (the `stats` mapping's ConfigMap). */
  addVolume(volume: never): void;
}

export interface ExporterSidecarProps {
  /**
   * Where the values come from: `events` (the application POSTs to
   * http://127.0.0.1:<port>/v1/events) or `stats` (the exporter polls `statsUrl`).
   */
  readonly source: 'events' | 'stats';
  /** `stats` only (then required): the application's JSON stats endpoint, e.g. `http://127.0.0.1:8080/stats`. @default undefined */
  readonly statsUrl?: string;
  /**
   * `stats` only (then required): a ConfigMap of yours holding `mapping.json` (stats fields ->
   * metrics, see exporter/README.md), mounted read-only into the sidecar: its name, or the
   * ConfigMap construct of any cdk8s-plus. @default undefined
   */
  readonly mappingConfigMap?: string | { readonly name: string };
  /** Seconds between polls (`stats`). @default 15 */
  readonly interval?: number;
  /** @default 8000 */
  readonly port?: number;
  /** @default { cpuRequest: "25m", memoryRequest: "64Mi", memoryLimit: "128Mi" } */
  readonly resources?: Resources;
  /** @default IMAGES.exporter */
  readonly image?: string;
  /** Emit a PodMonitor for prometheus-operator clusters, in this namespace. @default undefined (none) */
  readonly podMonitorNamespace?: string;
  /** PodMonitor (and job) name. @default `<workload name>-exporter` */
  readonly name?: string;
}

const DEFAULT_RESOURCES: Resources = { cpuRequest: '25m', memoryRequest: '64Mi', memoryLimit: '128Mi' };
const MAPPING_VOLUME = 'exporter-mapping';

/** Where the pod spec is in each kind of workload the sidecar can join. */
const POD_SPEC_PATH: Record<string, string> = {
  Pod: '/spec',
  Deployment: '/spec/template/spec',
  StatefulSet: '/spec/template/spec',
  DaemonSet: '/spec/template/spec',
  ReplicaSet: '/spec/template/spec',
  Job: '/spec/template/spec',
};

function apiObjectOf(workload: SidecarWorkload): ApiObject {
  try {
    return ApiObject.of(workload);
  } catch {
    throw new Error(
      `addExporterSidecar: ${workload.node.path} has no Kubernetes object of this package's cdk8s. ` +
        'Your app and observability-stack must share one copy of cdk8s (a peer dependency): `npm ls cdk8s` should list one version.',
    );
  }
}

/**
 * Adds the app exporter as a sidecar to a workload of yours in one call: the container (the
 * same as the stack's own exporter: probes, resources, the restricted security context), the
 * annotations that make the stack's Prometheus scrape it, and optionally a PodMonitor.
 *
 * Your application's own scrape target is kept: the sidecar does not touch the pod's
 * `prometheus.io/*` annotations (your app's `/metrics`, scraped by the `kubernetes-pods` job)
 * but sets `observability-stack.io/metrics-port` (and `-path`, `-scheme`), which the stack's
 * `kubernetes-pods-sidecar` job scrapes: both get scraped. On prometheus-operator clusters the
 * PodMonitor selects the sidecar's port by name (`http-metrics`).
 *
 * The container is added to the synthesized pod spec (a JSON patch), so it works with any
 * cdk8s-plus 2.x and does not appear in the workload's `containers`. Returns it, as the
 * Kubernetes JSON it adds.
 */
export function addExporterSidecar(workload: SidecarWorkload, props: ExporterSidecarProps): Readonly<Record<string, unknown>> {
  const where = `addExporterSidecar(${workload.node.path})`;
  if (props.source === 'stats' && (!props.statsUrl || !props.mappingConfigMap)) throw new Error(`${where}: statsUrl and mappingConfigMap are required when source is "stats"`);
  if (props.source !== 'stats' && (props.statsUrl || props.mappingConfigMap)) throw new Error(`${where}: statsUrl and mappingConfigMap are only used when source is "stats"`);
  const obj = apiObjectOf(workload);
  const podSpec = POD_SPEC_PATH[obj.kind];
  if (podSpec === undefined) {
    throw new Error(
      `${where}: a ${obj.kind} is not supported; add the sidecar to a Deployment, StatefulSet, DaemonSet, Job or Pod` +
        (obj.kind === 'CronJob' ? ' (a CronJob\'s pods finish before their metrics are scraped: push them instead)' : ''),
    );
  }
  const port = props.port ?? EXPORTER_PORT;
  const mapping = typeof props.mappingConfigMap === 'string' ? props.mappingConfigMap : props.mappingConfigMap?.name;
  const spec = exporterContainer({
    source: props.source,
    interval: props.interval ?? 15,
    resources: props.resources ?? DEFAULT_RESOURCES,
    statsUrl: props.statsUrl,
    image: props.image,
    port,
    mappingConfigMap: mapping,
  });
  // cdk8s-plus workloads are generated L1 objects whose toJson() converts the patched object
  // once more from their props shape (a Quantity or IntOrString is `{ value }` there, a plain
  // string would be dropped): the patch carries the container in that shape.
  obj.addJsonPatch(JsonPatch.add(`${podSpec}/containers/-`, spec));

  if (mapping !== undefined) {
    // A volume as every cdk8s-plus 2.x renders its own (`_toKube()`): the pod spec then lists it
    // whether or not the workload has volumes of its own.
    const volume = { name: MAPPING_VOLUME, _toKube: () => ({ name: MAPPING_VOLUME, configMap: { name: mapping } }) };
    try {
      workload.addVolume(volume as never);
    } catch (e) {
      throw new Error(`${where}: cannot add the volume "${MAPPING_VOLUME}" for the stats mapping: ${(e as Error).message}`);
    }
  }

  const target = new ScrapeTarget({ name: props.name ?? `${workload.name}-exporter`, port, portName: EXPORTER_PORT_NAME });
  for (const [key, value] of Object.entries(target.sidecarAnnotations())) workload.podMetadata.addAnnotation(key, value);
  if (props.podMonitorNamespace) {
    const selector = workload.matchLabels;
    if (!selector || Object.keys(selector).length === 0) throw new Error(`${where}: podMonitorNamespace needs a workload with a selector (Deployment, StatefulSet, DaemonSet, Job), not a ${obj.kind}`);
    target.podMonitor(workload, props.podMonitorNamespace, { ...selector });
  }
  return k8s.toJson_Container(spec) as Record<string, unknown>;
}
