import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { IMAGES } from '../images';
import { ComponentChart, StackContext } from '../k8s/component';
import { disruptionBudget } from '../k8s/disruption-budget';
import { networkPolicy, Peer } from '../k8s/network-policy';
import { container, httpProbe } from '../k8s/workload';
import { ScrapeTarget } from '../observability/scrape-target';
import type { ExporterConfig, Resources } from '../config/types';

/** The user the exporter image runs as (distroless `nonroot`). */
export const EXPORTER_UID = 65532;
export const EXPORTER_MAPPING_DIR = '/etc/app-exporter';

/** The exporter's container port (metrics, health, event ingestion). */
export const EXPORTER_PORT = 8000;
export const EXPORTER_PORT_NAME = 'http-metrics';

export interface ExporterContainerProps {
  readonly source: ExporterConfig['source'];
  readonly interval: number;
  readonly resources: Resources;
  readonly statsUrl?: string;
  /** @default IMAGES.exporter */
  readonly image?: string;
  /** @default 8000 */
  readonly port?: number;
  /** `stats`: name of the ConfigMap holding `mapping.json`, mounted read-only. */
  readonly mappingConfigMap?: string;
}

/** The exporter container: same contract standalone and as a sidecar. */
export function exporterContainer(props: ExporterContainerProps): k8s.Container {
  const port = props.port ?? EXPORTER_PORT;
  const args = [`--port=${port}`, `--source=${props.source}`, `--interval=${props.interval}`];
  if (props.statsUrl) args.push(`--stats-url=${props.statsUrl}`);
  if (props.mappingConfigMap) args.push(`--mapping=${EXPORTER_MAPPING_DIR}/mapping.json`);
  return container({
    name: 'app-exporter',
    image: props.image ?? IMAGES.exporter,
    args,
    ports: [{ name: EXPORTER_PORT_NAME, containerPort: port }],
    resources: props.resources,
    readinessProbe: httpProbe({ path: '/readyz', port: EXPORTER_PORT_NAME, periodSeconds: 10 }),
    livenessProbe: httpProbe({ path: '/healthz', port: EXPORTER_PORT_NAME, periodSeconds: 20 }),
    volumeMounts: props.mappingConfigMap ? [{ name: 'exporter-mapping', mountPath: EXPORTER_MAPPING_DIR, readOnly: true }] : undefined,
  });
}

export interface AppExporterProps {
  /** Pods allowed to scrape the exporter (the stack's Prometheus). */
  readonly scrapers: readonly Peer[];
}

/**
 * The exporter deployed standalone: `simulate` in staging so every dashboard and alert
 * has data, and as configured in production.
 */
export class AppExporterChart extends ComponentChart {
  readonly scrapeTarget: ScrapeTarget;
  readonly service: k8s.KubeService;

  constructor(scope: Construct, ctx: StackContext, props: AppExporterProps) {
    super(scope, ctx, 'app-exporter', 'exporter');
    const cfg = ctx.config.exporter;
    this.scrapeTarget = new ScrapeTarget({ name: 'app-exporter', port: EXPORTER_PORT, portName: EXPORTER_PORT_NAME });
    const annotations = this.addScrapeTarget(this.scrapeTarget);
    const mappingConfigMap = cfg.source === 'stats' ? 'app-exporter-mapping' : undefined;
    if (mappingConfigMap) {
      new k8s.KubeConfigMap(this, 'mapping', { metadata: this.meta(mappingConfigMap), data: { 'mapping.json': `${JSON.stringify(cfg.statsMapping, null, 2)}\n` } });
    }

    new k8s.KubeDeployment(this, 'deployment', {
      metadata: this.meta('app-exporter'),
      spec: {
        replicas: cfg.replicas,
        revisionHistoryLimit: 5,
        selector: { matchLabels: this.selector },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: k8s.IntOrString.fromNumber(0), maxSurge: k8s.IntOrString.fromNumber(1) } },
        template: this.podTemplate({
          annotations,
          replicas: cfg.replicas,
          uid: EXPORTER_UID,
          terminationGracePeriodSeconds: 30,
          containers: [exporterContainer({ image: cfg.image, source: cfg.source, interval: cfg.interval, resources: cfg.resources, statsUrl: cfg.statsUrl, mappingConfigMap })],
          volumes: mappingConfigMap ? [{ name: 'exporter-mapping', configMap: { name: mappingConfigMap } }] : undefined,
        }),
      },
    });

    this.service = new k8s.KubeService(this, 'service', {
      metadata: this.meta('app-exporter'),
      spec: {
        selector: this.selector,
        ports: [{ name: EXPORTER_PORT_NAME, port: EXPORTER_PORT, targetPort: k8s.IntOrString.fromString(EXPORTER_PORT_NAME) }],
      },
    });

    disruptionBudget(this, 'app-exporter', this.ns, this.selector, cfg.replicas);

    networkPolicy(this, {
      name: 'app-exporter',
      namespace: this.ns,
      podSelector: this.selector,
      ingress: [{ peers: props.scrapers, ports: [{ port: EXPORTER_PORT }] }],
      egress: cfg.source === 'stats' ? [{ peers: [], ports: [{ port: 80 }, { port: 443 }, { port: 8080 }] }] : [],
    });
  }
}
