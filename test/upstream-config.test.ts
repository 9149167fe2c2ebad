import { readFileSync } from 'fs';
import { join } from 'path';
import { parse } from 'yaml';
import { production } from '../lib/config';
import type { ObjectStorageConfig } from '../lib/config';
import { GRAFANA_UID } from '../lib/components/grafana';
import { LOKI_UID } from '../lib/components/loki';
import { IMAGES } from '../lib/images';
import { AlloyExpr, alloyBlocks, type AlloyBlock, type AlloyValue } from '../lib/render/alloy';
import { renderGrafanaIni } from '../lib/render/grafana';
import { renderLokiConfig } from '../lib/render/loki';
import { ENVIRONMENTS, FLEETS, K8sObject, fleetOutputs, objectsOf } from './support/synth';

/**
 * Issue 16: Loki, Grafana and Alloy cannot be built or run on the project's machines (AGPL-3.0, or
 * linking Loki's module), so their upgrades are checked against facts recorded from upstream at the
 * pinned version: test/fixtures/upstream/*.txt, each with a header naming the source file, the
 * revision read and what could not be read. Every key, argument, block, flag and path the stack
 * renders must be listed there; a later upgrade re-reads the sources at the new tag, replaces the
 * rows, and these tests show what the stack uses that the new version no longer has.
 */

const FIXTURES = join(__dirname, 'fixtures', 'upstream');

function fixtureRows(file: string): string[][] {
  return readFileSync(join(FIXTURES, file), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('#'))
    .map((l) => l.split('\t'));
}

function podSpec(o: K8sObject): any {
  return o.spec?.template?.spec;
}

/** The folders of the example fleets' clusters (`fleet/observer`, ...). */
const FLEET_DIRS = FLEETS.flatMap(fleetOutputs).map((o) => o.dir);

function containersOf(image: string, dirs: readonly string[] = ENVIRONMENTS.map((e) => e.environment)): { where: string; container: any; pod: any }[] {
  const out: { where: string; container: any; pod: any }[] = [];
  for (const dir of dirs) {
    for (const { file, object } of objectsOf(dir)) {
      const pod = podSpec(object);
      for (const c of pod?.containers ?? []) if (c.image === image) out.push({ where: `${file}: ${object.kind}/${object.metadata.name}`, container: c, pod });
    }
  }
  return out;
}

// ------------------------------------------------------------------------------------ Loki

const lokiRows = fixtureRows('loki-config.txt');
const isLokiKey = (r: string[]) => !r[0].startsWith('flag:') && !r[0].startsWith('metric:') && r[1] !== 'complete';
const LOKI_KEYS = new Set(lokiRows.filter(isLokiKey).map((r) => r[0]));
const LOKI_FLAGS = new Set(lokiRows.filter((r) => r[0].startsWith('flag:')).map((r) => r[0].slice('flag:'.length)));
const LOKI_DEFAULTS = new Map(lokiRows.filter(isLokiKey).map((r) => [r[0], r[2]]));
const LOKI_METRICS = new Set(lokiRows.filter((r) => r[0].startsWith('metric:')).map((r) => r[0].slice('metric:'.length)));
const removedRows = fixtureRows('loki-removed-config.txt');

/** Every key path of a loki.yaml object (list items as `[]`), with the scalar value where it has one. */
function lokiKeyPaths(value: unknown, prefix = ''): [string, unknown][] {
  if (Array.isArray(value)) return value.flatMap((item) => lokiKeyPaths(item, `${prefix}[]`));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]): [string, unknown][] => {
    const path = prefix ? `${prefix}.${k}` : k;
    return [[path, typeof v === 'object' && v !== null ? undefined : v], ...lokiKeyPaths(v, path)];
  });
}

