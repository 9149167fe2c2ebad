import { readFileSync } from 'fs';
import { join } from 'path';
import { parseAllDocuments } from 'yaml';
import { production, staging } from '../lib/config';
import type { StackConfig } from '../lib/config';
import { secretCommands, stackSecrets } from '../lib/secrets';
import { synthesizeEnvironment } from '../lib/synth';
import { objectsOf, OUTPUTS } from './support/synth';
import type { FleetContext } from '../lib/fleet/model';
import type { K8sObject } from './support/synth';

/** Every Secret key the objects reference: `namespace/secret/key`; a whole-Secret reference is `namespace/secret/*`. */
function referencedKeys(objects: readonly K8sObject[]): string[] {
  const out = new Set<string>();
  for (const o of objects) {
    const pod = o.spec?.template?.spec ?? o.spec?.jobTemplate?.spec?.template?.spec;
    if (!pod) continue;
    const ns = o.metadata.namespace;
    const secretVolume = (s: { secretName?: string; name?: string; items?: { key: string }[] }) => {
      const name = s.secretName ?? s.name;
      if (!s.items) out.add(`${ns}/${name}/*`);
      else for (const i of s.items) out.add(`${ns}/${name}/${i.key}`);
    };
    for (const v of pod.volumes ?? []) {
      if (v.secret) secretVolume(v.secret);
      for (const src of v.projected?.sources ?? []) if (src.secret) secretVolume(src.secret);
    }
    for (const c of [...(pod.containers ?? []), ...(pod.initContainers ?? [])]) {
      for (const e of c.env ?? []) if (e.valueFrom?.secretKeyRef) out.add(`${ns}/${e.valueFrom.secretKeyRef.name}/${e.valueFrom.secretKeyRef.key}`);
      for (const e of c.envFrom ?? []) if (e.secretRef) out.add(`${ns}/${e.secretRef.name}/*`);
    }
  }
  return [...out].sort();
}

function declaredKeys(config: StackConfig, fleet?: FleetContext): string[] {
  return stackSecrets(config, fleet)
    .flatMap((s) => s.keys.map((k) => `${s.namespace}/${s.name}/${k.key}`))
    .sort();
}

function synthObjects(config: StackConfig): K8sObject[] {
  const files = synthesizeEnvironment(config);
  return [...files]
    .filter(([f]) => !f.endsWith('kustomization.yaml'))
    .flatMap(([, content]) => parseAllDocuments(content).map((d) => d.toJS() as K8sObject))
    .filter(Boolean);
}

describe('the Secrets an environment reads', () => {
  it.each(OUTPUTS.map((o) => [o.dir, o] as const))('%s: exactly the Secret keys the synthesized manifests reference, each mounted by key', (env, o) => {
    const referenced = referencedKeys(objectsOf(env).map((x) => x.object));
    expect(referenced.filter((k) => k.endsWith('/*'))).toEqual([]);
    expect(referenced).toEqual(declaredKeys(o.config, o.fleet));
  });

  const variants: [string, StackConfig][] = [
    [
      'fluentd to Elasticsearch, GCS and Azure buckets',
      {
        ...staging,
        logCollector: { ...staging.logCollector, kind: 'fluentd', elasticsearch: { url: 'https://es.example.com:9200', credentialsSecret: { name: 'es-credentials' } } },
        thanos: { ...staging.thanos, objectStorage: { backend: 'gcs', bucket: 'metrics-bucket', credentialsSecret: { name: 'gcs-key' } } },
        loki: { ...staging.loki, objectStorage: { backend: 'azure', container: 'logs', storageAccount: 'examplelogs', credentialsSecret: { name: 'azure-key' } } },
      },
    ],
    [
      'one Secret for both buckets, incoming webhooks, MySQL for Grafana',
      {
        ...production,
        alertmanager: { ...production.alertmanager, slackAuth: 'incoming-webhook' },
        grafana: { ...production.grafana, database: { type: 'mysql', host: 'mysql.db.svc:3306', name: 'grafana', credentialsSecret: { name: 'grafana-mysql' } } },
        loki: { ...production.loki, objectStorage: { ...production.thanos.objectStorage } },
      },
    ],
    ['workload identity for the metrics bucket, no Grafana', { ...production, grafana: { ...production.grafana, enabled: false }, thanos: { ...production.thanos, objectStorage: { backend: 's3', bucket: 'b-metrics', endpoint: 's3.amazonaws.com', region: 'eu-west-1' } } }],
  ];
  it.each(variants)('%s: the same, for a variant config', (_name, config) => {
    const referenced = referencedKeys(synthObjects(config));
    expect(referenced.filter((k) => k.endsWith('/*'))).toEqual([]);
    expect(referenced).toEqual(declaredKeys(config));
    expect(referenced.length).toBeGreaterThan(0);
  });

  it('the harness can fail: a Secret mounted whole, and a key the manifests do not read, are both seen', () => {
    const objects = objectsOf('production').map((o) => structuredClone(o.object));
    const am = objects.find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'alertmanager')!;
    const receivers = am.spec.template.spec.volumes.find((v: { name: string }) => v.name === 'receivers');
    delete receivers.secret.items;
    expect(referencedKeys(objects)).toContain('monitoring/alertmanager-receivers/*');
    receivers.secret.items = [{ key: 'x', path: 'x' }];
    expect(referencedKeys(objects)).not.toEqual(declaredKeys(production));
  });

  it.each(OUTPUTS.map((o) => [o.dir, o] as const))('README shows what `npm run secrets -- %s` prints', (env, o) => {
    const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
    const m = new RegExp(`<!-- secrets:${env} -->\\n\`\`\`sh\\n([\\s\\S]*?)\\n\`\`\`\\n<!-- /secrets:${env} -->`).exec(readme);
    expect(m).not.toBeNull();
    expect(m![1]).toBe(secretCommands(o.config, o.fleet));
  });

  it('the commands name each Secret, its namespace and every key with a placeholder', () => {
    const text = secretCommands(staging);
    expect(text.split('\n').slice(0, 3)).toEqual([
      '# alertmanager-receivers: read by alertmanager',
      'kubectl create secret generic alertmanager-receivers --namespace monitoring \\',
      "  --from-literal=default.url='<Slack incoming-webhook URL created for #staging-alerts>' \\",
    ]);
    for (const s of stackSecrets(production)) {
      for (const k of s.keys) expect(secretCommands(production)).toContain(`--from-literal=${k.key}='<`);
    }
  });
});
