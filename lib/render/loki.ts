import { OBJECT_STORAGE_SECRET_KEYS, ObjectStorageConfig } from '../config/types';
import { toYaml } from './yaml';

/**
 * Loki 3.x configuration for the single-binary target (`-target=all`), rendered from the
 * typed config. Field names were checked against the Loki configuration reference and the
 * single-binary example `cmd/loki/loki-local-config.yaml` of grafana/loki (3.x):
 * - `auth_enabled: false`: single tenant (the tenant is then `fake` in Loki's metrics);
 * - `common`: `path_prefix`, `replication_factor: 1`, `instance_addr`, `ring.kvstore.store:
 *   inmemory` (one process, no memberlist);
 * - `schema_config.configs[]`: `store: tsdb`, `schema: v13`, `index.period: 24h` (the
 *   only period TSDB supports);
 * - `storage_config`: `tsdb_shipper.active_index_directory`/`cache_location`, and the
 *   object store block `filesystem.directory` | `aws` | `gcs` | `azure`;
 * - `compactor`: `retention_enabled: true` with `delete_request_store` (docs, "Log entry
 *   deletion": "delete_request_store also needs to be configured when retention is
 *   enabled"), `working_directory`, `compaction_interval`, `retention_delete_delay`;
 * - `limits_config`: `retention_period`, `ingestion_rate_mb`, `ingestion_burst_size_mb`,
 *   `max_line_size`, `max_streams_per_user` (per ingester) and
 *   `max_global_streams_per_user` (cluster-wide; with one ingester and replication 1 the
 *   two are the same limit, both are set so the limit holds whichever Loki applies).
 * Object-store credentials never appear in the file: they are `${VAR}` references that
 * Loki expands from its environment (`-config.expand-env=true`), and the environment comes
 * from the Secret named in the config (`lokiStorageCredentials`).
 */

export const LOKI_HTTP_PORT = 3100;
export const LOKI_GRPC_PORT = 9095;
/** The data directory (the StatefulSet's PersistentVolumeClaim). */
export const LOKI_DATA_DIR = '/var/loki';
/**
 * The first day of the v13/tsdb schema period. A schema period must start in the past
 * and never move: changing it on a running Loki makes older data unreadable. A later
 * schema is added as a NEW entry with a later date.
 */
export const LOKI_SCHEMA_FROM = '2024-04-01';

/** Environment variable names Loki expands in its config (`${NAME}`). */
export const LOKI_ENV = {
  s3AccessKeyId: 'AWS_ACCESS_KEY_ID',
  s3SecretAccessKey: 'AWS_SECRET_ACCESS_KEY',
  azureAccountKey: 'AZURE_STORAGE_ACCOUNT_KEY',
  gcsCredentialsFile: 'GOOGLE_APPLICATION_CREDENTIALS',
} as const;

/** Keys the user's object-storage Secret must hold, per backend (shared with Thanos). */
export const LOKI_SECRET_KEYS = OBJECT_STORAGE_SECRET_KEYS;

/** Where the GCS service-account key is mounted (GOOGLE_APPLICATION_CREDENTIALS points at it). */
export const LOKI_GCS_KEY_DIR = '/etc/loki/gcs';

export interface LokiLimits {
  readonly ingestionRateMb: number;
  readonly ingestionBurstSizeMb: number;
  /** e.g. `256KB` */
  readonly maxLineSize: string;
  readonly maxStreamsPerUser: number;
}

export interface LokiRenderInput {
  /** Retention enforced by the compactor, a whole number of days in hours or days (`744h`, `31d`). */
  readonly retention: string;
  readonly limits: LokiLimits;
  readonly objectStorage: ObjectStorageConfig;
  /** @default 'info' */
  readonly logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /**
   * Serve the HTTP API over TLS, accepting only clients with a certificate signed by
   * `clientCaFile` (dskit's `server.http_tls_config`: `cert_file`, `key_file`,
   * `client_auth_type`, `client_ca_file`). A fleet's central Loki. @default plain HTTP
   */
  readonly tls?: { readonly certFile: string; readonly keyFile: string; readonly clientCaFile: string };
  /**
   * One tenant per cluster of a fleet (`auth_enabled: true`; each collector pushes with
   * `X-Scope-OrgID: <cluster>`), and queries across them (`querier.multi_tenant_queries_enabled`,
   * the tenants joined by `|`). Ingestion limits then hold per cluster: a noisy cluster
   * cannot get the others' logs refused. @default single tenant (`auth_enabled: false`)
   */
  readonly multiTenant?: boolean;
}

