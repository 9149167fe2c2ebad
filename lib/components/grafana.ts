import { createHash } from 'crypto';
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import type { StorageConfig } from '../config/types';
import { FLEET_TLS_KEYS } from '../config/fleet';
import { IMAGES } from '../images';
import { ComponentChart, StackContext } from '../k8s/component';
import { disruptionBudget } from '../k8s/disruption-budget';
import { externalEgress, FlowRule, networkPolicy, Peer } from '../k8s/network-policy';
import { ServiceRef } from '../k8s/service-ref';
import { container, httpProbe, sortKeys } from '../k8s/workload';
import { makeAlert, UpstreamRunbooks } from '../observability/alerts/common';
import { grafanaRequestsFailingAlert } from '../observability/alerts/stack';
import type { AlertThresholdOverrides } from '../observability/alerts/thresholds';
import { dashboardJson, stackDashboards, usedFolders } from '../observability/dashboards';
import type { RuleGroup } from '../observability/rule-group';
import { ScrapeTarget } from '../observability/scrape-target';
import { userDashboardSpecs } from '../observability/user-dashboards';
import type { GrafanaConfig, GrafanaSsoConfig } from '../config/types';
import {
  dashboardFolderPath,
  DashboardFolderSpec,
  DatasourceInputs,
  defaultMetricsDatasourceUid,
  GRAFANA_ADMIN_SECRET_DIR,
  GRAFANA_DATA_DIR,
  GRAFANA_DATABASE_SECRET_DIR,
  GRAFANA_DATABASE_SECRET_KEYS,
  GRAFANA_HA_PORT,
  GRAFANA_OAUTH_SECRET_DIR,
  GRAFANA_PORT,
  GenericOAuthIni,
  ProvisionedDashboard,
  GRAFANA_PROVISIONING_DIR,
  renderDashboardProviders,
  renderDatasources,
  renderGrafanaIni,
} from '../render/grafana';

/** The SQLite database's PersistentVolumeClaim when `grafana.storage` is not set. */
export const DEFAULT_GRAFANA_STORAGE: StorageConfig = { size: '1Gi' };

/** The UID and GID the Grafana image runs as. */
export const GRAFANA_UID = 472;
export const GRAFANA_PORT_NAME = 'http';

/**
 * Largest data of one dashboard ConfigMap. The API server allows 1 MiB, but `kubectl apply`
 * (client-side, what `kubectl apply -k dist/<env>` does) copies the object into the
 * `last-applied-configuration` annotation, limited to 256 KiB; a folder bigger than this is
 * split into several ConfigMaps projected into the same directory.
 */
export const DASHBOARD_CONFIGMAP_MAX_BYTES = 200 * 1024;

export interface GrafanaDatasourceRefs {
  /** Thanos Query; when given it is the default datasource (deduplicated, long-term). */
  readonly thanosQuery?: ServiceRef;
  /** The stack's Prometheus (always provisioned; the stack-health dashboard reads it directly). */
  readonly prometheus: ServiceRef;
  readonly loki?: ServiceRef;
  readonly alertmanager?: ServiceRef;
  /**
   * Loki and Alertmanager require a client certificate (a fleet's observer): the Secret
   * (keys `tls.crt`, `tls.key`, `ca.crt`), read into environment variables the
   * provisioning file refers to; and Loki's tenants, queried together. @default none
   */
  readonly fleet?: { readonly clientSecret: string; readonly lokiTenants: readonly string[] };
}

/** Reloader (github.com/stakater/Reloader) restarts a workload carrying it when one of the named Secrets changes. */
export const SECRET_RELOAD_ANNOTATION = 'secret.reloader.stakater.com/reload';

/** The environment variables holding the fleet client certificate (PEM) in Grafana's container. */
const CLIENT_TLS_ENV = { ca: 'FLEET_TLS_CA', cert: 'FLEET_TLS_CERT', key: 'FLEET_TLS_KEY' } as const;

export interface GrafanaProps {
  /** Pods allowed to scrape Grafana's /metrics (the stack's Prometheus). */
  readonly scrapers: readonly Peer[];
  /** The Services Grafana queries; URLs and egress rules come from these references. */
  readonly datasources: GrafanaDatasourceRefs;
  /** Largest data of one dashboard ConfigMap. @default DASHBOARD_CONFIGMAP_MAX_BYTES (200 KiB) */
  readonly dashboardConfigMapMaxBytes?: number;
}

