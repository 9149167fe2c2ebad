import { toYaml } from './yaml';

/**
 * Grafana provisioning, as pure renderers: `datasources.yaml`, the dashboard providers file and
 * `grafana.ini`. Inputs are typed values (URLs come from the components' ServiceRefs, resolved by
 * the caller); outputs are deterministic text.
 */

/**
 * The fixed `uid` of each provisioned datasource. Dashboards refer to datasources by these uids,
 * so they survive a Grafana reinstall and are the same in every environment.
 */
export const DATASOURCE_UIDS = {
  thanosQuery: 'thanos-query',
  prometheus: 'prometheus',
  loki: 'loki',
  alertmanager: 'alertmanager',
} as const;

export type DatasourceUid = (typeof DATASOURCE_UIDS)[keyof typeof DATASOURCE_UIDS];

/** Grafana's HTTP port in the container (the image default). */
export const GRAFANA_PORT = 3000;

/** Where the Grafana image keeps its database and plugins (mount a writable volume here). */
export const GRAFANA_DATA_DIR = '/var/lib/grafana';
/** Where Grafana reads provisioning files (`datasources/`, `dashboards/`). */
export const GRAFANA_PROVISIONING_DIR = '/etc/grafana/provisioning';
/** Where the dashboard ConfigMaps are mounted, one sub-directory per folder. */
export const GRAFANA_DASHBOARDS_DIR = '/var/lib/grafana-dashboards';
/** Where the admin Secret is mounted (keys `admin-user`, `admin-password`). */
export const GRAFANA_ADMIN_SECRET_DIR = '/etc/grafana/admin';
/** Where the database credentials Secret is mounted (keys `username`, `password`). */
export const GRAFANA_DATABASE_SECRET_DIR = '/etc/grafana/database';
/** Keys of the database credentials Secret. */
export const GRAFANA_DATABASE_SECRET_KEYS = { username: 'username', password: 'password' } as const;
/** Port of unified alerting's gossip between replicas (Grafana's default `ha_listen_address`). */
export const GRAFANA_HA_PORT = 9094;
/** Where the single sign-on client secret is mounted (one file, `client-secret`). */
export const GRAFANA_OAUTH_SECRET_DIR = '/etc/grafana/oauth';

export interface DatasourceInputs {
  /** Thanos Query's HTTP URL; when set it is the default datasource (deduplicated, long-term). */
  readonly thanosQueryUrl?: string;
  /** The stack's Prometheus HTTP URL (always provisioned: stack-health dashboards use it directly). */
  readonly prometheusUrl: string;
  readonly lokiUrl?: string;
  readonly alertmanagerUrl?: string;
  /** The scrape interval, Grafana's minimum step (`timeInterval`). @default '30s' */
  readonly scrapeInterval?: string;
  /**
   * Loki and Alertmanager require a client certificate (a fleet's observer): the names of
   * the environment variables holding the CA, the certificate and its key (PEM, from the
   * client Secret), which Grafana expands in the provisioning file. @default none
   */
  readonly clientTlsEnv?: { readonly ca: string; readonly cert: string; readonly key: string };
  /** Loki's tenants, queried together (`X-Scope-OrgID: a|b|c`; a fleet's clusters). @default none (single tenant) */
  readonly lokiTenants?: readonly string[];
}

/** A provisioned datasource as Grafana's provisioning file spells it. */
export interface ProvisionedDatasource {
  readonly name: string;
  readonly type: 'prometheus' | 'loki' | 'alertmanager';
  readonly uid: DatasourceUid;
  readonly access: 'proxy';
  readonly url: string;
  readonly isDefault: boolean;
  readonly editable: false;
  readonly jsonData: Record<string, unknown>;
  /** Encrypted by Grafana once read; here only references to environment variables. */
  readonly secureJsonData?: Record<string, string>;
}

const DURATION = /^(\d+(ms|s|m|h|d|w|y))+$/;

function checkUrl(field: string, value: string | undefined, required: boolean): void {
  if (value === undefined) {
    if (required) throw new Error(`grafana datasources.${field}: required; pass the component's ServiceRef url()`);
    return;
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`grafana datasources.${field}: "${value}" is not an absolute URL; pass the component's ServiceRef url()`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`grafana datasources.${field}: "${value}" must be an http(s) URL`);
  if (value.endsWith('/')) throw new Error(`grafana datasources.${field}: "${value}" must not end with '/'; Grafana appends the API path`);
}