const UNIT_HOURS: Record<string, number> = { h: 1, d: 24, w: 24 * 7, y: 24 * 365 };

/** Hours of a Loki retention such as `744h`, `31d`, `4w` (no sub-hour units). */
function retentionHours(retention: string): number | undefined {
  if (!/^(\d+[hdwy])+$/.test(retention)) return undefined;
  let hours = 0;
  for (const m of retention.matchAll(/(\d+)([hdwy])/g)) hours += Number(m[1]) * UNIT_HOURS[m[2]];
  return hours;
}

/** Problems with the input, each naming the config field and the fix. */
export function lokiInputProblems(input: LokiRenderInput): string[] {
  const problems: string[] = [];
  const hours = retentionHours(input.retention);
  if (hours === undefined) problems.push(`loki.retention: "${input.retention}" is not allowed; use hours or days, e.g. "744h" or "31d"`);
  else if (hours < 24 || hours % 24 !== 0) {
    // The compactor deletes whole days of the 24h index tables.
    problems.push(`loki.retention: "${input.retention}" is not allowed; use a whole number of days of at least 24h, e.g. "168h"`);
  }
  const l = input.limits;
  if (!(l.ingestionRateMb > 0)) problems.push(`loki.limits.ingestionRateMb: ${l.ingestionRateMb} is not allowed; use a number > 0`);
  if (!(l.ingestionBurstSizeMb >= l.ingestionRateMb)) {
    problems.push(`loki.limits.ingestionBurstSizeMb: ${l.ingestionBurstSizeMb} is below ingestionRateMb ${l.ingestionRateMb}; the burst must be >= the rate`);
  }
  if (!/^\d+(B|KB|MB|KiB|MiB)$/.test(l.maxLineSize)) problems.push(`loki.limits.maxLineSize: "${l.maxLineSize}" is not a byte size; use e.g. "256KB"`);
  if (!Number.isInteger(l.maxStreamsPerUser) || l.maxStreamsPerUser < 1) problems.push(`loki.limits.maxStreamsPerUser: ${l.maxStreamsPerUser} is not allowed; use a whole number >= 1`);
  return problems;
}

/** The `object_store` name of a backend in schema_config and compactor.delete_request_store. */
export function lokiObjectStoreName(o: ObjectStorageConfig): 'filesystem' | 's3' | 'gcs' | 'azure' {
  return o.backend;
}

function storageBlock(o: ObjectStorageConfig): Record<string, unknown> {
  switch (o.backend) {
    case 'filesystem':
      return { filesystem: { directory: `${LOKI_DATA_DIR}/chunks` } };
    case 's3': {
      const aws: Record<string, unknown> = { bucketnames: o.bucket, endpoint: o.endpoint };
      if (o.region) aws.region = o.region;
      if (o.credentialsSecret) {
        aws.access_key_id = `\${${LOKI_ENV.s3AccessKeyId}}`;
        aws.secret_access_key = `\${${LOKI_ENV.s3SecretAccessKey}}`;
      }
      // Without keys the AWS SDK chain is used (IRSA web identity, instance profile).
      aws.s3forcepathstyle = false;
      return { aws };
    }
    case 'gcs':
      // Credentials: GOOGLE_APPLICATION_CREDENTIALS (mounted key) or Workload Identity.
      return { gcs: { bucket_name: o.bucket } };
    case 'azure': {
      const azure: Record<string, unknown> = { account_name: o.storageAccount, container_name: o.container };
      if (o.credentialsSecret) azure.account_key = `\${${LOKI_ENV.azureAccountKey}}`;
      else azure.use_managed_identity = true;
      return { azure };
    }
    default:
      throw new Error(`loki.objectStorage.backend: "${(o as { backend: string }).backend}" is not allowed; use "filesystem", "s3", "gcs" or "azure"`);
  }
}