/** Keys of a rendered loki.yaml that Loki (as recorded) does not have, or has deleted or deprecated. */
function lokiKeyProblems(config: Record<string, unknown>): string[] {
  const problems = new Set<string>();
  for (const [path, value] of lokiKeyPaths(config)) {
    if (!LOKI_KEYS.has(path)) problems.add(`${path}: not in the recorded Loki configuration reference`);
    for (const [kind, removed] of removedRows) {
      const [rpath, rvalue] = removed.split('=');
      if (rpath === path && (rvalue === undefined || rvalue === String(value))) problems.add(`${path}${rvalue ? `=${rvalue}` : ''}: ${kind} in Loki`);
    }
  }
  return [...problems];
}

const BACKENDS: ObjectStorageConfig[] = [
  { backend: 'filesystem' },
  { backend: 's3', bucket: 'logs', endpoint: 's3.eu-west-1.amazonaws.com', region: 'eu-west-1', credentialsSecret: { name: 'loki-objstore' } },
  { backend: 's3', bucket: 'logs', endpoint: 'minio.storage.svc:9000' },
  { backend: 'gcs', bucket: 'logs', credentialsSecret: { name: 'loki-objstore' } },
  { backend: 'azure', container: 'logs', storageAccount: 'acct', credentialsSecret: { name: 'loki-objstore' } },
  { backend: 'azure', container: 'logs', storageAccount: 'acct' },
];

describe(`Loki ${IMAGES.loki}: loki.yaml and flags against the recorded 3.7 reference`, () => {
  it('the fixture is the one for the pinned tag', () => {
    expect(IMAGES.loki).toBe('docker.io/grafana/loki:3.7.8');
    expect(readFileSync(join(FIXTURES, 'loki-config.txt'), 'utf8')).toContain('docker.io/grafana/loki:3.7.8');
  });

  it.each(BACKENDS.map((o) => [o.backend + ('credentialsSecret' in o && o.credentialsSecret ? ' with a Secret' : ''), o] as const))(
    'every key rendered for %s exists and is neither deleted nor deprecated',
    (_name, objectStorage) => {
      const config = renderLokiConfig({ retention: '744h', limits: production.loki.limits, objectStorage });
      expect(lokiKeyProblems(config)).toEqual([]);
    },
  );

  it('the check fails where it must: removed keys and deprecated values are reported', () => {
    const config = renderLokiConfig({ retention: '744h', limits: production.loki.limits, objectStorage: { backend: 'filesystem' } }) as any;
    config.compactor.shared_store = 'filesystem';
    config.schema_config.configs[0].store = 'boltdb';
    config.schema_config.configs.push({ from: '2020-01-01', store: 'aws', object_store: 'filesystem', schema: 'v11', index: { prefix: 'i_', period: '168h' } });
    config.limits_config.unordered_writes = true;
    expect(lokiKeyProblems(config)).toEqual([
      'schema_config.configs[].store=aws: deprecated in Loki',
      'compactor.shared_store: not in the recorded Loki configuration reference',
      'compactor.shared_store: deleted in Loki',
      'limits_config.unordered_writes: not in the recorded Loki configuration reference',
      'limits_config.unordered_writes: deleted in Loki',
    ]);
  });

  it("every flag of both environments' Loki container is one Loki registers", () => {
    const found = containersOf(IMAGES.loki);
    expect(found.length).toBe(ENVIRONMENTS.length);
    for (const { container } of found) {
      expect(container.command).toBeUndefined();
      for (const arg of container.args as string[]) expect(LOKI_FLAGS).toContain(arg.split('=')[0]);
    }
  });

  it("a fleet's central Loki (TLS with client certificates, a tenant per cluster): every key and flag is recorded", () => {
    const found = containersOf(IMAGES.loki, FLEET_DIRS);
    expect(found.length).toBeGreaterThan(0);
    const checked: string[] = [];
    for (const dir of FLEET_DIRS) {
      const cm = objectsOf(dir).find((o) => o.object.kind === 'ConfigMap' && o.object.metadata.name === 'loki');
      if (!cm) continue;
      const config = parse(cm.object.data['loki.yaml']);
      // the keys this test is about are there to be checked
      expect(config.server.http_tls_config.client_auth_type).toBe('RequireAndVerifyClientCert');
      expect(config.querier.multi_tenant_queries_enabled).toBe(true);
      expect(config.auth_enabled).toBe(true);
      expect({ dir, problems: lokiKeyProblems(config) }).toEqual({ dir, problems: [] });
      checked.push(dir);
    }
    expect(checked.length).toBe(found.length);
    for (const { container } of found) for (const arg of container.args as string[]) expect(LOKI_FLAGS).toContain(arg.split('=')[0]);
    // and the TLS block is complete in the record: a misspelt key is reported
    const config = parse(objectsOf(checked[0]).find((o) => o.object.kind === 'ConfigMap' && o.object.metadata.name === 'loki')!.object.data['loki.yaml']);
    config.server.http_tls_config.client_ca = '/x';
    expect(lokiKeyProblems(config)).toEqual(['server.http_tls_config.client_ca: not in the recorded Loki configuration reference']);
    expect(LOKI_DEFAULTS.get('querier.multi_tenant_queries_enabled')).toBe('false');
  });

  it('runs as the image user (USER 10001 of cmd/loki/Dockerfile)', () => {
    for (const { pod } of containersOf(IMAGES.loki)) expect(pod.securityContext.runAsUser).toBe(LOKI_UID);
    expect(LOKI_UID).toBe(10001);
  });

  it('what the rendered limits replace: Loki 3.7 defaults differ from our values where we set them', () => {
    // A value equal to Loki's default would be noise in loki.yaml; these are the ones that matter.
    const c = renderLokiConfig({ retention: '744h', limits: production.loki.limits, objectStorage: { backend: 'filesystem' } }) as any;
    expect(LOKI_DEFAULTS.get('compactor.retention_enabled')).toBe('false');
    expect(c.compactor.retention_enabled).toBe(true);
    expect(LOKI_DEFAULTS.get('limits_config.retention_period')).toBe('0s');
    expect(c.limits_config.retention_period).toBe('744h');
    expect(LOKI_DEFAULTS.get('auth_enabled')).toBe('true');
    expect(c.auth_enabled).toBe(false);
    // Reporting to stats.grafana.org is on by default; the NetworkPolicy would block it anyway.
    expect(LOKI_DEFAULTS.get('analytics.reporting_enabled')).toBe('true');
    expect(c.analytics.reporting_enabled).toBe(false);
  });
});