/** The datasources, default first (Thanos Query when present, else Prometheus). */
export function grafanaDatasources(inputs: DatasourceInputs): ProvisionedDatasource[] {
  checkUrl('thanosQueryUrl', inputs.thanosQueryUrl, false);
  checkUrl('prometheusUrl', inputs.prometheusUrl, true);
  checkUrl('lokiUrl', inputs.lokiUrl, false);
  checkUrl('alertmanagerUrl', inputs.alertmanagerUrl, false);
  const timeInterval = inputs.scrapeInterval ?? '30s';
  if (!DURATION.test(timeInterval)) throw new Error(`grafana datasources.scrapeInterval: "${timeInterval}" is not a Prometheus duration; use e.g. "30s"`);

  const promJson = (type: 'Prometheus' | 'Thanos'): Record<string, unknown> => {
    const json: Record<string, unknown> = {
      httpMethod: 'POST',
      prometheusType: type,
      timeInterval,
      // Alert rules live in Prometheus and are routed by the stack's Alertmanager; Grafana
      // only reads them.
      manageAlerts: false,
    };
    if (inputs.alertmanagerUrl) json.alertmanagerUid = DATASOURCE_UIDS.alertmanager;
    // Thanos Query deduplicates the HA pair by its replica label; dedup=true is its default,
    // written here so nobody switches it off by accident. Partial responses keep Thanos's
    // default (allowed): Grafana shows Thanos's warning on the panel when a store is missing.
    if (type === 'Thanos') json.customQueryParameters = 'dedup=true';
    return json;
  };

  // A client certificate (from environment variables the pod sets from the Secret) for the
  // servers that require one.
  const env = inputs.clientTlsEnv;
  const tlsJson = env ? { tlsAuth: true, tlsAuthWithCACert: true } : {};
  const tlsSecure = env ? { tlsCACert: `$${env.ca}`, tlsClientCert: `$${env.cert}`, tlsClientKey: `$${env.key}` } : undefined;
  const tenants = inputs.lokiTenants ?? [];
  tenants.forEach((t, i) => {
    if (!/^[A-Za-z0-9_.-]+$/.test(t)) throw new Error(`grafana datasources.lokiTenants[${i}]: "${t}" is not a tenant ID (letters, digits, '_', '.', '-')`);
  });

  const list: ProvisionedDatasource[] = [];
  if (inputs.thanosQueryUrl) {
    list.push({ name: 'Thanos Query', type: 'prometheus', uid: DATASOURCE_UIDS.thanosQuery, access: 'proxy', url: inputs.thanosQueryUrl, isDefault: true, editable: false, jsonData: promJson('Thanos') });
  }
  list.push({ name: 'Prometheus', type: 'prometheus', uid: DATASOURCE_UIDS.prometheus, access: 'proxy', url: inputs.prometheusUrl, isDefault: !inputs.thanosQueryUrl, editable: false, jsonData: promJson('Prometheus') });
  if (inputs.lokiUrl) {
    const secure = { ...tlsSecure, ...(tenants.length ? { httpHeaderValue1: tenants.join('|') } : {}) };
    list.push({
      name: 'Loki',
      type: 'loki',
      uid: DATASOURCE_UIDS.loki,
      access: 'proxy',
      url: inputs.lokiUrl,
      isDefault: false,
      editable: false,
      // Several tenants: queried together (Loki's multi-tenant queries; live tailing takes one tenant only).
      jsonData: { maxLines: 1000, ...tlsJson, ...(tenants.length ? { httpHeaderName1: 'X-Scope-OrgID' } : {}) },
      ...(Object.keys(secure).length ? { secureJsonData: secure } : {}),
    });
  }
  if (inputs.alertmanagerUrl) {
    list.push({
      name: 'Alertmanager',
      type: 'alertmanager',
      uid: DATASOURCE_UIDS.alertmanager,
      access: 'proxy',
      url: inputs.alertmanagerUrl,
      isDefault: false,
      editable: false,
      // Read-only view of the stack's Alertmanager; Grafana-managed alerts are not sent to it.
      jsonData: { implementation: 'prometheus', handleGrafanaManagedAlerts: false, ...tlsJson },
      ...(tlsSecure ? { secureJsonData: tlsSecure } : {}),
    });
  }
  return list;
}

