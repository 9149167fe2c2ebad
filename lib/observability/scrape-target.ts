import { Construct } from 'constructs';
import * as mon from '../../imports/monitoring.coreos.com';
import { FLEET_TLS_KEYS } from '../config/fleet';
import { clientTlsFiles } from '../fleet/tls';
import type { PodScrapeJob } from '../render/prometheus';

/**
 * A scrape target, declared once by the component that exposes it. From it come:
 * - the pod annotations (`prometheus.io/scrape`, `/port`, `/path`, `/scheme`) that the
 *   stack's own Prometheus discovers (its annotated-pods job),
 * - a PodMonitor, or a ServiceMonitor when the component has a Service, for clusters
 *   that run prometheus-operator,
 * - or, for a target the annotated-pods job cannot express (a second port of a pod, an
 *   exporter whose labels describe other objects, a node agent named by its node), a
 *   dedicated job of the stack's own Prometheus (`podScrapeJob`) with the same labels as
 *   the PodMonitor gives.
 */
export interface ScrapeTargetSpec {
  /** Job name; also names the PodMonitor/ServiceMonitor. */
  readonly name: string;
  /** Container port number of the metrics endpoint. */
  readonly port: number;
  /** Container (and Service) port name of the metrics endpoint. */
  readonly portName: string;
  /** @default /metrics */
  readonly path?: string;
  /** @default http */
  readonly scheme?: 'http' | 'https';
  /** Prometheus duration. @default the global scrape interval */
  readonly interval?: string;
  /**
   * The `job` label. @default the pod's `app.kubernetes.io/name` label (the PodMonitor's
   * `jobLabel`; the annotated-pods job does the same)
   */
  readonly job?: string;
  /**
   * The exporter's own `namespace`/`pod`/`container` labels describe the objects its series
   * are about (kube-state-metrics): they win over the target's (`honorLabels`), and the
   * target carries no `namespace`/`pod`/`container`/`node` of its own. @default false
   */
  readonly honorLabels?: boolean;
  /** `instance` = the target's address, or the node the pod runs on (node agents). @default 'address' */
  readonly instance?: 'address' | 'node';
  /**
   * The server accepts only clients with a certificate (a fleet observer's Alertmanager
   * and Loki): HTTPS with the client certificate of `secretName` (keys `tls.crt`,
   * `tls.key`, `ca.crt`), the server's certificate verified as `serverName`. The stack's
   * own Prometheus reads the mounted Secret (lib/fleet/tls.ts); a monitor refers to it.
   * @default none
   */
  readonly tls?: { readonly secretName: string; readonly serverName: string };
}