/** One ConfigMap of dashboards: a folder, or a part of a folder too big for one ConfigMap. */
export interface DashboardConfigMap {
  readonly name: string;
  readonly folder: DashboardFolderSpec;
  readonly data: Record<string, string>;
}

/** Split each folder's dashboards into ConfigMaps of at most `maxBytes` of data. */
export function dashboardConfigMaps(specs: readonly ProvisionedDashboard[], maxBytes: number = DASHBOARD_CONFIGMAP_MAX_BYTES): DashboardConfigMap[] {
  const out: DashboardConfigMap[] = [];
  for (const folder of usedFolders(specs)) {
    const files = specs.filter((s) => s.folder.uid === folder.uid).map((s) => [s.fileName, dashboardJson(s.dashboard)] as const);
    const parts: Array<Record<string, string>> = [];
    let current: Record<string, string> = {};
    let size = 0;
    for (const [file, json] of files) {
      const bytes = Buffer.byteLength(json) + file.length;
      if (bytes > maxBytes) throw new Error(`dashboard ${folder.uid}/${file}: ${bytes} bytes, more than one ConfigMap may hold (${maxBytes}); split the dashboard`);
      if (size + bytes > maxBytes && size > 0) {
        parts.push(current);
        current = {};
        size = 0;
      }
      current[file] = json;
      size += bytes;
    }
    parts.push(current);
    parts.forEach((data, i) => out.push({ name: `grafana-dashboards-${folder.uid}${parts.length > 1 ? `-${i + 1}` : ''}`, folder, data }));
  }
  return out;
}

/**
 * One volume per folder, mounted at the folder's directory: the ConfigMap itself, or a
 * projected volume of its parts when the folder was split.
 */
export function dashboardVolumes(maps: readonly DashboardConfigMap[]): { volumes: k8s.Volume[]; mounts: k8s.VolumeMount[] } {
  const volumes: k8s.Volume[] = [];
  const mounts: k8s.VolumeMount[] = [];
  const folders = maps.map((m) => m.folder).filter((f, i, all) => all.findIndex((g) => g.uid === f.uid) === i);
  for (const folder of folders) {
    const parts = maps.filter((m) => m.folder.uid === folder.uid);
    const name = `dashboards-${folder.uid}`;
    volumes.push(parts.length === 1 ? { name, configMap: { name: parts[0].name } } : { name, projected: { sources: parts.map((m) => ({ configMap: { name: m.name } })) } });
    mounts.push({ name, mountPath: dashboardFolderPath(folder), readOnly: true });
  }
  return { volumes, mounts };
}

/**
 * Grafana with provisioned datasources (Thanos Query default, Prometheus, Loki, Alertmanager,
 * fixed uids) and dashboards as code (one folder per topic), admin credentials from the
 * user's Secret, its own scrape target, alerts and NetworkPolicy.
 *
 * Database: without `grafana.database`, one replica with its SQLite database on a
 * PersistentVolumeClaim (`grafana.storage`, 1Gi by default): users, sessions and
 * preferences survive restarts. Several replicas need `grafana.database` (PostgreSQL or
 * MySQL, credentials from a Secret): SQLite per pod would give each pod its own users and
 * sessions, and a login would fail whenever the next request reached another pod. With
 * several replicas, unified alerting gossips over a headless Service so that Grafana-managed
 * alerts are evaluated once and notified once.
 */
export class GrafanaChart extends ComponentChart {
  readonly service: ServiceRef;
  readonly scrapeTarget: ScrapeTarget;
  /** Rendered provisioning (for tests and the README). */
  readonly grafanaIni: string;
  readonly datasourcesYaml: string;
  readonly dashboardProvidersYaml: string;
  readonly dashboards: readonly ProvisionedDashboard[];
  /** Grafana's public URL (`root_url`): `grafana.externalUrl`, else derived from the Ingress. */
  readonly rootUrl?: string;

