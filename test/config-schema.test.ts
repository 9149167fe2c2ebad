import { readFileSync } from 'fs';
import { isDeepStrictEqual } from 'util';
import { generatedFiles, rawConfigSchema } from '../scripts/config-schema';
import {
  configProblems,
  ConfigValidationError,
  defineEnvironment,
  ENVIRONMENT_DEFAULTS,
  EnvironmentInput,
  production,
  StackConfig,
  staging,
  validateConfig,
} from '../lib/config';
import { synthesizeEnvironment } from '../lib/synth';

type Json = any;

function messages(config: unknown): string[] {
  return configProblems(config as StackConfig).map((p) => `${p.path}: ${p.message}`);
}

/** A copy of a config with a change made to it (the change may add fields the types do not have). */
function variant(base: StackConfig, change: (c: Json) => void): StackConfig {
  const copy = structuredClone(base) as Json;
  change(copy);
  return copy;
}

/** What a user must decide, and nothing else. */
const MINIMAL: EnvironmentInput = {
  environment: 'prod',
  cluster: 'prod-eu-1',
  runbookBaseUrl: 'https://runbooks.example.org',
  alertmanager: {
    receiversSecret: { name: 'am-receivers' },
    paging: true,
    slackChannels: { critical: '#crit', warnings: '#warn', infrastructure: '#infra', application: '#app' },
  },
  grafana: { adminSecret: { name: 'grafana-admin' } },
  thanos: { objectStorage: { backend: 's3', bucket: 'prod-metrics', endpoint: 's3.eu-west-1.amazonaws.com', region: 'eu-west-1' } },
  loki: { objectStorage: { backend: 's3', bucket: 'prod-logs', endpoint: 's3.eu-west-1.amazonaws.com', region: 'eu-west-1' } },
};

describe('the config schema is generated from the types', () => {
  test('the committed schema and validator are what `npm run schema` generates (run it after changing lib/config/types.ts)', () => {
    for (const [file, text] of generatedFiles()) expect({ file, fresh: readFileSync(file, 'utf8') === text }).toEqual({ file, fresh: true });
  }, 60_000);
});

describe('unknown fields are refused, named as they are written', () => {
  test('the fields of issue 15: prometheus.retentionSize, grafana.ingres', () => {
    expect(messages(variant(production, (c) => (c.prometheus.retentionSize = '50GB')))).toEqual([
      'prometheus.retentionSize: unknown field of prometheus (did you mean "retention"?); allowed: enabled, replicas, retention, storage, resources, scrapeInterval, scrapeTimeout, evaluationInterval, externalUrl, externalLabels, extraScrapeConfigs, remoteWrite, secrets',
    ]);
    expect(messages(variant(production, (c) => (c.grafana.ingres = { host: 'grafana.example.com' })))[0]).toMatch(/^grafana\.ingres: unknown field of grafana \(did you mean "ingress"\?\)/);
  });

  test('a misspelt field is named where it is, not where a renderer keeps it', () => {
    const bad = variant(production, (c) => (c.alertmanager.slackChannels.defualt = '#alerts'));
    expect(messages(bad)).toEqual([
      'alertmanager.slackChannels.defualt: unknown field of alertmanager.slackChannels (did you mean "default"?); allowed: critical, warnings, infrastructure, application, default',
    ]);
    // A bad value of a field the renderer checks too is reported with the config's name for it.
    expect(messages(variant(production, (c) => (c.alertmanager.slackChannels.default = 'Alerts Info')))).toEqual([
      'alertmanager.slackChannels.default: "Alerts Info" is not a Slack channel; use "#channel-name", "@user" or a channel ID (letters, digits, \'-\', \'_\', \'.\')',
    ]);
  });

  test('deep in a union: an alerting rule with a typo, a recording rule with `for`', () => {
    const bad = variant(staging, (c) => {
      c.alerts.extraRuleGroups = [
        {
          name: 'shop',
          rules: [
            { alert: 'ShopDown', expr: 'up == 0', anotations: { summary: 'x' } },
            { record: 'job:x:rate5m', expr: 'rate(x[5m])', for: '5m' },
          ],
        },
      ];
    });
    expect(messages(bad)).toEqual([
      'alerts.extraRuleGroups[0].rules[0].anotations: unknown field of alerts.extraRuleGroups[0].rules[0] (did you mean "annotations"?); allowed: alert, expr, for, keep_firing_for, labels, annotations',
      'alerts.extraRuleGroups[0].rules[1].for: unknown field of alerts.extraRuleGroups[0].rules[1]; allowed: record, expr, labels',
    ]);
  });

  test('a discriminated union reports the branch its tag chose', () => {
    const bad = variant(production, (c) => (c.thanos.objectStorage = { backend: 's3', bucket: 'b', endpont: 's3.example.com' }));
    expect(messages(bad)).toEqual([
      'thanos.objectStorage.endpoint: is required',
      'thanos.objectStorage.endpont: unknown field of thanos.objectStorage (did you mean "endpoint"?); allowed: backend, bucket, endpoint, region, credentialsSecret',
    ]);
  });

  test('missing and mistyped fields say what is expected', () => {
    const bad = variant(production, (c) => {
      delete c.grafana.adminSecret;
      c.prometheus.replicas = '2';
      c.logCollector.kind = 'vector';
    });
    expect(messages(bad)).toEqual([
      'prometheus.replicas: "2" is not allowed; a number is required',
      'grafana.adminSecret: is required (Secret with keys `admin-user` and `admin-password`)',
      'logCollector.kind: "vector" is not allowed; use one of "alloy", "promtail", "fluentd"',
    ]);
  });

  test('the synth refuses an unknown field: it fails naming it and writes nothing', () => {
    const bad = variant(production, (c) => (c.prometheus.retentionSize = '50GB'));
    expect(() => synthesizeEnvironment(bad)).toThrow(ConfigValidationError);
    expect(() => validateConfig(bad)).toThrow(/prometheus\.retentionSize: unknown field/);
  });
});

