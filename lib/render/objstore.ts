import { Scalar } from 'yaml';
import { toYaml } from './yaml';

/**
 * Thanos `objstore.yml` (`--objstore.config-file`) for S3, GCS, Azure and the local
 * filesystem, from a typed discriminated union, plus the typed description of what the
 * pods need to authenticate (`ObjstoreCredentials`: env vars from Secrets, Secret
 * volumes, ServiceAccount annotations, pod labels) so the components wire it without
 * knowing the provider.
 *
 * Credentials never appear in the output: the input has no field for a credential
 * value, only the NAME of a Secret (and of its keys) or a workload identity.
 * How each provider finds its credentials (thanos-io/objstore, providers/*):
 * - S3: with no `access_key` in the config the client tries, in order, the AWS
 *   environment variables (`AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`), the shared
 *   credentials file, then IAM (instance profile, or IRSA's web identity token). With
 *   `aws_sdk_auth: true` it uses the AWS SDK's default chain instead (IRSA, EKS Pod
 *   Identity, ...): that is what `workload-identity` renders.
 * - GCS: with no `service_account` in the config, Google application default
 *   credentials: the JSON key named by `GOOGLE_APPLICATION_CREDENTIALS` (mounted from a
 *   Secret), else the GKE metadata server (Workload Identity).
 * - Azure: `storage_account_key` set -> shared key. Thanos substitutes `$(VAR)` with
 *   the environment in the objstore config (Kubernetes syntax; an unset variable is an
 *   error), so the key is rendered as `$(AZURE_STORAGE_ACCOUNT_KEY)` and the pods get
 *   that variable from the Secret. No key and no `user_assigned_id` -> the Azure SDK's
 *   DefaultAzureCredential (Azure Workload Identity's federated token, or managed
 *   identity); `user_assigned_id` -> that user-assigned managed identity.
 * - FILESYSTEM: a directory; for tests and demos only (Thanos: "NOT advised ... in
 *   production"), and every Thanos component that shares it must mount the same volume.
 */

/** A key of a Secret the user creates; the stack only references it. */
export interface SecretKeyRef {
  readonly name: string;
  readonly key: string;
}

export type S3Credentials =
  /** Static keys from a Secret, passed as `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`. */
  | { readonly kind: 'secret'; readonly accessKeyId: SecretKeyRef; readonly secretAccessKey: SecretKeyRef }
  /**
   * The AWS SDK's default chain. With `roleArn`, IRSA: the ServiceAccount is annotated
   * `eks.amazonaws.com/role-arn` and EKS injects the web identity token. Without it, EKS
   * Pod Identity or the node's instance profile.
   */
  | { readonly kind: 'workload-identity'; readonly roleArn?: string };

export type GcsCredentials =
  /** A service account JSON key in a Secret, mounted as a file named by GOOGLE_APPLICATION_CREDENTIALS. */
  | { readonly kind: 'secret'; readonly serviceAccountKey: SecretKeyRef }
  /**
   * GKE Workload Identity. With `gcpServiceAccount`, the Kubernetes ServiceAccount is
   * annotated `iam.gke.io/gcp-service-account` (impersonation); without it, the
   * Kubernetes ServiceAccount itself is granted access (Workload Identity Federation).
   */
  | { readonly kind: 'workload-identity'; readonly gcpServiceAccount?: string };

export type AzureCredentials =
  /** The storage account key from a Secret, substituted by Thanos from AZURE_STORAGE_ACCOUNT_KEY. */
  | { readonly kind: 'secret'; readonly accountKey: SecretKeyRef }
  /** Azure Workload Identity: pod label `azure.workload.identity/use` and the ServiceAccount's client-id annotation. */
  | { readonly kind: 'workload-identity'; readonly clientId: string }
  /** A managed identity of the node pool; `userAssignedId` picks a user-assigned one. */
  | { readonly kind: 'managed-identity'; readonly userAssignedId?: string };

