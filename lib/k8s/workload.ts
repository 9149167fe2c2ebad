import { k8s } from 'cdk8s-plus-27';
import type { Resources, StackConfig, StorageConfig } from '../config/types';
import { IMAGES } from '../images';
import { HOST_ACCESS_ANNOTATION, HOST_STATE_ROOT, HostAccessException, restrictedContainerSecurityContext, restrictedPodSecurityContext, DEFAULT_UID } from './security';

/** Kubernetes resources from the config's Resources (CPU limit only when configured). */
export function resourceRequirements(r: Resources): k8s.ResourceRequirements {
  const limits: Record<string, k8s.Quantity> = { memory: k8s.Quantity.fromString(r.memoryLimit) };
  if (r.cpuLimit) limits.cpu = k8s.Quantity.fromString(r.cpuLimit);
  return {
    requests: { cpu: k8s.Quantity.fromString(r.cpuRequest), memory: k8s.Quantity.fromString(r.memoryRequest) },
    limits,
  };
}

export interface HttpProbeSpec {
  readonly path: string;
  /** Port name or number. */
  readonly port: string | number;
  readonly scheme?: 'HTTP' | 'HTTPS';
  readonly initialDelaySeconds?: number;
  /** @default 10 */
  readonly periodSeconds?: number;
  /** @default 3 */
  readonly failureThreshold?: number;
  /** @default 5 */
  readonly timeoutSeconds?: number;
}

export function httpProbe(p: HttpProbeSpec): k8s.Probe {
  return {
    httpGet: { path: p.path, port: typeof p.port === 'number' ? k8s.IntOrString.fromNumber(p.port) : k8s.IntOrString.fromString(p.port), scheme: p.scheme ?? 'HTTP' },
    initialDelaySeconds: p.initialDelaySeconds,
    periodSeconds: p.periodSeconds ?? 10,
    timeoutSeconds: p.timeoutSeconds ?? 5,
    failureThreshold: p.failureThreshold ?? 3,
  };
}

/** A probe that opens a TCP connection to the port (for a server whose HTTP endpoints need a client certificate). */
export function tcpProbe(port: string | number, periodSeconds = 10, failureThreshold = 3): k8s.Probe {
  return {
    tcpSocket: { port: typeof port === 'number' ? k8s.IntOrString.fromNumber(port) : k8s.IntOrString.fromString(port) },
    periodSeconds,
    timeoutSeconds: 5,
    failureThreshold,
  };
}

export interface ContainerSpec {
  readonly name: string;
  readonly image: string;
  readonly command?: string[];
  readonly args?: string[];
  readonly env?: k8s.EnvVar[];
  readonly ports?: { readonly name: string; readonly containerPort: number; readonly protocol?: 'TCP' | 'UDP' }[];
  readonly resources: Resources;
  /** Required for long-running containers (the policy suite checks it). */
  readonly readinessProbe?: k8s.Probe;
  readonly livenessProbe?: k8s.Probe;
  /** For slow starts (e.g. Prometheus WAL replay). */
  readonly startupProbe?: k8s.Probe;
  readonly volumeMounts?: k8s.VolumeMount[];
  /** Overrides of the restricted container security context (host-access exceptions only). */
  readonly securityContext?: Partial<k8s.SecurityContext>;
}

/** A container with the restricted security context and explicit resources. */
export function container(spec: ContainerSpec): k8s.Container {
  return {
    name: spec.name,
    image: spec.image,
    imagePullPolicy: 'IfNotPresent',
    command: spec.command,
    args: spec.args,
    env: spec.env,
    ports: spec.ports?.map((p) => ({ name: p.name, containerPort: p.containerPort, protocol: p.protocol ?? 'TCP' })),
    resources: resourceRequirements(spec.resources),
    readinessProbe: spec.readinessProbe,
    livenessProbe: spec.livenessProbe,
    startupProbe: spec.startupProbe,
    volumeMounts: spec.volumeMounts,
    securityContext: { ...restrictedContainerSecurityContext(), ...spec.securityContext },
    terminationMessagePolicy: 'FallbackToLogsOnError',
  };
}

export interface PodTemplateSpec {
  /** Selector labels plus standard labels. */
  readonly labels: Record<string, string>;
  /** Selector labels, used for topology spread. */
  readonly selector: Record<string, string>;
  readonly annotations?: Record<string, string>;
  readonly replicas: number;
  readonly containers: k8s.Container[];
  readonly initContainers?: k8s.Container[];
  readonly volumes?: k8s.Volume[];
  /** The ServiceAccount; its token is mounted only when `apiAccess` is true. */
  readonly serviceAccountName?: string;
  /** The component talks to the Kubernetes API. @default false */
  readonly apiAccess?: boolean;
  /** @default 65534 */
  readonly uid?: number;
  readonly terminationGracePeriodSeconds?: number;
  /** Only for node-reading agents. */
  readonly hostAccess?: HostAccessException;
  /** DaemonSets: tolerate every taint so every node is covered. */
  readonly tolerations?: k8s.Toleration[];
}

/**
 * A pod template with the restricted baseline, topology spread for replicated
 * workloads, and the PriorityClass option. Host access is refused unless the spec
 * carries a named HostAccessException.
 */