  constructor(scope: Construct, ctx: StackContext, props: GrafanaProps) {
    super(scope, ctx, 'grafana', 'dashboards');
    const cfg = ctx.config.grafana;
    const name = 'grafana';
    // validateConfig refuses both already; a chart built without it must not either.
    if (!cfg.database && cfg.replicas > 1) {
      throw new Error(`grafana.replicas: ${cfg.replicas} replicas need grafana.database (SQLite is per pod); set grafana.replicas to 1 or set grafana.database`);
    }
    if (cfg.database && cfg.storage) throw new Error('grafana.storage: is set with grafana.database; remove grafana.storage');
    const storage = cfg.database ? undefined : (cfg.storage ?? DEFAULT_GRAFANA_STORAGE);
    const clustered = cfg.replicas > 1;
    const headlessName = 'grafana-headless';

    const ds = props.datasources;
    const scheme = ds.fleet ? 'https' : 'http';
    const inputs: DatasourceInputs = {
      thanosQueryUrl: ds.thanosQuery?.url(),
      prometheusUrl: ds.prometheus.url(),
      lokiUrl: ds.loki?.url(scheme),
      alertmanagerUrl: ds.alertmanager?.url(scheme),
      scrapeInterval: ctx.config.prometheus.scrapeInterval,
      ...(ds.fleet ? { clientTlsEnv: CLIENT_TLS_ENV, lokiTenants: ds.fleet.lokiTenants } : {}),
    };
    this.datasourcesYaml = renderDatasources(inputs);
    this.rootUrl = grafanaRootUrl(cfg);
    this.grafanaIni = renderGrafanaIni({
      rootUrl: this.rootUrl,
      database: cfg.database ? { type: cfg.database.type, host: cfg.database.host, name: cfg.database.name, sslMode: cfg.database.sslMode } : undefined,
      haPeers: clustered ? `${headlessName}.${this.ns}.svc:${GRAFANA_HA_PORT}` : undefined,
      genericOAuth: cfg.sso ? genericOAuthIni(cfg.sso) : undefined,
    });
    this.dashboards = [
      ...stackDashboards({
        metricsDatasource: defaultMetricsDatasourceUid(inputs),
        namespace: this.ns,
        thanos: ds.thanosQuery !== undefined,
        loki: ds.loki !== undefined,
        alertmanager: ds.alertmanager !== undefined,
        logCollector: ctx.config.logCollector.enabled ? ctx.config.logCollector.kind : undefined,
      }),
      ...userDashboardSpecs(cfg.dashboardFolders),
    ];
    const seen = new Map<string, string>();
    for (const d of this.dashboards) {
      const other = seen.get(d.fileName);
      if (other !== undefined) throw new Error(`grafana: dashboard uid "${d.dashboard.uid}" is used in folder "${other}" and in folder "${d.folder.uid}"; dashboard uids must be unique`);
      seen.set(d.fileName, d.folder.uid);
    }
    const folders = usedFolders(this.dashboards);
    this.dashboardProvidersYaml = renderDashboardProviders(folders);

    new k8s.KubeConfigMap(this, 'config', { metadata: this.meta('grafana-config'), data: { 'grafana.ini': this.grafanaIni } });
    new k8s.KubeConfigMap(this, 'datasources', { metadata: this.meta('grafana-datasources'), data: { 'datasources.yaml': this.datasourcesYaml } });
    new k8s.KubeConfigMap(this, 'dashboard-providers', { metadata: this.meta('grafana-dashboard-providers'), data: { 'dashboards.yaml': this.dashboardProvidersYaml } });
    const dashboardMaps = dashboardConfigMaps(this.dashboards, props.dashboardConfigMapMaxBytes);
    for (const cm of dashboardMaps) new k8s.KubeConfigMap(this, `cm-${cm.name}`, { metadata: this.meta(cm.name), data: sortKeys(cm.data) });

    this.scrapeTarget = new ScrapeTarget({ name, port: GRAFANA_PORT, portName: GRAFANA_PORT_NAME });
    const annotations = {
      ...this.addScrapeTarget(this.scrapeTarget),
      // Datasources and grafana.ini are read at start only: a change rolls the pods.
      // Dashboards are re-read from their mounted ConfigMaps without a restart.
      'checksum/config': createHash('sha256').update(this.grafanaIni).update('\0').update(this.datasourcesYaml).update('\0').update(this.dashboardProvidersYaml).digest('hex').slice(0, 16),
    };

    const volumes: k8s.Volume[] = [
      { name: 'config', configMap: { name: 'grafana-config' } },
      { name: 'datasources', configMap: { name: 'grafana-datasources' } },
      { name: 'dashboard-providers', configMap: { name: 'grafana-dashboard-providers' } },
      {
        name: 'admin',
        secret: {
          secretName: cfg.adminSecret.name,
          defaultMode: 0o440,
          items: [
            { key: 'admin-user', path: 'admin-user' },
            { key: 'admin-password', path: 'admin-password' },
          ],
        },
      },
      // With an external database the data directory holds only caches and plugins.
      storage ? { name: 'data', persistentVolumeClaim: { claimName: 'grafana-data' } } : { name: 'data', emptyDir: {} },
      ...(cfg.database
        ? [
            {
              name: 'database',
              secret: {
                secretName: cfg.database.credentialsSecret.name,
                defaultMode: 0o440,
                items: [
                  { key: GRAFANA_DATABASE_SECRET_KEYS.username, path: GRAFANA_DATABASE_SECRET_KEYS.username },
                  { key: GRAFANA_DATABASE_SECRET_KEYS.password, path: GRAFANA_DATABASE_SECRET_KEYS.password },
                ],
              },
            },
          ]
        : []),
      { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('256Mi') } },
      ...(cfg.sso
        ? [{ name: 'oauth', secret: { secretName: cfg.sso.clientSecret.name, defaultMode: 0o440, items: [{ key: cfg.sso.clientSecretKey ?? 'client-secret', path: 'client-secret' }] } }]
        : []),
    ];
    const mounts: k8s.VolumeMount[] = [
      { name: 'config', mountPath: '/etc/grafana/grafana.ini', subPath: 'grafana.ini', readOnly: true },
      { name: 'datasources', mountPath: `${GRAFANA_PROVISIONING_DIR}/datasources`, readOnly: true },
      { name: 'dashboard-providers', mountPath: `${GRAFANA_PROVISIONING_DIR}/dashboards`, readOnly: true },
      { name: 'admin', mountPath: GRAFANA_ADMIN_SECRET_DIR, readOnly: true },
      { name: 'data', mountPath: GRAFANA_DATA_DIR },
      ...(cfg.database ? [{ name: 'database', mountPath: GRAFANA_DATABASE_SECRET_DIR, readOnly: true }] : []),
      { name: 'tmp', mountPath: '/tmp' },
      ...(cfg.sso ? [{ name: 'oauth', mountPath: GRAFANA_OAUTH_SECRET_DIR, readOnly: true }] : []),
    ];
    const dashboardMounts = dashboardVolumes(dashboardMaps);
    volumes.push(...dashboardMounts.volumes);
    mounts.push(...dashboardMounts.mounts);