const SCRAPE_PORT_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * Pod annotations of a second metrics endpoint in a pod (a sidecar's), besides the one
 * `prometheus.io/*` names: the stack's Prometheus scrapes it with its `kubernetes-pods-sidecar`
 * job, so a pod's application and its sidecar are both scraped.
 */
export const SIDECAR_METRICS_ANNOTATIONS = {
  port: 'observability-stack.io/metrics-port',
  path: 'observability-stack.io/metrics-path',
  scheme: 'observability-stack.io/metrics-scheme',
} as const;

export class ScrapeTarget {
  readonly path: string;
  readonly scheme: 'http' | 'https';

  constructor(readonly spec: ScrapeTargetSpec) {
    if (!Number.isInteger(spec.port) || spec.port < 1 || spec.port > 65535) throw new Error(`scrape target ${spec.name}: port ${spec.port} is not a port number (1-65535)`);
    if (!SCRAPE_PORT_NAME.test(spec.portName) || spec.portName.length > 15) throw new Error(`scrape target ${spec.name}: portName "${spec.portName}" is not a valid port name (at most 15 lower-case letters, digits and '-')`);
    this.path = spec.path ?? '/metrics';
    this.scheme = spec.tls ? 'https' : (spec.scheme ?? 'http');
    if (!this.path.startsWith('/')) throw new Error(`scrape target ${spec.name}: path "${this.path}" must start with "/"`);
  }

  get name(): string {
    return this.spec.name;
  }

  /** The annotations that make Prometheus's annotated-pods job scrape this target. */
  podAnnotations(): Record<string, string> {
    return {
      'prometheus.io/path': this.path,
      'prometheus.io/port': String(this.spec.port),
      'prometheus.io/scheme': this.scheme,
      'prometheus.io/scrape': 'true',
    };
  }

  /** Whether the annotated-pods job can scrape this target (else: `podScrapeJob`). */
  get annotatable(): boolean {
    return this.spec.job === undefined && !this.spec.honorLabels && (this.spec.instance ?? 'address') === 'address' && this.spec.tls === undefined;
  }

  /** The dedicated job of the stack's own Prometheus for this target, in pods matching `podLabels`. */
  podScrapeJob(namespace: string, podLabels: Record<string, string>): PodScrapeJob {
    return {
      job: this.spec.job ?? this.name,
      namespace,
      podLabels,
      portName: this.spec.portName,
      path: this.path,
      scheme: this.scheme,
      ...(this.spec.interval ? { interval: this.spec.interval } : {}),
      ...(this.spec.honorLabels ? { honorLabels: true } : {}),
      ...(this.spec.instance === 'node' ? { instance: 'node' as const } : {}),
      ...(this.spec.tls ? { tls: clientTlsFiles(this.spec.tls.serverName) } : {}),
    };
  }

  /** The monitors' TLS settings: the client Secret by name. */
  private monitorTls<T>(): T | undefined {
    const t = this.spec.tls;
    if (!t) return undefined;
    return {
      ca: { secret: { name: t.secretName, key: FLEET_TLS_KEYS.ca } },
      cert: { secret: { name: t.secretName, key: FLEET_TLS_KEYS.cert } },
      keySecret: { name: t.secretName, key: FLEET_TLS_KEYS.key },
      serverName: t.serverName,
    } as unknown as T;
  }

  /**
   * The relabelings a monitor needs on top of prometheus-operator's own (which set
   * `namespace`, `pod`, `container`, `endpoint` and the job), applied after them.
   */
  private monitorRelabelings<T>(): T[] | undefined {
    const out: { sourceLabels?: string[]; targetLabel?: string; replacement?: string; regex?: string; action: string }[] = [];
    if (this.spec.job !== undefined) out.push({ targetLabel: 'job', replacement: this.spec.job, action: 'replace' });
    if (this.spec.instance === 'node') out.push({ sourceLabels: ['__meta_kubernetes_pod_node_name'], targetLabel: 'instance', action: 'replace' });
    if (this.spec.honorLabels) out.push({ regex: 'container|endpoint|namespace|node|pod|service', action: 'labeldrop' });
    return out.length > 0 ? (out as unknown as T[]) : undefined;
  }

  /**
   * The annotations of a pod's second metrics endpoint (a sidecar's; see
   * SIDECAR_METRICS_ANNOTATIONS): they leave the pod's `prometheus.io/*` to its application.
   */
  sidecarAnnotations(): Record<string, string> {
    return {
      [SIDECAR_METRICS_ANNOTATIONS.path]: this.path,
      [SIDECAR_METRICS_ANNOTATIONS.port]: String(this.spec.port),
      [SIDECAR_METRICS_ANNOTATIONS.scheme]: this.scheme,
    };
  }

  /** A PodMonitor selecting the component's pods (prometheus-operator clusters). */
  podMonitor(scope: Construct, namespace: string, selector: Record<string, string>): mon.PodMonitor {
    return new mon.PodMonitor(scope, `podmonitor-${this.name}`, {
      metadata: { name: this.name, namespace },
      spec: {
        jobLabel: 'app.kubernetes.io/name',
        selector: { matchLabels: selector },
        namespaceSelector: { matchNames: [namespace] },
        podMetricsEndpoints: [
          {
            port: this.spec.portName,
            path: this.path,
            scheme: this.scheme === 'https' ? mon.PodMonitorSpecPodMetricsEndpointsScheme.HTTPS : mon.PodMonitorSpecPodMetricsEndpointsScheme.HTTP,
            interval: this.spec.interval,
            honorLabels: this.spec.honorLabels,
            tlsConfig: this.monitorTls<mon.PodMonitorSpecPodMetricsEndpointsTlsConfig>(),
            relabelings: this.monitorRelabelings<mon.PodMonitorSpecPodMetricsEndpointsRelabelings>(),
          },
        ],
      },
    });
  }

  /** A ServiceMonitor selecting the component's Service by its labels. */
  serviceMonitor(scope: Construct, namespace: string, serviceSelector: Record<string, string>): mon.ServiceMonitor {
    return new mon.ServiceMonitor(scope, `servicemonitor-${this.name}`, {
      metadata: { name: this.name, namespace },
      spec: {
        jobLabel: 'app.kubernetes.io/name',
        selector: { matchLabels: serviceSelector },
        namespaceSelector: { matchNames: [namespace] },
        endpoints: [
          {
            port: this.spec.portName,
            path: this.path,
            scheme: this.scheme === 'https' ? mon.ServiceMonitorSpecEndpointsScheme.HTTPS : mon.ServiceMonitorSpecEndpointsScheme.HTTP,
            interval: this.spec.interval,
            honorLabels: this.spec.honorLabels,
            tlsConfig: this.monitorTls<mon.ServiceMonitorSpecEndpointsTlsConfig>(),
            relabelings: this.monitorRelabelings<mon.ServiceMonitorSpecEndpointsRelabelings>(),
          },
        ],
      },
    });
  }
}