// ------------------------------------------------------------------------------------ Alloy

const alloyRows = fixtureRows('alloy-components.txt');
const isAlloyArg = (r: string[]) => !r[0].includes(' ') && r[0] !== 'http' && r[0] !== 'metric';
const ALLOY_ARGS = new Set(alloyRows.filter(isAlloyArg).map((r) => `${r[0]} ${r[1]}`));
const ALLOY_METRICS = new Set(alloyRows.filter((r) => r[0] === 'metric').map((r) => r[1]));
const ALLOY_RUN_FLAGS = new Set(alloyRows.filter((r) => r[0] === 'alloy run').map((r) => r[1]));
const ALLOY_HTTP = new Set(alloyRows.filter((r) => r[0] === 'http').map((r) => r[1]));
const ALLOY_COMPONENTS = new Set(alloyRows.filter(isAlloyArg).map((r) => r[0]));

function exprs(v: AlloyValue): AlloyExpr[] {
  if (v instanceof AlloyExpr) return [v];
  if (Array.isArray(v)) return (v as AlloyValue[]).flatMap(exprs);
  if (v !== null && typeof v === 'object') return Object.values(v as Record<string, AlloyValue>).flatMap(exprs);
  return [];
}

/** Arguments, blocks and component references of config.alloy that Alloy (as recorded) does not have. */
function alloyProblems(blocks: readonly AlloyBlock[]): string[] {
  const problems: string[] = [];
  const declared = new Set(blocks.map((b) => `${b.name}.${b.label}`));
  const walk = (component: string, b: AlloyBlock, prefix: string) => {
    for (const x of b.body) {
      if ('body' in x) {
        const path = `${prefix}${x.name}`;
        if (!ALLOY_ARGS.has(`${component} ${path}`)) problems.push(`${component}: block ${path} is not an argument block of Alloy's ${component}`);
        walk(component, x, `${path}.`);
      } else {
        const path = `${prefix}${x.attr}`;
        if (!ALLOY_ARGS.has(`${component} ${path}`)) problems.push(`${component}: ${path} is not an argument of Alloy's ${component}`);
        for (const e of exprs(x.value)) {
          for (const m of e.text.matchAll(/\b([a-z_]+(?:\.[a-z_]+)+)\.([A-Za-z_][A-Za-z0-9_]*)\.([a-z_]+)\b/g)) {
            const [ref, comp, label, exp] = m;
            if (!ALLOY_COMPONENTS.has(comp)) continue; // sys.env(...) and other stdlib calls
            if (!declared.has(`${comp}.${label}`)) problems.push(`${component}: ${ref} names no declared ${comp} "${label}"`);
            if (!ALLOY_ARGS.has(`${comp} export:${exp}`)) problems.push(`${component}: ${ref}: ${comp} exports no ${exp}`);
          }
        }
      }
    }
  };
  for (const b of blocks) {
    if (!ALLOY_COMPONENTS.has(b.name)) problems.push(`${b.name}: not a recorded component`);
    else walk(b.name, b, '');
  }
  return problems;
}

