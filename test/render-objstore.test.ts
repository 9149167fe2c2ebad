import { parse } from 'yaml';
import { AZURE_KEY_ENV, GCS_KEY_MOUNT_PATH, ObjstoreInput, renderObjstore } from '../lib/render/objstore';

/**
 * No Thanos binary is available here, so the field names are checked against the
 * provider config structs of thanos-io/objstore (providers/s3/s3.go `Config`,
 * providers/gcs/gcs.go, providers/azure/azure.go `Config`, providers/filesystem) which
 * Thanos parses with yaml.UnmarshalStrict: an unknown field is a startup error.
 */
const KNOWN_FIELDS: Record<string, readonly string[]> = {
  S3: ['bucket', 'endpoint', 'region', 'disable_dualstack', 'aws_sdk_auth', 'access_key', 'insecure', 'signature_version2', 'secret_key', 'session_token', 'put_user_metadata', 'http_config', 'trace', 'list_objects_version', 'bucket_lookup_type', 'send_content_md5', 'disable_multipart', 'part_size', 'sse_config', 'sts_endpoint'],
  GCS: ['bucket', 'service_account', 'use_grpc', 'grpc_conn_pool_size', 'http_config'],
  AZURE: ['az_tenant_id', 'client_id', 'client_secret', 'storage_account', 'storage_account_key', 'storage_connection_string', 'storage_create_container', 'container', 'endpoint', 'user_assigned_id', 'max_retries', 'reader_config', 'pipeline_config', 'http_config', 'msi_resource'],
  FILESYSTEM: ['directory'],
};
const TOP_LEVEL = ['type', 'config', 'prefix'];

/** Values that would be credentials if they ever reached the output. */
const CREDENTIAL_FIELDS = ['access_key', 'secret_key', 'session_token', 'service_account', 'client_secret', 'storage_connection_string'];

function checkShape(yamlText: string): Record<string, any> {
  const doc = parse(yamlText) as Record<string, any>;
  for (const key of Object.keys(doc)) expect(TOP_LEVEL).toContain(key);
  for (const key of Object.keys(doc.config)) expect({ type: doc.type, key, known: KNOWN_FIELDS[doc.type].includes(key) }).toEqual({ type: doc.type, key, known: true });
  for (const f of CREDENTIAL_FIELDS) expect(doc.config[f]).toBeUndefined();
  return doc;
}