/** The `@default` of every field whose parent has a value in ENVIRONMENT_DEFAULTS, from the schema. */
function documentedDefaults(): { mismatches: string[]; undocumented: string[] } {
  const schema = rawConfigSchema() as Json;
  const resolve = (node: Json): Json => (node?.$ref ? resolve(schema.definitions[node.$ref.replace('#/definitions/', '')]) : node);
  const mismatches: string[] = [];
  const undocumented: string[] = [];
  const walk = (node: Json, defaults: Json, path: string) => {
    const props = resolve(node)?.properties ?? {};
    for (const [field, prop] of Object.entries<Json>(props)) {
      const at = path ? `${path}.${field}` : field;
      const actual = defaults[field];
      if ('default' in prop) {
        const documented = typeof prop.default === 'string' && prop.default === 'undefined' ? undefined : prop.default;
        if (!isDeepStrictEqual(documented, actual)) mismatches.push(`${at}: @default ${JSON.stringify(prop.default)}, defineEnvironment gives ${JSON.stringify(actual)}`);
      } else if (actual !== undefined && typeof actual === 'object' && !Array.isArray(actual)) walk(prop, actual, at);
      else if (actual !== undefined) undocumented.push(`${at} = ${JSON.stringify(actual)}`);
    }
    for (const field of Object.keys(defaults)) if (!(field in props)) undocumented.push(`${path}.${field} is not a field of the config`);
  };
  walk(schema.definitions.StackConfig, ENVIRONMENT_DEFAULTS, '');
  return { mismatches, undocumented };
}