    if (storage) {
      new k8s.KubePersistentVolumeClaim(this, 'pvc', {
        metadata: this.meta('grafana-data'),
        spec: {
          accessModes: ['ReadWriteOnce'],
          storageClassName: storage.storageClassName,
          resources: { requests: { storage: k8s.Quantity.fromString(storage.size) } },
        },
      });
    }

    const grafana = container({
      name,
      image: IMAGES.grafana,
      // The image's entrypoint passes --config=$GF_PATHS_CONFIG and the paths below to
      // Grafana; they are set here so they match grafana.ini's [paths] and the mounts.
      env: [
        { name: 'GF_PATHS_CONFIG', value: '/etc/grafana/grafana.ini' },
        { name: 'GF_PATHS_DATA', value: GRAFANA_DATA_DIR },
        { name: 'GF_PATHS_PLUGINS', value: `${GRAFANA_DATA_DIR}/plugins` },
        { name: 'GF_PATHS_PROVISIONING', value: GRAFANA_PROVISIONING_DIR },
        { name: 'GF_PATHS_LOGS', value: '/tmp/grafana-logs' },
        // grafana.ini's ha_advertise_address reads it ($__env{POD_IP}).
        ...(clustered ? [{ name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }] : []),
        // The client certificate the datasources file refers to (a fleet's Loki and Alertmanager).
        ...(ds.fleet
          ? ([
              [CLIENT_TLS_ENV.ca, FLEET_TLS_KEYS.ca],
              [CLIENT_TLS_ENV.cert, FLEET_TLS_KEYS.cert],
              [CLIENT_TLS_ENV.key, FLEET_TLS_KEYS.key],
            ] as const).map(([envName, key]) => ({ name: envName, valueFrom: { secretKeyRef: { name: ds.fleet!.clientSecret, key } } }))
          : []),
      ],
      ports: [
        { name: GRAFANA_PORT_NAME, containerPort: GRAFANA_PORT },
        ...(clustered ? [{ name: 'ha-tcp', containerPort: GRAFANA_HA_PORT }, { name: 'ha-udp', containerPort: GRAFANA_HA_PORT, protocol: 'UDP' as const }] : []),
      ],
      resources: cfg.resources,
      readinessProbe: httpProbe({ path: '/api/health', port: GRAFANA_PORT_NAME, periodSeconds: 10 }),
      livenessProbe: httpProbe({ path: '/api/health', port: GRAFANA_PORT_NAME, periodSeconds: 20, failureThreshold: 6 }),
      // First start migrates the database schema (tens of seconds on small CPU requests).
      startupProbe: httpProbe({ path: '/api/health', port: GRAFANA_PORT_NAME, periodSeconds: 5, failureThreshold: 60 }),
      volumeMounts: mounts,
    });