export function podTemplate(config: StackConfig, spec: PodTemplateSpec): k8s.PodTemplateSpec {
  const hostPaths = (spec.volumes ?? []).filter((v) => v.hostPath).map((v) => v.hostPath!.path);
  if (!spec.hostAccess && hostPaths.length > 0) {
    throw new Error(`pod ${spec.selector['app.kubernetes.io/name']}: hostPath volumes (${hostPaths.join(', ')}) need an explicit HostAccessException`);
  }
  if (spec.hostAccess) {
    const stateDirs = spec.hostAccess.stateDirs ?? [];
    const outside = stateDirs.filter((d) => !d.startsWith(`${HOST_STATE_ROOT}/`));
    if (outside.length > 0) throw new Error(`pod ${spec.selector['app.kubernetes.io/name']}: HostAccessException.stateDirs ${outside.join(', ')} must be under ${HOST_STATE_ROOT}/`);
    const extra = hostPaths.filter((p) => !spec.hostAccess!.hostPaths.includes(p) && !stateDirs.includes(p));
    if (extra.length > 0) throw new Error(`pod ${spec.selector['app.kubernetes.io/name']}: hostPath ${extra.join(', ')} is not in its HostAccessException.hostPaths or stateDirs`);
  }
  const uid = spec.hostAccess?.runAsRoot ? 0 : (spec.uid ?? DEFAULT_UID);
  const securityContext = spec.hostAccess?.runAsRoot
    ? { ...restrictedPodSecurityContext(0), runAsNonRoot: false, runAsUser: 0, runAsGroup: 0, fsGroup: undefined, fsGroupChangePolicy: undefined }
    : restrictedPodSecurityContext(uid);

  const spread: k8s.TopologySpreadConstraint[] = [];
  if (spec.replicas > 1) {
    spread.push({ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: spec.selector } });
    if (config.scheduling.spreadAcrossZones) {
      spread.push({ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: spec.selector } });
    }
  }
  const annotations = { ...spec.annotations };
  if (spec.hostAccess) annotations[HOST_ACCESS_ANNOTATION] = spec.hostAccess.reason;

  return {
    metadata: { labels: spec.labels, annotations: Object.keys(annotations).length ? sortKeys(annotations) : undefined },
    spec: {
      serviceAccountName: spec.serviceAccountName,
      automountServiceAccountToken: spec.apiAccess ?? false,
      securityContext,
      priorityClassName: config.scheduling.priorityClassName,
      terminationGracePeriodSeconds: spec.terminationGracePeriodSeconds,
      hostNetwork: spec.hostAccess?.hostNetwork,
      hostPid: spec.hostAccess?.hostPID,
      enableServiceLinks: false,
      topologySpreadConstraints: spread.length ? spread : undefined,
      tolerations: spec.tolerations,
      initContainers: spec.initContainers,
      containers: spec.containers,
      volumes: spec.volumes,
    },
  };
}

export function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.keys(record).sort().map((k) => [k, record[k]]));
}

/** A StatefulSet volumeClaimTemplate: one ReadWriteOnce PVC per replica, from the config. */
export function volumeClaimTemplate(name: string, storage: StorageConfig): k8s.KubePersistentVolumeClaimProps {
  return {
    metadata: { name },
    spec: { accessModes: ['ReadWriteOnce'], storageClassName: storage.storageClassName, resources: { requests: { storage: k8s.Quantity.fromString(storage.size) } } },
  };
}

export const CONFIG_RELOADER_PORT = 8080;
/** Name of the config reloader's metrics port (the `config-reloader` scrape job selects it). */
export const CONFIG_RELOADER_PORT_NAME = 'reloader-web';

/**
 * The config-reloader sidecar (prometheus-operator's): watches mounted ConfigMap/Secret
 * directories and POSTs the server's reload URL when they change, so a config change
 * applies without a restart.
 */
export function configReloader(spec: { readonly reloadUrl: string; readonly configFile?: string; readonly watchedDirs: readonly string[]; readonly volumeMounts: k8s.VolumeMount[] }): k8s.Container {
  return container({
    name: 'config-reloader',
    image: IMAGES.configReloader,
    command: ['/bin/prometheus-config-reloader'],
    args: [
      `--listen-address=:${CONFIG_RELOADER_PORT}`,
      `--reload-url=${spec.reloadUrl}`,
      ...(spec.configFile ? [`--config-file=${spec.configFile}`] : []),
      ...spec.watchedDirs.map((d) => `--watched-dir=${d}`),
    ],
    ports: [{ name: CONFIG_RELOADER_PORT_NAME, containerPort: CONFIG_RELOADER_PORT }],
    resources: { cpuRequest: '10m', memoryRequest: '25Mi', memoryLimit: '50Mi' },
    readinessProbe: httpProbe({ path: '/metrics', port: CONFIG_RELOADER_PORT_NAME, periodSeconds: 30 }),
    livenessProbe: httpProbe({ path: '/metrics', port: CONFIG_RELOADER_PORT_NAME, periodSeconds: 30 }),
    volumeMounts: spec.volumeMounts,
  });
}