describe(`Alloy ${IMAGES.alloy}: config.alloy and flags against the recorded v1.19.2 component arguments`, () => {
  const blocks = alloyBlocks({ lokiPushUrl: 'http://loki.monitoring.svc:3100/loki/api/v1/push', podLogsDir: '/var/log/pods' });

  it('the fixture is the one for the pinned tag', () => {
    expect(IMAGES.alloy).toBe('docker.io/grafana/alloy:v1.19.2');
    expect(readFileSync(join(FIXTURES, 'alloy-components.txt'), 'utf8')).toContain('github.com/grafana/alloy v1.19.2');
  });

  it('every component, argument, block and reference of config.alloy exists at v1.19.2', () => {
    expect(blocks.length).toBeGreaterThan(5);
    expect(alloyProblems(blocks)).toEqual([]);
  });

  it('the check fails where it must: a removed argument, a misspelt stage and a missing export are reported', () => {
    const broken: AlloyBlock[] = blocks.map((b) =>
      b.name === 'loki.process'
        ? { ...b, body: [...b.body, { name: 'stage.json_parse', body: [] }, { attr: 'max_streams', value: 1 }] }
        : b.name === 'loki.write'
          ? { ...b, body: [...b.body, { attr: 'forward_to', value: [new AlloyExpr('loki.process.pod_logs.output')] }] }
          : b,
    );
    expect(alloyProblems(broken)).toEqual([
      "loki.process: block stage.json_parse is not an argument block of Alloy's loki.process",
      "loki.process: max_streams is not an argument of Alloy's loki.process",
      "loki.write: forward_to is not an argument of Alloy's loki.write",
      'loki.write: loki.process.pod_logs.output: loki.process exports no output',
    ]);
  });

  it("a fleet's collector (cluster label, tenant, client certificate to the central Loki) uses only recorded arguments", () => {
    const fleetBlocks = alloyBlocks({
      lokiPushUrl: 'https://loki.observer.example.com:3100/loki/api/v1/push',
      podLogsDir: '/var/log/pods',
      externalLabels: { cluster: 'workload-a' },
      tenantId: 'workload-a',
      tls: { caFile: '/etc/fleet-tls/client/ca.crt', certFile: '/etc/fleet-tls/client/tls.crt', keyFile: '/etc/fleet-tls/client/tls.key' },
    });
    const write = fleetBlocks.find((b) => b.name === 'loki.write')!;
    const endpoint = write.body.find((x) => 'body' in x && x.name === 'endpoint') as AlloyBlock;
    expect(endpoint.body.map((x) => ('body' in x ? x.name : x.attr))).toEqual(expect.arrayContaining(['tenant_id', 'tls_config']));
    expect(alloyProblems(fleetBlocks)).toEqual([]);
    // what the fleet's workload clusters deploy carries exactly these blocks
    const deployed = FLEET_DIRS.flatMap((dir) => objectsOf(dir)).filter((o) => o.object.kind === 'ConfigMap' && o.object.metadata.name === 'alloy');
    expect(deployed.length).toBeGreaterThan(0);
    for (const cm of deployed) expect(cm.object.data['config.alloy']).toMatch(/tenant_id\s+= "[a-z0-9-]+"\n\s+tls_config \{/);
    for (const { container } of containersOf(IMAGES.alloy, FLEET_DIRS)) for (const f of (container.args as string[]).slice(2)) expect(ALLOY_RUN_FLAGS).toContain(f.split('=')[0]);
  });

  it('the DaemonSet runs `alloy run` with flags Alloy registers, and probes a path Alloy serves', () => {
    const found = containersOf(IMAGES.alloy);
    expect(found.length).toBeGreaterThan(0);
    for (const { container } of found) {
      const [sub, file, ...flags] = container.args as string[];
      expect(sub).toBe('run');
      expect(file).toMatch(/\.alloy$/);
      for (const f of flags) expect(ALLOY_RUN_FLAGS).toContain(f.split('=')[0]);
      expect(ALLOY_HTTP).toContain(container.readinessProbe.httpGet.path);
      expect(ALLOY_HTTP).toContain(container.livenessProbe.httpGet.path);
    }
  });
});

// ------------------------------------------------------------------------------------ Grafana

const grafanaRows = fixtureRows('grafana.txt');
const grafanaFact = (kind: string) => grafanaRows.filter((r) => r[0].startsWith(`${kind}:`));
const GRAFANA_INI = new Set(grafanaFact('ini').map((r) => r[0].slice('ini:'.length)));
const GRAFANA_ENV = new Set(grafanaFact('image').filter((r) => r[0] === 'image:env').map((r) => r[1]));
const GRAFANA_METRICS = new Set(grafanaFact('metric').map((r) => r[0].slice('metric:'.length)));
const grafanaValue = (key: string) => grafanaRows.find((r) => r[0] === key)?.[1];
const provisioningKeys = (kind: string) => new Set((grafanaValue(`provisioning:${kind}`) ?? '').split(' '));

/** `section.key` of every key a grafana.ini sets. */
function iniKeys(ini: string): string[] {
  const out: string[] = [];
  let section = '';
  for (const line of ini.split('\n')) {
    const s = /^\[([^\]]+)\]$/.exec(line);
    if (s) section = s[1];
    const kv = /^([A-Za-z0-9_]+)\s*=/.exec(line);
    if (kv) out.push(`${section}.${kv[1]}`);
  }
  return out;
}