    new k8s.KubeDeployment(this, 'deployment', {
      // Grafana reads the client certificate into its datasources at start only (environment
      // variables from the Secret, provisioning): after cert-manager renews it, the pods must
      // restart. Reloader (stakater) does that on a change of the Secret where it runs;
      // docs/fleet.md says what to do without it.
      metadata: this.meta(name, ds.fleet ? { annotations: { [SECRET_RELOAD_ANNOTATION]: ds.fleet.clientSecret } } : {}),
      spec: {
        replicas: cfg.replicas,
        revisionHistoryLimit: 5,
        selector: { matchLabels: this.selector },
        // A PVC is ReadWriteOnce: the old pod must release it before the new one starts.
        strategy: storage
          ? { type: 'Recreate' }
          : { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: k8s.IntOrString.fromNumber(0), maxSurge: k8s.IntOrString.fromNumber(1) } },
        template: this.podTemplate({
          annotations,
          replicas: cfg.replicas,
          uid: GRAFANA_UID,
          terminationGracePeriodSeconds: 30,
          containers: [grafana],
          volumes,
        }),
      },
    });

    new k8s.KubeService(this, 'service', {
      metadata: this.meta(name),
      spec: {
        selector: this.selector,
        ports: [{ name: GRAFANA_PORT_NAME, port: GRAFANA_PORT, targetPort: k8s.IntOrString.fromString(GRAFANA_PORT_NAME) }],
      },
    });
    if (clustered) {
      new k8s.KubeService(this, 'headless', {
        metadata: this.meta(headlessName),
        spec: {
          clusterIp: 'None',
          // Peers must find each other before they are ready.
          publishNotReadyAddresses: true,
          selector: this.selector,
          ports: [
            { name: 'ha-tcp', port: GRAFANA_HA_PORT, targetPort: k8s.IntOrString.fromNumber(GRAFANA_HA_PORT) },
            { name: 'ha-udp', port: GRAFANA_HA_PORT, protocol: 'UDP', targetPort: k8s.IntOrString.fromNumber(GRAFANA_HA_PORT) },
          ],
        },
      });
    }
    this.service = new ServiceRef(name, this.ns, GRAFANA_PORT, GRAFANA_PORT_NAME, this.selector);

    if (cfg.ingress) {
      const ing = cfg.ingress;
      new k8s.KubeIngress(this, 'ingress', {
        metadata: this.meta(name, ing.annotations && Object.keys(ing.annotations).length > 0 ? { annotations: { ...ing.annotations } } : {}),
        spec: {
          ingressClassName: ing.className,
          tls: ing.tlsSecret ? [{ hosts: [ing.host], secretName: ing.tlsSecret.name }] : undefined,
          rules: [
            {
              host: ing.host,
              http: {
                paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name, port: { name: GRAFANA_PORT_NAME } } } }],
              },
            },
          ],
        },
      });
    }

    disruptionBudget(this, name, this.ns, this.selector, cfg.replicas);

    const ingressPeers: Peer[] = [];
    const ic = ctx.config.network.ingressController;
    if (ic) ingressPeers.push(ic.podLabels ? { namespace: ic.namespace, pods: ic.podLabels } : { namespace: ic.namespace });
    const egress: FlowRule[] = [ds.thanosQuery, ds.prometheus, ds.loki, ds.alertmanager]
      .filter((r): r is ServiceRef => r !== undefined)
      .map((r) => ({ peers: [r.namespace === this.ns ? { pods: r.podSelector } : { namespace: r.namespace, pods: r.podSelector }], ports: [{ port: r.port }] }));
    const haPorts = [{ port: GRAFANA_HA_PORT }, { port: GRAFANA_HA_PORT, protocol: 'UDP' as const }];
    // Single sign-on: Grafana itself calls the identity provider's token and user-info endpoints.
    if (cfg.sso) egress.push(externalEgress(ctx.config, [cfg.sso.tokenUrl, cfg.sso.apiUrl].map(httpsPort)));
    networkPolicy(this, {
      name,
      namespace: this.ns,
      podSelector: this.selector,
      ingress: [
        this.scrapeIngress(props.scrapers),
        ...(ingressPeers.length ? [{ peers: ingressPeers, ports: [{ port: GRAFANA_PORT }] }] : []),
        ...(clustered ? [{ peers: [{ pods: this.selector }], ports: haPorts }] : []),
      ],
      egress: [
        ...egress,
        ...(clustered ? [{ peers: [{ pods: this.selector }], ports: haPorts }] : []),
        // The external database, through the CIDRs external services live in.
        ...(cfg.database ? [externalEgress(ctx.config, [Number(cfg.database.host.split(':').pop())])] : []),
      ],
    });

    this.addRuleGroups([grafanaRuleGroup(this.ns, ctx.config.runbookBaseUrl, { upstreamRunbooks: ctx.config.alerts.upstreamRunbooks, thresholds: ctx.config.alerts.thresholds })]);
  }
}