/** The loki.yaml object; throws naming the field when the input is invalid. */
export function renderLokiConfig(input: LokiRenderInput): Record<string, unknown> {
  const problems = lokiInputProblems(input);
  if (problems.length > 0) throw new Error(`Invalid Loki configuration:\n  - ${problems.join('\n  - ')}`);
  const store = lokiObjectStoreName(input.objectStorage);
  const l = input.limits;
  return {
    auth_enabled: input.multiTenant === true,
    server: {
      http_listen_port: LOKI_HTTP_PORT,
      grpc_listen_port: LOKI_GRPC_PORT,
      log_level: input.logLevel ?? 'info',
      ...(input.tls
        ? {
            tls_min_version: 'VersionTLS12',
            http_tls_config: { cert_file: input.tls.certFile, key_file: input.tls.keyFile, client_auth_type: 'RequireAndVerifyClientCert', client_ca_file: input.tls.clientCaFile },
          }
        : {}),
    },
    common: {
      path_prefix: LOKI_DATA_DIR,
      replication_factor: 1,
      instance_addr: '127.0.0.1',
      ring: { kvstore: { store: 'inmemory' } },
    },
    schema_config: {
      configs: [{ from: LOKI_SCHEMA_FROM, store: 'tsdb', object_store: store, schema: 'v13', index: { prefix: 'index_', period: '24h' } }],
    },
    storage_config: {
      tsdb_shipper: { active_index_directory: `${LOKI_DATA_DIR}/tsdb-index`, cache_location: `${LOKI_DATA_DIR}/tsdb-cache` },
      ...storageBlock(input.objectStorage),
    },
    ...(input.multiTenant ? { querier: { multi_tenant_queries_enabled: true } } : {}),
    compactor: {
      working_directory: `${LOKI_DATA_DIR}/compactor`,
      compaction_interval: '10m',
      retention_enabled: true,
      retention_delete_delay: '2h',
      retention_delete_worker_count: 150,
      delete_request_store: store,
    },
    limits_config: {
      retention_period: input.retention,
      ingestion_rate_mb: l.ingestionRateMb,
      ingestion_burst_size_mb: l.ingestionBurstSizeMb,
      max_line_size: l.maxLineSize,
      max_streams_per_user: l.maxStreamsPerUser,
      max_global_streams_per_user: l.maxStreamsPerUser,
      reject_old_samples: true,
      reject_old_samples_max_age: '168h',
      allow_structured_metadata: true,
    },
    analytics: { reporting_enabled: false },
  };
}

/** loki.yaml text (deterministic). */
export function renderLokiYaml(input: LokiRenderInput): string {
  return toYaml(renderLokiConfig(input));
}

/** An environment variable of the Loki container: plain value or a Secret key. */
export type LokiEnvVar = { readonly name: string; readonly value: string } | { readonly name: string; readonly secretKeyRef: { readonly name: string; readonly key: string } };

export interface LokiStorageCredentials {
  readonly env: readonly LokiEnvVar[];
  /** A Secret to mount read-only (GCS key file). */
  readonly secretVolume?: { readonly secretName: string; readonly key: string; readonly mountPath: string; readonly fileName: string };
}

/**
 * How the Loki pod gets its object-storage credentials: environment variables from the
 * Secret (expanded into loki.yaml by `-config.expand-env=true`), or for GCS the key file
 * mounted and named by GOOGLE_APPLICATION_CREDENTIALS. No Secret: workload identity.
 */
export function lokiStorageCredentials(o: ObjectStorageConfig): LokiStorageCredentials {
  if (o.backend === 'filesystem' || !o.credentialsSecret) return { env: [] };
  const name = o.credentialsSecret.name;
  switch (o.backend) {
    case 's3':
      return {
        env: [
          { name: LOKI_ENV.s3AccessKeyId, secretKeyRef: { name, key: LOKI_SECRET_KEYS.s3AccessKeyId } },
          { name: LOKI_ENV.s3SecretAccessKey, secretKeyRef: { name, key: LOKI_SECRET_KEYS.s3SecretAccessKey } },
        ],
      };
    case 'azure':
      return { env: [{ name: LOKI_ENV.azureAccountKey, secretKeyRef: { name, key: LOKI_SECRET_KEYS.azureAccountKey } }] };
    case 'gcs':
      return {
        env: [{ name: LOKI_ENV.gcsCredentialsFile, value: `${LOKI_GCS_KEY_DIR}/${LOKI_SECRET_KEYS.gcsServiceAccount}` }],
        secretVolume: { secretName: name, key: LOKI_SECRET_KEYS.gcsServiceAccount, mountPath: LOKI_GCS_KEY_DIR, fileName: LOKI_SECRET_KEYS.gcsServiceAccount },
      };
    default:
      return { env: [] };
  }
}

/** Host and port Loki reaches object storage on (for the egress NetworkPolicy), or undefined for filesystem. */
export function lokiObjectStoragePort(o: ObjectStorageConfig): number | undefined {
  if (o.backend === 'filesystem') return undefined;
  if (o.backend === 's3') {
    const m = /:(\d{1,5})$/.exec(o.endpoint);
    if (m) return Number(m[1]);
  }
  return 443;
}