function configMapData(env: string, name: string): Record<string, string> {
  const cm = objectsOf(env).find((o) => o.object.kind === 'ConfigMap' && o.object.metadata.name === name);
  if (!cm) throw new Error(`${env}: no ConfigMap ${name}`);
  return cm.object.data;
}

describe(`Grafana ${IMAGES.grafana}: grafana.ini, provisioning, dashboards and the image against recorded 13.x facts`, () => {
  it('the fixture is the one for the pinned tag', () => {
    expect(IMAGES.grafana).toBe('docker.io/grafana/grafana:13.2.3');
    expect(readFileSync(join(FIXTURES, 'grafana.txt'), 'utf8')).toContain('docker.io/grafana/grafana:13.2.3');
  });

  it('every grafana.ini key, with every option on (database, HA, SSO, login form off), is a recorded Grafana key', () => {
    const ini = renderGrafanaIni({
      rootUrl: 'https://grafana.example.com',
      database: { type: 'postgres', host: 'pg:5432', name: 'grafana' },
      haPeers: 'grafana-headless.monitoring.svc:9094',
      genericOAuth: {
        name: 'SSO', clientId: 'c', authUrl: 'https://i/a', tokenUrl: 'https://i/t', apiUrl: 'https://i/u', scopes: ['openid'], usePkce: true,
        roleAttributePath: "'Viewer'", allowedGroups: ['sre'], groupsAttributePath: 'groups', allowedDomains: ['example.com'], disableLoginForm: true,
      },
    });
    const sqlite = renderGrafanaIni({});
    const keys = [...new Set([...iniKeys(ini), ...iniKeys(sqlite)])];
    expect(keys.length).toBeGreaterThan(40);
    expect(keys.filter((k) => !GRAFANA_INI.has(k))).toEqual([]);
    // and the method sees a key Grafana does not have
    expect(iniKeys('[plugins]\nenable_alpha_panels = true\n').filter((k) => !GRAFANA_INI.has(k))).toEqual(['plugins.enable_alpha_panels']);
  });

  const grafanaDirs = [...ENVIRONMENTS.map((e) => e.environment), ...FLEET_DIRS.filter((d) => objectsOf(d).some((o) => o.object.kind === 'ConfigMap' && o.object.metadata.name === 'grafana-datasources'))];

  it('a fleet has a Grafana to check (its observer)', () => {
    expect(grafanaDirs.length).toBeGreaterThan(ENVIRONMENTS.length);
  });

  it.each(grafanaDirs.map((d) => [d] as const))('%s: datasource and dashboard-provider files use only recorded fields', (env) => {
    const ds = parse(configMapData(env, 'grafana-datasources')['datasources.yaml']);
    expect(Object.keys(ds).filter((k) => !provisioningKeys('datasources').has(k))).toEqual([]);
    expect(ds.apiVersion).toBe(1);
    for (const d of ds.datasources) {
      expect(Object.keys(d).filter((k) => !provisioningKeys('datasource').has(k))).toEqual([]);
      expect(Object.keys(d.jsonData).filter((k) => !provisioningKeys('jsonData').has(k))).toEqual([]);
      expect(Object.keys(d.secureJsonData ?? {}).filter((k) => !provisioningKeys('secureJsonData').has(k))).toEqual([]);
    }
    const dp = parse(configMapData(env, 'grafana-dashboard-providers')['dashboards.yaml']);
    expect(dp.apiVersion).toBe(1);
    expect(Object.keys(dp).filter((k) => !provisioningKeys('dashboards').has(k))).toEqual([]);
    for (const p of dp.providers) {
      expect(Object.keys(p).filter((k) => !provisioningKeys('provider').has(k))).toEqual([]);
      expect(Object.keys(p.options).filter((k) => !provisioningKeys('provider.options').has(k))).toEqual([]);
    }
  });

  it.each(grafanaDirs.map((d) => [d] as const))('%s: every provisioned dashboard is classic JSON of a schemaVersion Grafana 13 migrates', (env) => {
    const min = Number(grafanaValue('dashboard:schemaVersion.min'));
    const latest = Number(grafanaValue('dashboard:schemaVersion.latest'));
    const maps = objectsOf(env).filter((o) => o.object.kind === 'ConfigMap' && o.object.metadata.name.startsWith('grafana-dashboards-'));
    expect(maps.length).toBeGreaterThan(3);
    let count = 0;
    for (const m of maps) {
      for (const [file, text] of Object.entries(m.object.data as Record<string, string>)) {
        const d = JSON.parse(text);
        expect({ file, schemaVersion: d.schemaVersion }).toEqual({ file, schemaVersion: expect.any(Number) });
        expect(d.schemaVersion).toBeGreaterThanOrEqual(min);
        expect(d.schemaVersion).toBeLessThanOrEqual(latest);
        // Classic model (not the v2 resource): panels at the top level, no apiVersion/kind/spec.
        expect(d.apiVersion).toBeUndefined();
        expect(Array.isArray(d.panels)).toBe(true);
        count++;
      }
    }
    expect(count).toBeGreaterThan(10);
  });

  it("the container runs the image's entrypoint (grafana server) with the paths it reads, as the image user", () => {
    const found = containersOf(IMAGES.grafana);
    expect(found.length).toBe(ENVIRONMENTS.length);
    for (const { container, pod } of found) {
      expect(container.command).toBeUndefined();
      expect(container.args).toBeUndefined();
      const paths = (container.env as { name: string }[]).map((e) => e.name).filter((n) => n.startsWith('GF_PATHS_'));
      expect(paths.length).toBeGreaterThan(3);
      expect(paths.filter((n) => !GRAFANA_ENV.has(n))).toEqual([]);
      const configPath = (container.env as { name: string; value: string }[]).find((e) => e.name === 'GF_PATHS_CONFIG')!.value;
      expect((container.volumeMounts as { mountPath: string }[]).map((m) => m.mountPath)).toContain(configPath);
      expect(pod.securityContext.runAsUser).toBe(GRAFANA_UID);
    }
    expect(String(GRAFANA_UID)).toBe(grafanaValue('image:uid'));
  });
});