describe('renderObjstore', () => {
  test('S3 with keys from a Secret: config without keys, pods get AWS_* env from the Secret', () => {
    const r = renderObjstore({
      backend: 's3',
      bucket: 'metrics-prod',
      endpoint: 's3.eu-west-1.amazonaws.com',
      region: 'eu-west-1',
      prefix: 'clusters/prod-eu1',
      sse: { type: 'SSE-KMS', kmsKeyId: 'alias/thanos' },
      credentials: { kind: 'secret', accessKeyId: { name: 'thanos-s3', key: 'access-key-id' }, secretAccessKey: { name: 'thanos-s3', key: 'secret-access-key' } },
    });
    expect(r.yaml).toBe(
      [
        'type: S3',
        'config:',
        '  bucket: metrics-prod',
        '  endpoint: s3.eu-west-1.amazonaws.com',
        '  region: eu-west-1',
        '  sse_config:',
        '    type: SSE-KMS',
        '    kms_key_id: alias/thanos',
        'prefix: clusters/prod-eu1',
        '',
      ].join('\n'),
    );
    checkShape(r.yaml);
    expect(r.credentials.env).toEqual([
      { name: 'AWS_ACCESS_KEY_ID', secretKeyRef: { name: 'thanos-s3', key: 'access-key-id' } },
      { name: 'AWS_SECRET_ACCESS_KEY', secretKeyRef: { name: 'thanos-s3', key: 'secret-access-key' } },
    ]);
    expect(r.credentials.secretNames).toEqual(['thanos-s3']);
    expect(r.credentials.serviceAccountAnnotations).toEqual({});
  });

  test('S3 with IRSA: the AWS SDK chain and the role on the ServiceAccount, no Secret', () => {
    const r = renderObjstore({ backend: 's3', bucket: 'metrics-prod', endpoint: 's3.eu-west-1.amazonaws.com', region: 'eu-west-1', credentials: { kind: 'workload-identity', roleArn: 'arn:aws:iam::123456789012:role/thanos' } });
    expect(checkShape(r.yaml).config).toEqual({ bucket: 'metrics-prod', endpoint: 's3.eu-west-1.amazonaws.com', region: 'eu-west-1', aws_sdk_auth: true });
    expect(r.credentials).toEqual({ env: [], secretVolumes: [], serviceAccountAnnotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/thanos' }, podLabels: {}, secretNames: [] });
  });

  test('S3-compatible in-cluster MinIO over plain HTTP', () => {
    const r = renderObjstore({ backend: 's3', bucket: 'thanos', endpoint: 'minio.storage.svc:9000', insecure: true, credentials: { kind: 'secret', accessKeyId: { name: 'minio', key: 'user' }, secretAccessKey: { name: 'minio', key: 'password' } } });
    expect(checkShape(r.yaml).config).toEqual({ bucket: 'thanos', endpoint: 'minio.storage.svc:9000', insecure: true });
  });

  test('GCS with a key file from a Secret: mounted, named by GOOGLE_APPLICATION_CREDENTIALS, never inlined', () => {
    const r = renderObjstore({ backend: 'gcs', bucket: 'metrics-prod', credentials: { kind: 'secret', serviceAccountKey: { name: 'thanos-gcs', key: 'key.json' } } });
    expect(checkShape(r.yaml)).toEqual({ type: 'GCS', config: { bucket: 'metrics-prod' } });
    expect(r.credentials.env).toEqual([{ name: 'GOOGLE_APPLICATION_CREDENTIALS', value: `${GCS_KEY_MOUNT_PATH}/service-account.json` }]);
    expect(r.credentials.secretVolumes).toEqual([{ volumeName: 'gcs-credentials', secretName: 'thanos-gcs', items: [{ key: 'key.json', path: 'service-account.json' }], mountPath: GCS_KEY_MOUNT_PATH }]);
  });

  test('GCS with Workload Identity: ServiceAccount annotation only', () => {
    const r = renderObjstore({ backend: 'gcs', bucket: 'metrics-prod', credentials: { kind: 'workload-identity', gcpServiceAccount: 'thanos@my-project.iam.gserviceaccount.com' } });
    expect(r.credentials).toEqual({ env: [], secretVolumes: [], serviceAccountAnnotations: { 'iam.gke.io/gcp-service-account': 'thanos@my-project.iam.gserviceaccount.com' }, podLabels: {}, secretNames: [] });
  });

  test('Azure with the account key from a Secret: a $(VAR) Thanos substitutes, the value only in the pod env', () => {
    const r = renderObjstore({ backend: 'azure', storageAccount: 'metricsprod', container: 'thanos', credentials: { kind: 'secret', accountKey: { name: 'thanos-azure', key: 'account-key' } } });
    const doc = checkShape(r.yaml);
    expect(doc.config).toEqual({ storage_account: 'metricsprod', storage_account_key: `$(${AZURE_KEY_ENV})`, container: 'thanos', endpoint: 'blob.core.windows.net' });
    // Double-quoted, so a substituted key stays one YAML string.
    expect(r.yaml).toContain(`storage_account_key: "$(${AZURE_KEY_ENV})"`);
    expect(r.credentials.env).toEqual([{ name: AZURE_KEY_ENV, secretKeyRef: { name: 'thanos-azure', key: 'account-key' } }]);
  });

  test('Azure Workload Identity and managed identity', () => {
    const wi = renderObjstore({ backend: 'azure', storageAccount: 'metricsprod', container: 'thanos', credentials: { kind: 'workload-identity', clientId: '00000000-1111-2222-3333-444444444444' } });
    expect(checkShape(wi.yaml).config).toEqual({ storage_account: 'metricsprod', container: 'thanos', endpoint: 'blob.core.windows.net' });
    expect(wi.credentials.podLabels).toEqual({ 'azure.workload.identity/use': 'true' });
    expect(wi.credentials.serviceAccountAnnotations).toEqual({ 'azure.workload.identity/client-id': '00000000-1111-2222-3333-444444444444' });
    const mi = renderObjstore({ backend: 'azure', storageAccount: 'metricsprod', container: 'thanos', credentials: { kind: 'managed-identity', userAssignedId: '00000000-1111-2222-3333-444444444444' } });
    expect(checkShape(mi.yaml).config.user_assigned_id).toBe('00000000-1111-2222-3333-444444444444');
    expect(mi.credentials.env).toEqual([]);
  });

  test('filesystem is marked testing-only in the file and must be acknowledged', () => {
    const r = renderObjstore({ backend: 'filesystem', testingOnly: true });
    expect(r.yaml.startsWith('# FILESYSTEM object storage: for tests and demos only')).toBe(true);
    expect(checkShape(r.yaml)).toEqual({ type: 'FILESYSTEM', config: { directory: '/var/thanos/objstore' } });
    expect(() => renderObjstore({ backend: 'filesystem' } as unknown as ObjstoreInput)).toThrow(/objstore: testingOnly: filesystem object storage is for tests and demos only/);
  });

  test('no credential value can reach the output: an attempt to pass one is rejected', () => {
    const smuggled = { backend: 's3', bucket: 'b-1', endpoint: 's3.amazonaws.com', accessKey: 'AKIAIOSFODNN7EXAMPLE', credentials: { kind: 'workload-identity' } } as unknown as ObjstoreInput;
    expect(() => renderObjstore(smuggled)).toThrow(/objstore\.accessKey: unknown field/);
    const inCreds = { backend: 'azure', storageAccount: 'acct1', container: 'thanos', credentials: { kind: 'secret', accountKey: { name: 's', key: 'k' }, value: 'c2VjcmV0' } } as unknown as ObjstoreInput;
    expect(() => renderObjstore(inCreds)).toThrow(/credentials\.value: unknown field/);
    const inRef = { backend: 'gcs', bucket: 'bkt', credentials: { kind: 'secret', serviceAccountKey: { name: 's', key: 'k', data: '{"private_key":"x"}' } } } as unknown as ObjstoreInput;
    expect(() => renderObjstore(inRef)).toThrow(/credentials\.serviceAccountKey\.data: unknown field/);
  });

  test('bad input is rejected with the field path and the fix', () => {
    const s3 = (over: object) => ({ backend: 's3', bucket: 'metrics', endpoint: 's3.amazonaws.com', credentials: { kind: 'secret', accessKeyId: { name: 's', key: 'a' }, secretAccessKey: { name: 's', key: 'b' } }, ...over }) as ObjstoreInput;
    expect(() => renderObjstore(s3({ endpoint: 'https://s3.amazonaws.com' }))).toThrow(/objstore: endpoint: .* without scheme; set insecure: true/);
    expect(() => renderObjstore(s3({ bucket: 'Metrics_Bucket' }))).toThrow(/objstore: bucket: "Metrics_Bucket" is not an S3 bucket name/);
    expect(() => renderObjstore(s3({ prefix: '/clusters/' }))).toThrow(/objstore: prefix:/);
    expect(() => renderObjstore(s3({ credentials: { kind: 'secret', accessKeyId: { name: 'Bad_Name', key: 'a' }, secretAccessKey: { name: 's', key: 'b' } } }))).toThrow(/credentials\.accessKeyId\.name: "Bad_Name" is not a Secret name/);
    expect(() => renderObjstore(s3({ credentials: { kind: 'workload-identity' } }))).toThrow(/objstore: region: required with workload-identity/);
    expect(() => renderObjstore(s3({ credentials: { kind: 'password' } }))).toThrow(/credentials\.kind: "password" is not supported for s3; use secret or workload-identity/);
    expect(() => renderObjstore(s3({ sse: { type: 'SSE-C' } }))).toThrow(/sse\.type/);
    expect(() => renderObjstore({ backend: 'swift' } as unknown as ObjstoreInput)).toThrow(/objstore: backend: "swift" is not supported/);
    expect(() => renderObjstore({ backend: 'azure', storageAccount: 'Metrics-Prod', container: 'thanos', credentials: { kind: 'managed-identity' } })).toThrow(/storageAccount/);
    expect(() => renderObjstore({ backend: 'azure', storageAccount: 'acct1', container: 'thanos', credentials: { kind: 'workload-identity', clientId: 'thanos' } })).toThrow(/credentials\.clientId: "thanos" is not a client ID/);
    expect(() => renderObjstore({ backend: 'gcs', bucket: 'bkt', credentials: { kind: 'workload-identity', gcpServiceAccount: 'thanos' } })).toThrow(/credentials\.gcpServiceAccount/);
  });

  test('output is deterministic', () => {
    const input: ObjstoreInput = { backend: 'gcs', bucket: 'metrics-prod', prefix: 'a/b', credentials: { kind: 'workload-identity' } };
    expect(renderObjstore(input).yaml).toBe(renderObjstore(input).yaml);
    expect(renderObjstore(input).yaml).toBe('type: GCS\nconfig:\n  bucket: metrics-prod\nprefix: a/b\n');
  });
});