/** The metrics datasource dashboards use by default: Thanos Query when present, else Prometheus. */
export function defaultMetricsDatasourceUid(inputs: Pick<DatasourceInputs, 'thanosQueryUrl'>): DatasourceUid {
  return inputs.thanosQueryUrl ? DATASOURCE_UIDS.thanosQuery : DATASOURCE_UIDS.prometheus;
}

/**
 * `provisioning/datasources/datasources.yaml`. `prune: true` (Grafana >= 11.1) removes a
 * provisioned datasource once it is dropped from this file (e.g. Loki disabled).
 */
export function renderDatasources(inputs: DatasourceInputs): string {
  return toYaml({ apiVersion: 1, prune: true, datasources: grafanaDatasources(inputs) });
}

/** One dashboard folder: a directory of dashboard JSON files and the Grafana folder it fills. */
export interface DashboardFolderSpec {
  /** Stable folder uid (also the directory and ConfigMap suffix): lower-case letters, digits, '-'. */
  readonly uid: string;
  /** Folder title shown in Grafana. */
  readonly title: string;
}

/**
 * One provisioned dashboard: its folder, its file name and its JSON model (the stack's own,
 * built with the Grafana Foundation SDK, or one of yours).
 */
export interface ProvisionedDashboard {
  readonly folder: DashboardFolderSpec;
  /** `<uid>.json` */
  readonly fileName: string;
  readonly dashboard: { readonly uid?: string; readonly title?: string };
}

const FOLDER_UID = /^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$/;

/** The directory a folder's dashboards are mounted at. */
export function dashboardFolderPath(folder: DashboardFolderSpec): string {
  return `${GRAFANA_DASHBOARDS_DIR}/${folder.uid}`;
}

/**
 * `provisioning/dashboards/dashboards.yaml`: one file provider per folder, so each folder keeps
 * a fixed title and uid (`foldersFromFilesStructure` would take titles from directory names and
 * generate uids). Dashboards are read-only in the UI (`allowUiUpdates: false`): they are code,
 * changed by a commit, and a file removed from the ConfigMap deletes the dashboard.
 */
export function renderDashboardProviders(folders: readonly DashboardFolderSpec[]): string {
  const seen = new Set<string>();
  folders.forEach((f, i) => {
    if (!FOLDER_UID.test(f.uid)) throw new Error(`grafana dashboard folders[${i}].uid: "${f.uid}" must be 1-40 lower-case letters, digits and '-' (it names a directory and a ConfigMap)`);
    if (f.title.trim() === '') throw new Error(`grafana dashboard folders[${i}].title: empty; give the folder a title`);
    // Grafana: no alert rule can live in a folder whose title has a slash, and underscores
    // and percent signs break folder search (docs, "Manage dashboards", 12.1).
    const bad = /[/\\_%]/.exec(f.title);
    if (bad) throw new Error(`grafana dashboard folders[${i}].title: "${f.title}" contains "${bad[0]}", which Grafana folder titles must not (alert rules cannot be placed in a folder with a slash; _ and % break search); use e.g. " - "`);
    if (seen.has(f.uid)) throw new Error(`grafana dashboard folders[${i}].uid: "${f.uid}" is used twice; folder uids must be unique`);
    seen.add(f.uid);
  });
  return toYaml({
    apiVersion: 1,
    providers: folders.map((f) => ({
      name: f.uid,
      orgId: 1,
      folder: f.title,
      folderUid: f.uid,
      type: 'file',
      disableDeletion: false,
      allowUiUpdates: false,
      updateIntervalSeconds: 60,
      options: { path: dashboardFolderPath(f), foldersFromFilesStructure: false },
    })),
  });
}

/** An external database shared by the replicas (credentials read from GRAFANA_DATABASE_SECRET_DIR). */
export interface GrafanaIniDatabase {
  readonly type: 'postgres' | 'mysql';
  /** `host:port`. */
  readonly host: string;
  readonly name: string;
  /** PostgreSQL only. @default 'require' */
  readonly sslMode?: 'require' | 'disable';
}