export type ObjstoreInput =
  | {
      readonly backend: 's3';
      readonly bucket: string;
      /** Host (and port) without scheme, e.g. `s3.eu-west-1.amazonaws.com` or `minio.storage:9000`. */
      readonly endpoint: string;
      readonly region?: string;
      /** Plain HTTP (in-cluster MinIO). @default false */
      readonly insecure?: boolean;
      /** Server-side encryption. @default none (the bucket's default encryption applies) */
      readonly sse?: { readonly type: 'SSE-S3' } | { readonly type: 'SSE-KMS'; readonly kmsKeyId: string };
      readonly prefix?: string;
      readonly credentials: S3Credentials;
    }
  | { readonly backend: 'gcs'; readonly bucket: string; readonly prefix?: string; readonly credentials: GcsCredentials }
  | {
      readonly backend: 'azure';
      readonly storageAccount: string;
      readonly container: string;
      /** @default blob.core.windows.net */
      readonly endpoint?: string;
      readonly prefix?: string;
      readonly credentials: AzureCredentials;
    }
  | {
      readonly backend: 'filesystem';
      /** Must be set to acknowledge that filesystem storage is for tests and demos only. */
      readonly testingOnly: true;
      /** @default /var/thanos/objstore */
      readonly directory?: string;
      readonly prefix?: string;
    };

/** An environment variable, plain or from a Secret key. */
export type ObjstoreEnvVar =
  | { readonly name: string; readonly value: string }
  | { readonly name: string; readonly secretKeyRef: SecretKeyRef };

/** What every pod that reads the bucket needs (sidecar, store gateway, compactor). */
export interface ObjstoreCredentials {
  /** Environment variables of the Thanos container. */
  readonly env: readonly ObjstoreEnvVar[];
  /** Secret volumes: mount `secretName` (only `items`) read-only at `mountPath`. */
  readonly secretVolumes: readonly {
    readonly volumeName: string;
    readonly secretName: string;
    readonly items: readonly { readonly key: string; readonly path: string }[];
    readonly mountPath: string;
  }[];
  /** Annotations of the pods' ServiceAccount (workload identity). */
  readonly serviceAccountAnnotations: Readonly<Record<string, string>>;
  /** Labels of the pods (Azure Workload Identity). */
  readonly podLabels: Readonly<Record<string, string>>;
  /** Secrets the user must create (names only), for docs and validation. */
  readonly secretNames: readonly string[];
}

export interface RenderedObjstore {
  /** The `objstore.yml` object. */
  readonly config: Record<string, unknown>;
  /** `objstore.yml` text (a ConfigMap can hold it: it holds no credential). */
  readonly yaml: string;
  readonly credentials: ObjstoreCredentials;
}

export const GCS_KEY_MOUNT_PATH = '/etc/thanos/gcs';
export const GCS_KEY_FILE = 'service-account.json';
export const AZURE_KEY_ENV = 'AZURE_STORAGE_ACCOUNT_KEY';
export const DEFAULT_FILESYSTEM_DIRECTORY = '/var/thanos/objstore';

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;
const S3_BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const GCS_BUCKET = /^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/;
const HOST_PORT = /^[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?(:\d{1,5})?$/;
const AZURE_ACCOUNT = /^[a-z0-9]{3,24}$/;
const AZURE_CONTAINER = /^[a-z0-9](?!.*--)[-a-z0-9]{1,61}[a-z0-9]$/;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const IAM_ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@\/-]+$/;
const GCP_SA_EMAIL = /^[a-z][-a-z0-9]{4,28}[a-z0-9]@[-a-z0-9]+\.iam\.gserviceaccount\.com$/;