// ------------------------------------------------------------------------------------ metrics

/** Every PromQL expression the environment deploys: rule files and dashboard targets. */
function deployedExprs(env: string): string[] {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
        if (k === 'expr' && typeof x === 'string') out.push(x);
        else walk(x);
      }
    }
  };
  for (const { object } of objectsOf(env)) {
    if (object.kind !== 'ConfigMap') continue;
    for (const [key, text] of Object.entries((object.data ?? {}) as Record<string, string>)) {
      if (key.endsWith('.json')) walk(JSON.parse(text));
      else if (/\.ya?ml$/.test(key) && /^groups:/m.test(text)) walk(parse(text));
    }
  }
  return out;
}

/** Metric names of the Loki, Alloy and Grafana families an expression reads (quoted label values removed). */
function familyMetrics(expr: string): string[] {
  const code = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  return [...code.matchAll(/\b((?:loki|alloy|grafana)_[a-z0-9_]+)\b/g)].map((m) => m[1].replace(/_(bucket|count|sum)$/, ''));
}

const hasGrafana = (dir: string) => objectsOf(dir).some((o) => o.object.kind === 'ConfigMap' && o.object.metadata.name === 'grafana-datasources');

describe('metric names the rules and dashboards read exist in the pinned Loki, Alloy and Grafana', () => {
  const recorded = (name: string) =>
    name.startsWith('loki_write_') || name.startsWith('loki_process_') || name.startsWith('alloy_') ? ALLOY_METRICS.has(name) : name.startsWith('grafana_') ? GRAFANA_METRICS.has(name) : LOKI_METRICS.has(name);

  it.each([...ENVIRONMENTS.map((e) => e.environment), ...FLEET_DIRS].map((d) => [d] as const))('%s', (env) => {
    const names = new Set(deployedExprs(env).flatMap(familyMetrics));
    // a workload cluster of a fleet runs no Loki or Grafana: only its collectors' metrics
    expect(names.size).toBeGreaterThan(FLEET_DIRS.includes(env) && !hasGrafana(env) ? 2 : 5);
    expect([...names].filter((n) => !recorded(n)).sort()).toEqual([]);
  });

  it('the scan reads names, not label values, and sees an unknown name', () => {
    expect(familyMetrics('sum by (route) (rate(loki_request_duration_seconds_count{route=~"loki_api_v1_push"}[5m]))')).toEqual(['loki_request_duration_seconds']);
    expect(familyMetrics('rate(loki_ingester_chunks_flushed_total[5m])').filter((n) => !recorded(n))).toEqual(['loki_ingester_chunks_flushed_total']);
  });
});