export interface GrafanaIniInputs {
  /** Public URL (`[server] root_url`), e.g. `https://grafana.example.com`. @default Grafana's own (`http://localhost:3000/`) */
  readonly rootUrl?: string;
  /** An external database. @default SQLite in `paths.data` (one replica) */
  readonly database?: GrafanaIniDatabase;
  /**
   * Unified alerting's peers when there are several replicas (`host:port` of the headless
   * Service, which resolves to every pod): one alert scheduler, deduplicated notifications
   * and shared silences. The pod's own address comes from the `POD_IP` environment variable.
   * @default none (one replica)
   */
  readonly haPeers?: string;
  /** Generic OAuth 2.0 / OIDC login; the client secret is read from `GRAFANA_OAUTH_SECRET_DIR/client-secret`. @default none */
  readonly genericOAuth?: GenericOAuthIni;
}

/** `[auth.generic_oauth]` of grafana.ini (see `GrafanaSsoConfig` for each field). */
export interface GenericOAuthIni {
  readonly name: string;
  readonly clientId: string;
  readonly authUrl: string;
  readonly tokenUrl: string;
  readonly apiUrl: string;
  readonly scopes: readonly string[];
  readonly usePkce: boolean;
  readonly roleAttributePath?: string;
  readonly allowedGroups?: readonly string[];
  readonly groupsAttributePath?: string;
  readonly allowedDomains?: readonly string[];
  readonly disableLoginForm: boolean;
}

function oneLine(field: string, value: string): string {
  if (/[\r\n]/.test(value) || value.trim() === '') throw new Error(`grafana.sso.${field}: "${value}" must be one non-empty line`);
  return value;
}

function genericOAuthSection(o: GenericOAuthIni): Array<readonly [string, IniValue]> {
  const keys: Array<readonly [string, IniValue]> = [
    ['enabled', true],
    ['name', oneLine('name', o.name)],
    ['client_id', oneLine('clientId', o.clientId)],
    ['client_secret', `$__file{${GRAFANA_OAUTH_SECRET_DIR}/client-secret}`],
    ['scopes', o.scopes.map((s) => oneLine('scopes', s)).join(' ')],
    ['auth_url', oneLine('authUrl', o.authUrl)],
    ['token_url', oneLine('tokenUrl', o.tokenUrl)],
    ['api_url', oneLine('apiUrl', o.apiUrl)],
    ['use_pkce', o.usePkce],
    // Users are created at their first login; who may log in is limited by the groups or domains below.
    ['allow_sign_up', true],
  ];
  if (o.roleAttributePath !== undefined) keys.push(['role_attribute_path', oneLine('roleAttributePath', o.roleAttributePath)]);
  if (o.groupsAttributePath !== undefined) keys.push(['groups_attribute_path', oneLine('groupsAttributePath', o.groupsAttributePath)]);
  // A JSON list: group names may contain spaces.
  if (o.allowedGroups !== undefined) keys.push(['allowed_groups', JSON.stringify(o.allowedGroups)]);
  if (o.allowedDomains !== undefined) keys.push(['allowed_domains', o.allowedDomains.map((d) => oneLine('allowedDomains', d)).join(' ')]);
  return keys;
}

type IniValue = string | number | boolean;

function iniText(sections: ReadonlyArray<readonly [string, ReadonlyArray<readonly [string, IniValue]>]>): string {
  const out: string[] = ['; Rendered by lib/render/grafana.ts; do not edit (change the stack config instead).'];
  for (const [name, keys] of sections) {
    out.push('', `[${name}]`);
    for (const [k, v] of keys) out.push(`${k} = ${String(v)}`);
  }
  return out.join('\n') + '\n';
}