const FIELDS: Record<ObjstoreInput['backend'], readonly string[]> = {
  s3: ['backend', 'bucket', 'endpoint', 'region', 'insecure', 'sse', 'prefix', 'credentials'],
  gcs: ['backend', 'bucket', 'prefix', 'credentials'],
  azure: ['backend', 'storageAccount', 'container', 'endpoint', 'prefix', 'credentials'],
  filesystem: ['backend', 'testingOnly', 'directory', 'prefix'],
};
const CREDENTIAL_FIELDS: Record<string, Record<string, readonly string[]>> = {
  s3: { secret: ['kind', 'accessKeyId', 'secretAccessKey'], 'workload-identity': ['kind', 'roleArn'] },
  gcs: { secret: ['kind', 'serviceAccountKey'], 'workload-identity': ['kind', 'gcpServiceAccount'] },
  azure: { secret: ['kind', 'accountKey'], 'workload-identity': ['kind', 'clientId'], 'managed-identity': ['kind', 'userAssignedId'] },
};

function fail(path: string, problem: string): never {
  throw new Error(`objstore: ${path}: ${problem}`);
}

/** Reject unknown fields: a misspelt field, or a credential value passed where a Secret name belongs. */
function onlyFields(path: string, value: object, allowed: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) fail(`${path}.${key}`, `unknown field; allowed: ${allowed.join(', ')} (credentials are never given as values, only as Secret references)`);
  }
}

function checkSecretRef(path: string, ref: SecretKeyRef | undefined): SecretKeyRef {
  if (!ref || typeof ref !== 'object') fail(path, 'required: { name, key } of a Secret you create');
  onlyFields(path, ref, ['name', 'key']);
  if (typeof ref.name !== 'string' || !DNS_SUBDOMAIN.test(ref.name) || ref.name.length > 253) fail(`${path}.name`, `"${String(ref.name)}" is not a Secret name (lower-case letters, digits, '-', '.')`);
  if (typeof ref.key !== 'string' || !SECRET_KEY.test(ref.key)) fail(`${path}.key`, `"${String(ref.key)}" is not a Secret key (letters, digits, '-', '_', '.')`);
  return ref;
}

function checkPrefix(prefix: string | undefined): void {
  if (prefix === undefined) return;
  if (prefix === '' || prefix.startsWith('/') || prefix.endsWith('/') || /\s/.test(prefix)) {
    fail('prefix', `"${prefix}" must be a non-empty path inside the bucket without leading/trailing '/' or spaces, e.g. "clusters/prod-eu"`);
  }
}

