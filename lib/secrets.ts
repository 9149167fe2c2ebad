import { agentsNamespace } from './components/namespace';
import { ELASTICSEARCH_SECRET_KEYS } from './components/log-collector';
import type { ObjectStorageConfig, StackConfig } from './config/types';
import { OBJECT_STORAGE_SECRET_KEYS } from './config/types';
import { alertmanagerInput, alertmanagerSecretKeys, SecretKeyRequirement } from './render/alertmanager';
import { GRAFANA_DATABASE_SECRET_KEYS } from './render/grafana';
import { FLEET_TLS_KEYS } from './config/fleet';
import { FleetContext, remoteWorkloads } from './fleet/model';

export type { SecretKeyRequirement } from './render/alertmanager';

/**
 * The Secrets an environment reads: each one the user creates once per cluster, with exactly
 * these keys (README, "Secrets"; `npm run secrets -- <environment>` prints the commands). A
 * test checks this list against every Secret reference of the synthesized objects (volumes,
 * their `items`, `secretKeyRef`), both ways.
 */
export interface SecretRequirement {
  readonly name: string;
  readonly namespace: string;
  /** Which components read it. */
  readonly usedBy: readonly string[];
  readonly keys: readonly SecretKeyRequirement[];
}

function objectStorageKeys(o: ObjectStorageConfig): SecretKeyRequirement[] {
  switch (o.backend) {
    case 's3':
      return [
        { key: OBJECT_STORAGE_SECRET_KEYS.s3AccessKeyId, description: `S3 access key ID for bucket ${o.bucket}` },
        { key: OBJECT_STORAGE_SECRET_KEYS.s3SecretAccessKey, description: `S3 secret access key for bucket ${o.bucket}` },
      ];
    case 'gcs':
      return [{ key: OBJECT_STORAGE_SECRET_KEYS.gcsServiceAccount, description: `GCS service account key (JSON) for bucket ${o.bucket}` }];
    case 'azure':
      return [{ key: OBJECT_STORAGE_SECRET_KEYS.azureAccountKey, description: `access key of storage account ${o.storageAccount}` }];
    case 'filesystem':
      return [];
  }
}

/** The keys of a fleet TLS Secret: a certificate, its key and the CA of the other side. */
function tlsKeys(certificate: string, caOf: string): SecretKeyRequirement[] {
  return [
    { key: FLEET_TLS_KEYS.cert, description: certificate, file: true },
    { key: FLEET_TLS_KEYS.key, description: `its private key (PEM)`, file: true },
    { key: FLEET_TLS_KEYS.ca, description: `the CA (PEM) that signed the ${caOf} certificates`, file: true },
  ];
}

/**
 * Every Secret the environment's manifests reference, with its keys, in a fixed order. A
 * fleet's cluster (`fleet`) also reads the TLS Secrets of the cross-cluster connections and,
 * on the observer, the credentials of every cluster's bucket.
 */