/** Grafana's public URL: `externalUrl`, else `https://<ingress host>/` (`http://` without a TLS Secret). */
export function grafanaRootUrl(cfg: GrafanaConfig): string | undefined {
  if (cfg.externalUrl !== undefined) return cfg.externalUrl;
  if (cfg.ingress) return `${cfg.ingress.tlsSecret ? 'https' : 'http'}://${cfg.ingress.host}/`;
  return undefined;
}

/** The `[auth.generic_oauth]` inputs of a single sign-on config, with its documented defaults. */
export function genericOAuthIni(sso: GrafanaSsoConfig): GenericOAuthIni {
  return {
    name: sso.name ?? 'SSO',
    clientId: sso.clientId,
    authUrl: sso.authUrl,
    tokenUrl: sso.tokenUrl,
    apiUrl: sso.apiUrl,
    scopes: sso.scopes ?? ['openid', 'email', 'profile'],
    usePkce: sso.usePkce ?? true,
    roleAttributePath: sso.roleAttributePath,
    allowedGroups: sso.allowedGroups,
    groupsAttributePath: sso.groupsAttributePath,
    allowedDomains: sso.allowedDomains,
    disableLoginForm: sso.disableLoginForm ?? false,
  };
}

function httpsPort(url: string): number {
  const u = new URL(url);
  return u.port ? Number(u.port) : 443;
}

/** Grafana's own alerts: down, failing HTTP requests, failing datasource requests. */
export function grafanaRuleGroup(
  namespace: string,
  runbookBaseUrl: string,
  alertOptions: { readonly upstreamRunbooks?: UpstreamRunbooks; readonly thresholds?: AlertThresholdOverrides } = {},
): RuleGroup {
  const sel = `job="grafana", namespace="${namespace}"`;
  return {
    name: 'grafana',
    rules: [
      makeAlert(
        {
          alert: 'GrafanaDown',
          // Both sides carry exactly {job, namespace}: one alert identity whether the pods
          // are down or gone.
          expr: `max by (job, namespace) (up{${sel}}) == 0\nor\nabsent(up{${sel}})`,
          for: '10m',
          severity: 'warning',
          summary: 'Grafana is down',
          description: `No Grafana pod in namespace ${namespace} has answered a scrape for 10 minutes: dashboards are unavailable (alerting is not affected).`,
        },
        'infrastructure',
        runbookBaseUrl,
        {},
      ),
      grafanaRequestsFailingAlert({ selector: sel, runbookBaseUrl, ...alertOptions }),
      makeAlert(
        {
          alert: 'GrafanaDatasourceErrors',
          expr: `sum by (datasource) (rate(grafana_datasource_request_total{${sel}, code=~"5.."}[5m]))\n/\nsum by (datasource) (rate(grafana_datasource_request_total{${sel}}[5m]))\n> 0.1`,
          for: '15m',
          severity: 'warning',
          summary: 'Grafana datasource {{ $labels.datasource }} is failing',
          description: '{{ $value | humanizePercentage }} of Grafana requests to datasource {{ $labels.datasource }} failed with a 5xx status: dashboards that use it show errors.',
        },
        'infrastructure',
        runbookBaseUrl,
        {},
      ),
    ],
  };
}