function validate(input: ObjstoreInput): void {
  if (!input || typeof input !== 'object' || !(input.backend in FIELDS)) {
    fail('backend', `"${String((input as { backend?: unknown })?.backend)}" is not supported; use s3, gcs, azure or filesystem`);
  }
  onlyFields('objstore', input, FIELDS[input.backend]);
  checkPrefix(input.prefix);
  if (input.backend !== 'filesystem') {
    const creds = input.credentials as { kind?: string } | undefined;
    const allowed = CREDENTIAL_FIELDS[input.backend];
    if (!creds || typeof creds !== 'object' || !creds.kind || !(creds.kind in allowed)) {
      fail('credentials.kind', `"${String(creds?.kind)}" is not supported for ${input.backend}; use ${Object.keys(allowed).join(' or ')}`);
    }
    onlyFields('credentials', creds, allowed[creds.kind]);
  }
  switch (input.backend) {
    case 's3': {
      if (!S3_BUCKET.test(input.bucket ?? '')) fail('bucket', `"${input.bucket}" is not an S3 bucket name (3-63 lower-case letters, digits, '.', '-')`);
      if (/^[a-z]+:\/\//i.test(input.endpoint ?? '')) fail('endpoint', `"${input.endpoint}" must be a host[:port] without scheme; set insecure: true for plain HTTP`);
      if (!HOST_PORT.test(input.endpoint ?? '')) fail('endpoint', `"${input.endpoint}" is not a host[:port], e.g. "s3.eu-west-1.amazonaws.com"`);
      if (input.region !== undefined && !/^[a-z0-9-]+$/.test(input.region)) fail('region', `"${input.region}" is not a region name, e.g. "eu-west-1"`);
      if (input.sse !== undefined) {
        if (input.sse.type === 'SSE-KMS') {
          onlyFields('sse', input.sse, ['type', 'kmsKeyId']);
          if (!input.sse.kmsKeyId) fail('sse.kmsKeyId', 'required for SSE-KMS');
        } else if (input.sse.type === 'SSE-S3') onlyFields('sse', input.sse, ['type']);
        else fail('sse.type', `"${String((input.sse as { type?: unknown }).type)}" is not supported; use SSE-S3 or SSE-KMS (SSE-C would need the key in a file)`);
      }
      const c = input.credentials;
      if (c.kind === 'secret') {
        checkSecretRef('credentials.accessKeyId', c.accessKeyId);
        checkSecretRef('credentials.secretAccessKey', c.secretAccessKey);
      } else {
        if (c.roleArn !== undefined && !IAM_ROLE_ARN.test(c.roleArn)) fail('credentials.roleArn', `"${c.roleArn}" is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)`);
        if (!input.region) fail('region', 'required with workload-identity (the AWS SDK needs the bucket region)');
      }
      return;
    }
    case 'gcs': {
      if (!GCS_BUCKET.test(input.bucket ?? '')) fail('bucket', `"${input.bucket}" is not a GCS bucket name`);
      const c = input.credentials;
      if (c.kind === 'secret') checkSecretRef('credentials.serviceAccountKey', c.serviceAccountKey);
      else if (c.gcpServiceAccount !== undefined && !GCP_SA_EMAIL.test(c.gcpServiceAccount)) {
        fail('credentials.gcpServiceAccount', `"${c.gcpServiceAccount}" is not a GCP service account email (<name>@<project>.iam.gserviceaccount.com)`);
      }
      return;
    }
    case 'azure': {
      if (!AZURE_ACCOUNT.test(input.storageAccount ?? '')) fail('storageAccount', `"${input.storageAccount}" is not a storage account name (3-24 lower-case letters and digits)`);
      if (!AZURE_CONTAINER.test(input.container ?? '')) fail('container', `"${input.container}" is not a container name (3-63 lower-case letters, digits, single '-')`);
      if (input.endpoint !== undefined && (!HOST_PORT.test(input.endpoint) || input.endpoint.includes(':'))) fail('endpoint', `"${input.endpoint}" must be a DNS suffix such as "blob.core.windows.net"`);
      const c = input.credentials;
      if (c.kind === 'secret') checkSecretRef('credentials.accountKey', c.accountKey);
      else if (c.kind === 'workload-identity') {
        if (!UUID.test(c.clientId ?? '')) fail('credentials.clientId', `"${c.clientId}" is not a client ID (a UUID)`);
      } else if (c.userAssignedId !== undefined && !UUID.test(c.userAssignedId)) fail('credentials.userAssignedId', `"${c.userAssignedId}" is not a client ID (a UUID)`);
      return;
    }
    case 'filesystem': {
      if (input.testingOnly !== true) fail('testingOnly', 'filesystem object storage is for tests and demos only; set testingOnly: true to say you know, or use s3/gcs/azure');
      const dir = input.directory ?? DEFAULT_FILESYSTEM_DIRECTORY;
      if (!dir.startsWith('/') || dir === '/') fail('directory', `"${dir}" must be an absolute directory other than "/"`);
      return;
    }
  }
}

const NO_CREDENTIALS: ObjstoreCredentials = { env: [], secretVolumes: [], serviceAccountAnnotations: {}, podLabels: {}, secretNames: [] };

function uniqueSorted(values: readonly string[]): string[] {
  return [...new Set(values)].sort();
}

/** Render the objstore config and the credentials wiring. Throws on bad input, naming the field. */
export function renderObjstore(input: ObjstoreInput): RenderedObjstore {
  validate(input);
  let type: string;
  const config: Record<string, unknown> = {};
  let credentials: ObjstoreCredentials = NO_CREDENTIALS;
  let header = '';
  switch (input.backend) {
    case 's3': {
      type = 'S3';
      config.bucket = input.bucket;
      config.endpoint = input.endpoint;
      if (input.region) config.region = input.region;
      if (input.insecure) config.insecure = true;
      const c = input.credentials;
      if (c.kind === 'secret') {
        credentials = {
          ...NO_CREDENTIALS,
          env: [
            { name: 'AWS_ACCESS_KEY_ID', secretKeyRef: { name: c.accessKeyId.name, key: c.accessKeyId.key } },
            { name: 'AWS_SECRET_ACCESS_KEY', secretKeyRef: { name: c.secretAccessKey.name, key: c.secretAccessKey.key } },
          ],
          secretNames: uniqueSorted([c.accessKeyId.name, c.secretAccessKey.name]),
        };
      } else {
        config.aws_sdk_auth = true;
        credentials = { ...NO_CREDENTIALS, serviceAccountAnnotations: c.roleArn ? { 'eks.amazonaws.com/role-arn': c.roleArn } : {} };
      }
      if (input.sse) config.sse_config = input.sse.type === 'SSE-KMS' ? { type: 'SSE-KMS', kms_key_id: input.sse.kmsKeyId } : { type: 'SSE-S3' };
      break;
    }
    case 'gcs': {
      type = 'GCS';
      config.bucket = input.bucket;
      const c = input.credentials;
      if (c.kind === 'secret') {
        credentials = {
          ...NO_CREDENTIALS,
          env: [{ name: 'GOOGLE_APPLICATION_CREDENTIALS', value: `${GCS_KEY_MOUNT_PATH}/${GCS_KEY_FILE}` }],
          secretVolumes: [{ volumeName: 'gcs-credentials', secretName: c.serviceAccountKey.name, items: [{ key: c.serviceAccountKey.key, path: GCS_KEY_FILE }], mountPath: GCS_KEY_MOUNT_PATH }],
          secretNames: [c.serviceAccountKey.name],
        };
      } else {
        credentials = { ...NO_CREDENTIALS, serviceAccountAnnotations: c.gcpServiceAccount ? { 'iam.gke.io/gcp-service-account': c.gcpServiceAccount } : {} };
      }
      break;
    }
    case 'azure': {
      type = 'AZURE';
      config.storage_account = input.storageAccount;
      const c = input.credentials;
      if (c.kind === 'secret') {
        // Thanos substitutes $(VAR) from the environment; double-quoted so that any key
        // characters stay a plain YAML string after substitution.
        config.storage_account_key = Object.assign(new Scalar(`$(${AZURE_KEY_ENV})`), { type: Scalar.QUOTE_DOUBLE });
        credentials = { ...NO_CREDENTIALS, env: [{ name: AZURE_KEY_ENV, secretKeyRef: { name: c.accountKey.name, key: c.accountKey.key } }], secretNames: [c.accountKey.name] };
      } else if (c.kind === 'workload-identity') {
        credentials = {
          ...NO_CREDENTIALS,
          serviceAccountAnnotations: { 'azure.workload.identity/client-id': c.clientId },
          podLabels: { 'azure.workload.identity/use': 'true' },
        };
      } else if (c.userAssignedId) {
        config.user_assigned_id = c.userAssignedId;
      }
      config.container = input.container;
      config.endpoint = input.endpoint ?? 'blob.core.windows.net';
      break;
    }
    case 'filesystem': {
      type = 'FILESYSTEM';
      config.directory = input.directory ?? DEFAULT_FILESYSTEM_DIRECTORY;
      header = '# FILESYSTEM object storage: for tests and demos only, not for production (Thanos docs).\n# Every Thanos component that uses it must mount the same volume at this directory.\n';
      break;
    }
  }
  const doc: Record<string, unknown> = { type, config };
  if (input.prefix) doc.prefix = input.prefix;
  const yaml = header + toYaml(doc);
  return { config: plain(doc) as Record<string, unknown>, yaml, credentials };
}

/** The object form with YAML nodes turned back into plain values. */
function plain(value: unknown): unknown {
  if (value instanceof Scalar) return value.value;
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  return value;
}