export function stackSecrets(config: StackConfig, fleet?: FleetContext): SecretRequirement[] {
  const out: SecretRequirement[] = [];
  const add = (name: string, namespace: string, usedBy: string, keys: readonly SecretKeyRequirement[]) => {
    if (keys.length === 0) return;
    const existing = out.find((s) => s.name === name && s.namespace === namespace);
    if (!existing) {
      out.push({ name, namespace, usedBy: [usedBy], keys: [...keys] });
      return;
    }
    const merged = { ...existing, usedBy: [...new Set([...existing.usedBy, usedBy])], keys: [...existing.keys, ...keys.filter((k) => !existing.keys.some((e) => e.key === k.key))] };
    out[out.indexOf(existing)] = merged;
  };
  const ns = config.namespace;
  const am = config.alertmanager;
  if (am.enabled) add(am.receiversSecret.name, ns, 'alertmanager', alertmanagerSecretKeys(alertmanagerInput(am, '/secrets', { clusters: fleet?.fleet.clusters.map((c) => c.name) })));
  const g = config.grafana;
  if (g.enabled && config.prometheus.enabled) {
    add(g.adminSecret.name, ns, 'grafana', [
      { key: 'admin-user', description: 'Grafana admin user name' },
      { key: 'admin-password', description: 'Grafana admin password' },
    ]);
    if (g.database) {
      add(g.database.credentialsSecret.name, ns, 'grafana', [
        { key: GRAFANA_DATABASE_SECRET_KEYS.username, description: `user of ${g.database.type} database ${g.database.name} on ${g.database.host}` },
        { key: GRAFANA_DATABASE_SECRET_KEYS.password, description: `password of that ${g.database.type} user` },
      ]);
    }
  }
  const t = config.thanos;
  if (t.enabled && 'credentialsSecret' in t.objectStorage && t.objectStorage.credentialsSecret) {
    add(t.objectStorage.credentialsSecret.name, ns, 'thanos', objectStorageKeys(t.objectStorage));
  }
  const l = config.loki;
  if (l.enabled && 'credentialsSecret' in l.objectStorage && l.objectStorage.credentialsSecret) {
    add(l.objectStorage.credentialsSecret.name, ns, 'loki', objectStorageKeys(l.objectStorage));
  }
  const lc = config.logCollector;
  if (lc.enabled && lc.kind === 'fluentd' && lc.elasticsearch) {
    add(lc.elasticsearch.credentialsSecret.name, agentsNamespace(ns), 'fluentd', [
      { key: ELASTICSEARCH_SECRET_KEYS.username, description: 'Elasticsearch user' },
      { key: ELASTICSEARCH_SECRET_KEYS.password, description: 'Elasticsearch password' },
    ]);
  }
  if (fleet) {
    const self = fleet.self;
    const { serverSecret, clientSecret } = fleet.fleet.tls;
    const others = fleet.fleet.clusters.filter((c) => c.name !== self.name);
    if (self.observer) {
      for (const c of others) {
        if (c.observerBucketSecret) add(c.observerBucketSecret, ns, `thanos (bucket of ${c.name})`, objectStorageKeys(c.objectStorage));
      }
    }
    const serverNames = fleetServerNames(fleet);
    if (serverNames.length > 0) {
      const servers = self.observer ? ['alertmanager', 'loki'] : ['thanos-query'];
      for (const s of servers) add(serverSecret, ns, s, tlsKeys(`the server certificate (PEM) for DNS names ${serverNames.join(', ')}`, 'client'));
    }
    const clients = [...(config.prometheus.enabled ? ['prometheus'] : []), ...(self.observer && remoteWorkloads(fleet.fleet).length ? ['thanos-query'] : []), ...(config.grafana.enabled ? ['grafana'] : [])];
    for (const c of clients) add(clientSecret, ns, c, tlsKeys(`the client certificate (PEM) of cluster ${self.name}`, 'server'));
    if (lc.enabled) add(clientSecret, agentsNamespace(ns), lc.kind, tlsKeys(`the client certificate (PEM) of cluster ${self.name}`, 'server'));
  }
  return out;
}

/**
 * The DNS names a cluster's server certificate must hold: the host names other clusters
 * reach its endpoints at, and the in-cluster Service names its own clients verify (the
 * observer's Prometheus, Grafana and collector connect to the Alertmanager and Loki Services).
 */
export function fleetServerNames(fleet: FleetContext): string[] {
  const self = fleet.self;
  if (self.observer) {
    const ns = self.namespace;
    return [...self.alertmanagers.map((e) => e.host), ...(self.loki ? [self.loki.host] : []), `alertmanager.${ns}.svc`, `loki.${ns}.svc`];
  }
  return self.storeApi ? [self.storeApi.host] : [];
}

/**
 * The `kubectl create secret` commands for an environment's Secrets, values as `<...>`
 * placeholders. `--from-literal` values are used as given; Alertmanager and Grafana trim
 * surrounding whitespace of the files they read, so a trailing newline does no harm there.
 */
export function secretCommands(config: StackConfig, fleet?: FleetContext): string {
  return stackSecrets(config, fleet)
    .map((s) =>
      [
        `# ${s.name}: read by ${s.usedBy.join(', ')}`,
        [`kubectl create secret generic ${s.name} --namespace ${s.namespace}`, ...s.keys.map((k) => `  --from-${k.file ? 'file' : 'literal'}=${k.key}='<${k.file ? `path to ${k.description}` : k.description}>'`)].join(' \\\n'),
      ].join('\n'),
    )
    .join('\n\n');
}