function databaseSection(db: GrafanaIniDatabase | undefined): Array<readonly [string, IniValue]> {
  if (db === undefined) return [['type', 'sqlite3'], ['wal', true]];
  const out: Array<readonly [string, IniValue]> = [
    ['type', db.type],
    ['host', db.host],
    ['name', db.name],
    ['user', `$__file{${GRAFANA_DATABASE_SECRET_DIR}/${GRAFANA_DATABASE_SECRET_KEYS.username}}`],
    ['password', `$__file{${GRAFANA_DATABASE_SECRET_DIR}/${GRAFANA_DATABASE_SECRET_KEYS.password}}`],
  ];
  if (db.type === 'postgres') out.push(['ssl_mode', db.sslMode ?? 'require']);
  return out;
}

/**
 * `grafana.ini`. The root filesystem is read-only, so every path Grafana writes is a volume
 * (`paths.data` holds the SQLite database and plugins; temporary files go to /tmp). The admin
 * user and password, and an external database's user and password, are read from the mounted
 * Secrets with Grafana's `$__file{}` expansion (which trims surrounding whitespace), so none
 * of them is in this file, in an environment variable or in `dist/`.
 */
export function renderGrafanaIni(inputs: GrafanaIniInputs = {}): string {
  let https = false;
  if (inputs.rootUrl !== undefined) {
    let url: URL;
    try {
      url = new URL(inputs.rootUrl);
    } catch {
      throw new Error(`grafana.externalUrl: "${inputs.rootUrl}" is not an absolute URL; use e.g. "https://grafana.example.com"`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`grafana.externalUrl: "${inputs.rootUrl}" must be an http(s) URL`);
    https = url.protocol === 'https:';
  }
  const server: Array<readonly [string, IniValue]> = [['http_port', GRAFANA_PORT]];
  if (inputs.rootUrl !== undefined) server.push(['root_url', inputs.rootUrl.endsWith('/') ? inputs.rootUrl : `${inputs.rootUrl}/`]);
  server.push(['enable_gzip', true]);

  return iniText([
    [
      'paths',
      [
        ['data', GRAFANA_DATA_DIR],
        ['plugins', `${GRAFANA_DATA_DIR}/plugins`],
        ['provisioning', GRAFANA_PROVISIONING_DIR],
        ['temp_data_lifetime', '24h'],
      ],
    ],
    ['server', server],
    ['database', databaseSection(inputs.database)],
    ...(inputs.haPeers !== undefined
      ? [
          [
            'unified_alerting',
            [
              ['ha_listen_address', `0.0.0.0:${GRAFANA_HA_PORT}`],
              ['ha_advertise_address', `$__env{POD_IP}:${GRAFANA_HA_PORT}`],
              ['ha_peers', inputs.haPeers],
            ],
          ] as const,
        ]
      : []),
    [
      'security',
      [
        ['admin_user', `$__file{${GRAFANA_ADMIN_SECRET_DIR}/admin-user}`],
        ['admin_password', `$__file{${GRAFANA_ADMIN_SECRET_DIR}/admin-password}`],
        ['disable_gravatar', true],
        ['cookie_secure', https],
        ['cookie_samesite', 'lax'],
        ['allow_embedding', false],
        ['strict_transport_security', https],
      ],
    ],
    ['users', [['allow_sign_up', false], ['allow_org_create', false]]],
    ...(inputs.genericOAuth?.disableLoginForm ? [['auth', [['disable_login_form', true]]] as const] : []),
    ['auth.anonymous', [['enabled', false]]],
    ...(inputs.genericOAuth ? [['auth.generic_oauth', genericOAuthSection(inputs.genericOAuth)] as const] : []),
    ['snapshots', [['external_enabled', false]]],
    [
      'analytics',
      [
        ['reporting_enabled', false],
        ['check_for_updates', false],
        ['check_for_plugin_updates', false],
        ['feedback_links_enabled', false],
      ],
    ],
    ['news', [['news_feed_enabled', false]]],
    // No plugin downloads at start: the NetworkPolicy allows no Internet egress, and every
    // plugin the dashboards use (timeseries, stat, heatmap, table, logs; Prometheus, Loki,
    // Alertmanager datasources) is built in.
    ['plugins', [['preinstall_disabled', true]]],
    ['log', [['mode', 'console'], ['level', 'info']]],
    // JSON lines, so Loki detects the level of Grafana's own logs.
    ['log.console', [['format', 'json']]],
    ['metrics', [['enabled', true]]],
    ['dashboards', [['versions_to_keep', 5]]],
  ]);
}