describe('defaults: documented, true, and only what differs is written', () => {
  test('every @default of the config is what defineEnvironment gives, and every default it gives is documented', () => {
    expect(documentedDefaults()).toEqual({ mismatches: [], undocumented: [] });
  }, 60_000);

  test('a user writes only what only they can decide; the rest is the documented defaults', () => {
    const env = defineEnvironment(MINIMAL);
    expect(env.prometheus).toEqual({ ...ENVIRONMENT_DEFAULTS.prometheus });
    expect(env.namespace).toBe('monitoring');
    expect(env.exporter.enabled).toBe(false);
    expect(env.slos.declarations).toEqual([]);
    const files = synthesizeEnvironment(env);
    expect([...files.keys()].filter((f) => !f.includes('/operator/')).sort()).toEqual(
      ['alertmanager', 'alloy', 'grafana', 'kube-state-metrics', 'kustomization', 'loki', 'namespace', 'node-exporter', 'prometheus', 'thanos-compact', 'thanos-query', 'thanos-store'].map((f) => `prod/${f}.yaml`),
    );
    // Nothing of the examples leaks in: no example.com URL, label or channel.
    for (const [file, text] of files) expect({ file, example: /example\.com|#alerts|staging-eu-1|prod-eu-1-example/.test(text.replace(/runbooks\.example\.org/g, '')) }).toEqual({ file, example: false });
  });

  test('what only the user can decide is required (type-checked) and has no example value', () => {
    // @ts-expect-error cluster, Secrets, object storage and URLs are required
    expect(() => defineEnvironment({ environment: 'x' })).toThrow(ConfigValidationError);
    const { cluster: _cluster, ...withoutCluster } = MINIMAL;
    // @ts-expect-error the cluster name is required
    expect(() => defineEnvironment(withoutCluster)).toThrow('cluster: is required');
    const { loki: _loki, ...withoutLoki } = MINIMAL;
    // @ts-expect-error Loki's object storage is required while Loki is enabled
    expect(() => defineEnvironment(withoutLoki)).toThrow('loki.objectStorage: is required');
    for (const key of ['environment', 'cluster', 'runbookBaseUrl'] as const) expect(ENVIRONMENT_DEFAULTS).not.toHaveProperty(key);
    expect(ENVIRONMENT_DEFAULTS.network).not.toHaveProperty('apiServerCidrs');
    expect(ENVIRONMENT_DEFAULTS.grafana).not.toHaveProperty('adminSecret');
    expect(ENVIRONMENT_DEFAULTS.alertmanager).not.toHaveProperty('receiversSecret');
    expect(ENVIRONMENT_DEFAULTS.thanos).not.toHaveProperty('objectStorage');
  });

  test('a disabled component needs none of its required fields', () => {
    const env = defineEnvironment({ ...MINIMAL, thanos: { enabled: false }, loki: { enabled: false }, logCollector: { enabled: false } });
    const files = synthesizeEnvironment(env);
    expect([...files.keys()].some((f) => /thanos|loki/.test(f))).toBe(false);
  });

  test('objects merge field by field, lists replace, unknown fields are refused', () => {
    const env = defineEnvironment({ ...MINIMAL, prometheus: { resources: { cpuRequest: '2', memoryRequest: '8Gi', memoryLimit: '16Gi' }, retention: '30d' }, network: { apiServerEndpointCidrs: ['10.9.0.1/32'], externalEgressCidrs: ['192.0.2.0/24'] } });
    expect(env.prometheus.retention).toBe('30d');
    expect(env.prometheus.replicas).toBe(2);
    expect(env.prometheus.resources).toEqual({ cpuRequest: '2', memoryRequest: '8Gi', memoryLimit: '16Gi' });
    expect(env.network.externalEgressCidrs).toEqual(['192.0.2.0/24']);
    expect(() => defineEnvironment({ ...MINIMAL, prometheus: { retention: '30d', retentionSize: '10GB' } as never })).toThrow(/prometheus\.retentionSize: unknown field/);
  });

  test('the defaults cannot be changed by accident', () => {
    expect(() => {
      (ENVIRONMENT_DEFAULTS.prometheus as { replicas: number }).replicas = 9;
    }).toThrow(TypeError);
    const a = defineEnvironment(MINIMAL);
    (a.prometheus as { replicas: number }).replicas = 5;
    expect(defineEnvironment(MINIMAL).prometheus.replicas).toBe(2);
  });
});

test('S3 without a credentials Secret (workload identity) needs the region: the config check says so, naming the field', () => {
  const { region: _r, ...noRegion } = { backend: 's3' as const, bucket: 'prod-metrics', endpoint: 's3.eu-west-1.amazonaws.com', region: 'eu-west-1' };
  expect(() => defineEnvironment({ ...MINIMAL, thanos: { objectStorage: noRegion } })).toThrow(
    'thanos.objectStorage.region: is required without credentialsSecret (workload identity)',
  );
});
