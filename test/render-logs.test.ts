import { parse } from 'yaml';
import { production, staging } from '../lib/config';
import type { ObjectStorageConfig } from '../lib/config';
import { LEVEL_JMESPATH, LEVEL_TEMPLATE, LOG_LEVELS, alloyBlocks, podLogRelabelRules, renderAlloyConfig } from '../lib/render/alloy';
import { FLUENTD_BUFFER_LIMIT_BYTES, elasticsearchEndpoint, renderFluentdConfig } from '../lib/render/fluentd';
import { LOKI_ENV, LOKI_SECRET_KEYS, lokiObjectStoragePort, lokiStorageCredentials, renderLokiConfig, renderLokiYaml, type LokiRenderInput } from '../lib/render/loki';
import { renderPromtailConfig, renderPromtailYaml } from '../lib/render/promtail';
import { secretFindings } from '../lib/policy';
import { alloyErrors, fluentdErrors, parseAlloy } from './support/config-syntax';

const PUSH = 'http://loki.monitoring.svc:3100/loki/api/v1/push';
const lokiInput = (objectStorage: ObjectStorageConfig, retention = '744h'): LokiRenderInput => ({ retention, limits: production.loki.limits, objectStorage });

// ------------------------------------------------------------------------------ Loki
// Checked against the Loki 3.x configuration reference (docs/sources/shared/configuration.md),
// the configuration examples page (configure/examples: 1-Local-Configuration-Example.yaml,
// 2-S3-Cluster-Example.yaml), the single-binary example cmd/loki/loki-local-config.yaml, and
// operations/storage/retention.md + logs-deletion.md (compactor retention).
describe('renderLokiConfig', () => {
  test('single tenant, single binary, in-memory ring', () => {
    const c = renderLokiConfig(lokiInput({ backend: 'filesystem' })) as any;
    expect(c.auth_enabled).toBe(false);
    expect(c.common).toEqual({ path_prefix: '/var/loki', replication_factor: 1, instance_addr: '127.0.0.1', ring: { kvstore: { store: 'inmemory' } } });
    expect(c.server).toEqual({ http_listen_port: 3100, grpc_listen_port: 9095, log_level: 'info' });
  });

  test('schema v13 on tsdb with a 24h index period', () => {
    const c = renderLokiConfig(lokiInput({ backend: 'filesystem' })) as any;
    expect(c.schema_config.configs).toEqual([{ from: '2024-04-01', store: 'tsdb', object_store: 'filesystem', schema: 'v13', index: { prefix: 'index_', period: '24h' } }]);
    expect(c.storage_config.tsdb_shipper).toEqual({ active_index_directory: '/var/loki/tsdb-index', cache_location: '/var/loki/tsdb-cache' });
  });

  test('compactor retention with delete_request_store, retention_period per environment', () => {
    for (const env of [staging, production]) {
      const c = renderLokiConfig({ retention: env.loki.retention, limits: env.loki.limits, objectStorage: env.loki.objectStorage }) as any;
      expect(c.compactor.retention_enabled).toBe(true);
      expect(c.compactor.delete_request_store).toBe(env.loki.objectStorage.backend);
      expect(c.compactor.delete_request_store).toBe(c.schema_config.configs[0].object_store);
      expect(c.limits_config.retention_period).toBe(env.loki.retention);
    }
  });

  test('limits from the config', () => {
    const c = renderLokiConfig(lokiInput({ backend: 'filesystem' })) as any;
    const l = production.loki.limits;
    expect(c.limits_config).toMatchObject({
      ingestion_rate_mb: l.ingestionRateMb,
      ingestion_burst_size_mb: l.ingestionBurstSizeMb,
      max_line_size: l.maxLineSize,
      max_streams_per_user: l.maxStreamsPerUser,
      max_global_streams_per_user: l.maxStreamsPerUser,
    });
  });

  test('filesystem storage by default, chunks on the data volume', () => {
    const c = renderLokiConfig(lokiInput({ backend: 'filesystem' })) as any;
    expect(c.storage_config.filesystem).toEqual({ directory: '/var/loki/chunks' });
    expect(lokiStorageCredentials({ backend: 'filesystem' })).toEqual({ env: [] });
    expect(lokiObjectStoragePort({ backend: 'filesystem' })).toBeUndefined();
  });

  test('S3: bucket, endpoint, region, keys as ${VAR} from the named Secret', () => {
    const o: ObjectStorageConfig = { backend: 's3', bucket: 'logs', endpoint: 's3.eu-west-1.amazonaws.com', region: 'eu-west-1', credentialsSecret: { name: 'loki-objstore' } };
    const c = renderLokiConfig(lokiInput(o)) as any;
    expect(c.storage_config.aws).toEqual({
      bucketnames: 'logs',
      endpoint: 's3.eu-west-1.amazonaws.com',
      region: 'eu-west-1',
      access_key_id: '${AWS_ACCESS_KEY_ID}',
      secret_access_key: '${AWS_SECRET_ACCESS_KEY}',
      s3forcepathstyle: false,
    });
    expect(lokiStorageCredentials(o).env).toEqual([
      { name: LOKI_ENV.s3AccessKeyId, secretKeyRef: { name: 'loki-objstore', key: LOKI_SECRET_KEYS.s3AccessKeyId } },
      { name: LOKI_ENV.s3SecretAccessKey, secretKeyRef: { name: 'loki-objstore', key: LOKI_SECRET_KEYS.s3SecretAccessKey } },
    ]);
    expect(lokiObjectStoragePort(o)).toBe(443);
    expect(lokiObjectStoragePort({ ...o, endpoint: 'minio.storage.svc:9000' })).toBe(9000);
  });

  test('S3 without a Secret relies on workload identity: no keys in the config', () => {
    const c = renderLokiConfig(lokiInput({ backend: 's3', bucket: 'logs', endpoint: 's3.eu-west-1.amazonaws.com' })) as any;
    expect(c.storage_config.aws.access_key_id).toBeUndefined();
    expect(c.storage_config.aws.secret_access_key).toBeUndefined();
  });

  test('GCS: bucket_name, key file mounted and named by GOOGLE_APPLICATION_CREDENTIALS', () => {
    const o: ObjectStorageConfig = { backend: 'gcs', bucket: 'logs', credentialsSecret: { name: 'gcs-key' } };
    expect((renderLokiConfig(lokiInput(o)) as any).storage_config.gcs).toEqual({ bucket_name: 'logs' });
    const creds = lokiStorageCredentials(o);
    expect(creds.env).toEqual([{ name: 'GOOGLE_APPLICATION_CREDENTIALS', value: '/etc/loki/gcs/service-account.json' }]);
    expect(creds.secretVolume).toEqual({ secretName: 'gcs-key', key: 'service-account.json', mountPath: '/etc/loki/gcs', fileName: 'service-account.json' });
  });

  test('Azure: account, container, key as ${VAR}; managed identity without a Secret', () => {
    const o: ObjectStorageConfig = { backend: 'azure', container: 'logs', storageAccount: 'examplelogs', credentialsSecret: { name: 'azure-key' } };
    expect((renderLokiConfig(lokiInput(o)) as any).storage_config.azure).toEqual({ account_name: 'examplelogs', container_name: 'logs', account_key: '${AZURE_STORAGE_ACCOUNT_KEY}' });
    const { credentialsSecret: _ignored, ...noSecret } = o;
    expect((renderLokiConfig(lokiInput(noSecret as ObjectStorageConfig)) as any).storage_config.azure).toEqual({ account_name: 'examplelogs', container_name: 'logs', use_managed_identity: true });
  });

  test('every ${VAR} in loki.yaml is provided by the pod environment', () => {
    const storages: ObjectStorageConfig[] = [
      { backend: 's3', bucket: 'logs', endpoint: 's3.eu-west-1.amazonaws.com', credentialsSecret: { name: 's' } },
      { backend: 'azure', container: 'logs', storageAccount: 'examplelogs', credentialsSecret: { name: 's' } },
      { backend: 'gcs', bucket: 'logs', credentialsSecret: { name: 's' } },
      { backend: 'filesystem' },
    ];
    for (const o of storages) {
      const text = renderLokiYaml(lokiInput(o));
      const used = [...text.matchAll(/\$\{([A-Z_]+)\}/g)].map((m) => m[1]);
      const provided = lokiStorageCredentials(o).env.map((e) => e.name);
      for (const v of used) expect(provided).toContain(v);
      expect(secretFindings(text)).toEqual([]);
    }
  });

  test('the YAML parses back to the same object', () => {
    const input = lokiInput(production.loki.objectStorage);
    expect(parse(renderLokiYaml(input))).toEqual(renderLokiConfig(input));
  });

  test('bad input is refused naming the field and the fix', () => {
    expect(() => renderLokiConfig(lokiInput({ backend: 'filesystem' }, '36h'))).toThrow('loki.retention: "36h" is not allowed; use a whole number of days of at least 24h');
    expect(() => renderLokiConfig(lokiInput({ backend: 'filesystem' }, '30m'))).toThrow('loki.retention: "30m" is not allowed; use hours or days');
    expect(() => renderLokiConfig({ ...lokiInput({ backend: 'filesystem' }), limits: { ...production.loki.limits, ingestionBurstSizeMb: 1 } })).toThrow(
      'loki.limits.ingestionBurstSizeMb: 1 is below ingestionRateMb 16',
    );
    expect(() => renderLokiConfig({ ...lokiInput({ backend: 'filesystem' }), limits: { ...production.loki.limits, maxLineSize: '1 gigabyte' } })).toThrow('loki.limits.maxLineSize');
  });
});

// ------------------------------------------------------------------------------ syntax checkers
describe('config syntax checkers (test/support/config-syntax.ts)', () => {
  test('Alloy: accepts the documented forms', () => {
    const doc = [
      '// comment',
      'discovery.kubernetes "pods" {',
      '  role = "pod"',
      '  selectors {',
      '    role  = "pod"',
      '    field = "spec.nodeName=" + sys.env("NODE_NAME")',
      '  }',
      '}',
      'loki.write "default" {',
      '  endpoint {',
      '    url = `http://loki:3100/loki/api/v1/push`',
      '  }',
      '  external_labels = { cluster = "a", "k-8" = "b", }',
      '}',
      'loki.source.file "x" {',
      '  targets    = discovery.kubernetes.pods.targets',
      '  forward_to = [loki.write.default.receiver]',
      '}',
    ].join('\n');
    expect(alloyErrors(doc)).toEqual([]);
    expect(parseAlloy(doc).components).toEqual(['discovery.kubernetes.pods', 'loki.write.default', 'loki.source.file.x']);
  });

  test('Alloy: rejects broken configs', () => {
    expect(alloyErrors('a.b "x" {\n  c = 1\n')).toEqual(['line 3: unexpected end of file: a block is not closed (at "")']);
    expect(alloyErrors('a.b "x" {\n  c =\n}\n')[0]).toMatch(/expected an expression/);
    expect(alloyErrors('a.b "x" {\n  c = "unterminated\n}\n')[0]).toMatch(/unterminated string/);
    expect(alloyErrors('a.b "x" { c = 1 d = 2 }\n')[0]).toMatch(/expected a new line after a statement/);
    expect(alloyErrors('a.b "x" {\n  c = [1, 2\n}\n')[0]).toMatch(/expected "]"/);
    expect(alloyErrors('a.b "x" {\n  c = loki.write.missing.receiver\n}\n')).toEqual(['reference loki.write.missing.receiver names no declared component']);
    expect(alloyErrors('c = 1\n')[0]).toMatch(/attributes are not allowed at the top level/);
    expect(alloyErrors('a.b "x" {\n  c = "\\q"\n}\n')[0]).toMatch(/invalid escape/);
  });

  test('fluentd: accepts well-formed sections, rejects broken ones', () => {
    expect(fluentdErrors('<source>\n  @type tail\n  path "/x"\n  <parse>\n    @type json\n  </parse>\n</source>\n')).toEqual([]);
    expect(fluentdErrors('<source>\n  @type tail\n')).toEqual(['line 1: <source> is never closed']);
    expect(fluentdErrors('<source>\n  @type tail\n</match>\n')).toEqual(['line 3: </match> closes <source> opened on line 1']);
    expect(fluentdErrors('<match **>\n  path "/x\n</match>\n')).toEqual(['line 2: unterminated string in path', 'line 1: <match> has no @type']);
    expect(fluentdErrors('<match **>\n  @type null\n  password "#{File.read(\'/x\')}"\n</match>\n')[0]).toMatch(/not an ENV\['NAME'\] lookup/);
    expect(fluentdErrors('<match **>\n  @type null\n  exclude_path ["/a", /b]\n</match>\n')[0]).toMatch(/not a JSON array/);
  });
});

// ------------------------------------------------------------------------------ Alloy
// Checked against the Alloy reference docs (grafana/alloy docs/sources/reference/components/):
// discovery.kubernetes (role, selectors{role, field}), discovery.relabel (rule{source_labels,
// separator, regex, replacement, target_label}), local.file_match (path_targets),
// loki.source.file (targets, forward_to, tail_from_end default false), loki.process
// (stage.cri, stage.drop{older_than, drop_counter_reason}, stage.json{expressions},
// stage.template{source, template}: "If the key doesn't exist, a new entry is created",
// functions ToLower + sprig, stage.labels{values}, stage.label_drop{values}), loki.write
// (endpoint{url}), and the stdlib sys.env.
describe('renderAlloyConfig', () => {
  const text = renderAlloyConfig({ lokiPushUrl: PUSH });

  test('parses as Alloy syntax and every component reference resolves', () => {
    expect(alloyErrors(text)).toEqual([]);
    expect(parseAlloy(text).components).toEqual([
      'logging',
      'discovery.kubernetes.pods',
      'discovery.relabel.pod_logs',
      'local.file_match.pod_logs',
      'loki.source.file.pod_logs',
      'loki.process.pod_logs',
      'loki.write.loki',
    ]);
  });

  test('discovers only this node\'s pods and tails /var/log/pods', () => {
    expect(text).toContain('role = "pod"');
    expect(text).toContain('field = "spec.nodeName=" + sys.env("NODE_NAME")');
    expect(text).toContain('replacement   = "/var/log/pods/*$1/*.log"');
    expect(text).toContain('target_label  = "__path__"');
    expect(text).toContain('path_targets = discovery.relabel.pod_logs.output');
    expect(text).not.toContain('tail_from_end');
  });

  test('namespace, pod, container, node and app labels', () => {
    const targets = podLogRelabelRules().map((r) => r.targetLabel);
    expect(targets).toEqual(['namespace', 'pod', 'container', 'node', 'app', '__path__']);
    for (const label of ['namespace', 'pod', 'container', 'node', 'app']) expect(text).toContain(`target_label  = "${label}"`);
  });

  test('app label: app.kubernetes.io/name, else app (the relabel regex picks the first non-empty)', () => {
    const rule = podLogRelabelRules().find((r) => r.targetLabel === 'app')!;
    const re = new RegExp(rule.regex!);
    const appOf = (name: string, app: string) => re.exec([name, app].join(rule.separator!))?.[1];
    expect(appOf('checkout', 'legacy')).toBe('checkout');
    expect(appOf('', 'legacy')).toBe('legacy');
    expect(appOf('', '')).toBeUndefined();
  });

  test('CRI parsing, JSON level as the only added label, normalised, filename dropped', () => {
    const process = alloyBlocks({ lokiPushUrl: PUSH }).find((b) => b.name === 'loki.process')!;
    expect(process.body.filter((x) => 'body' in x).map((x) => (x as { name: string }).name)).toEqual(['stage.cri', 'stage.drop', 'stage.json', 'stage.template', 'stage.labels', 'stage.label_drop']);
    expect(text).toContain(`level = ${JSON.stringify(LEVEL_JMESPATH)},`);
    expect(text).toMatch(/stage\.labels \{\n\s+values = \{\n\s+level = "",\n\s+\}/);
    expect(text).toMatch(/stage\.label_drop \{\n\s+values = \["filename"\]/);
    expect(text).toContain('older_than          = "1h"');
  });

  test('the level template only yields the six bounded values', () => {
    const outputs = [...LEVEL_TEMPLATE.matchAll(/\}\}([a-z]+)\{\{/g)].map((m) => m[1]);
    expect(new Set(outputs)).toEqual(new Set(LOG_LEVELS));
    expect((LEVEL_TEMPLATE.match(/\{\{ if /g) ?? []).length).toBe((LEVEL_TEMPLATE.match(/\{\{ end \}\}/g) ?? []).length);
  });

  test('writes to Loki\'s push API', () => {
    expect(text).toMatch(/loki\.write "loki" \{\n\s+endpoint \{\n\s+url = "http:\/\/loki\.monitoring\.svc:3100\/loki\/api\/v1\/push"/);
    expect(() => renderAlloyConfig({ lokiPushUrl: 'http://loki:3100/api/push' })).toThrow('alloy.lokiPushUrl: "http://loki:3100/api/push" must end with /loki/api/v1/push');
  });
});

// ------------------------------------------------------------------------------ Promtail
// Checked against the Promtail configuration reference and stages docs of Loki 3.x
// (docs/sources/send-data/promtail/configuration.md, stages/{cri,drop,json,template,labels,
// labeldrop}.md); `__host__` node filtering as in the Promtail Helm chart.
describe('renderPromtailConfig', () => {
  const c = renderPromtailConfig({ lokiPushUrl: PUSH }) as any;

  test('parses as YAML, same object', () => {
    expect(parse(renderPromtailYaml({ lokiPushUrl: PUSH }))).toEqual(c);
  });

  test('server, positions in the writable dir, client to Loki', () => {
    expect(c.server).toEqual({ http_listen_port: 3101, grpc_listen_port: 0, log_level: 'info' });
    expect(c.positions).toEqual({ filename: '/run/promtail/positions.yaml' });
    expect(c.clients).toEqual([{ url: PUSH }]);
  });

  test('the same labels and path as Alloy, plus __host__ for node filtering', () => {
    const sc = c.scrape_configs[0];
    expect(sc.kubernetes_sd_configs).toEqual([{ role: 'pod' }]);
    expect(sc.relabel_configs[0]).toEqual({ source_labels: ['__meta_kubernetes_pod_node_name'], target_label: '__host__' });
    expect(sc.relabel_configs.slice(1).map((r: any) => r.target_label)).toEqual(podLogRelabelRules().map((r) => r.targetLabel));
    expect(sc.relabel_configs.at(-1).replacement).toBe('/var/log/pods/*$1/*.log');
  });

  test('the same pipeline as Alloy', () => {
    expect(c.scrape_configs[0].pipeline_stages).toEqual([
      { cri: {} },
      { drop: { older_than: '1h', drop_counter_reason: 'replayed_older_than_1h' } },
      { json: { expressions: { level: LEVEL_JMESPATH } } },
      { template: { source: 'level', template: LEVEL_TEMPLATE } },
      { labels: { level: '' } },
      { labeldrop: ['filename'] },
    ]);
  });
});

// ------------------------------------------------------------------------------ Fluentd
// Checked against the fluentd-kubernetes-daemonset templates (templates/conf/fluent.conf.erb,
// kubernetes.conf.erb, kubernetes/containers.conf.erb, entrypoint.sh.erb, Dockerfile.erb)
// and the plugins of docker-image/v1.18/debian-elasticsearch8/Gemfile: parser-cri, concat
// (use_partial_cri_logtag, partial_cri_logtag_key, partial_cri_stream_key), kubernetes_metadata
// 3.6, elasticsearch 5.x, prometheus 2.1; Fluentd docs for in_tail, filter_parser and <buffer>.
describe('renderFluentdConfig', () => {
  const text = renderFluentdConfig({ elasticsearchUrl: 'https://elasticsearch.logging.svc:9200', excludePaths: ['/var/log/containers/fluentd-*_monitoring-node-agents_*.log'] });

  test('well-formed fluent.conf', () => {
    expect(fluentdErrors(text)).toEqual([]);
  });

  test('tails container logs with the CRI parser and joins partial lines', () => {
    expect(text).toMatch(/<source>\n\s+@type tail\n\s+@id in_tail_container_logs\n\s+path \/var\/log\/containers\/\*\.log/);
    expect(text).toContain('exclude_path ["/var/log/containers/fluentd-*_monitoring-node-agents_*.log"]');
    expect(text).toContain('pos_file /var/lib/fluentd/state/containers.log.pos');
    expect(text).toMatch(/<parse>\n\s+@type cri\n\s+<\/parse>/);
    expect(text).toContain('use_partial_cri_logtag true');
  });

  test('Kubernetes metadata, then JSON lines parsed into fields', () => {
    expect(text.indexOf('@type kubernetes_metadata')).toBeGreaterThan(text.indexOf('@type concat'));
    expect(text).toMatch(/@type parser\n[\s\S]*key_name message\n\s+reserve_data true[\s\S]*<parse>\n\s+@type json/);
  });

  test('Elasticsearch output: endpoint from the URL, credentials from the environment, file buffer', () => {
    expect(text).toContain('host "elasticsearch.logging.svc"\n  port 9200\n  scheme https');
    expect(text).toContain(`user "#{ENV['FLUENT_ELASTICSEARCH_USER']}"`);
    expect(text).toContain(`password "#{ENV['FLUENT_ELASTICSEARCH_PASSWORD']}"`);
    expect(text).toMatch(/<buffer>\n\s+@type file\n\s+path \/var\/lib\/fluentd\/buffer\/elasticsearch/);
    expect(text).toContain(`total_limit_size ${FLUENTD_BUFFER_LIMIT_BYTES}`);
    expect(secretFindings(text)).toEqual([]);
  });

  test('Prometheus metrics on 24231', () => {
    expect(text).toMatch(/@type prometheus\n\s+@id in_prometheus\n\s+bind 0\.0\.0\.0\n\s+port 24231\n\s+metrics_path \/metrics/);
    expect(text).toContain('@type prometheus_output_monitor');
  });

  test('the Elasticsearch URL is parsed, credentials in it are refused', () => {
    expect(elasticsearchEndpoint('https://es.example.com')).toEqual({ host: 'es.example.com', port: 443, scheme: 'https', path: '' });
    expect(elasticsearchEndpoint('http://es:9200/prefix')).toEqual({ host: 'es', port: 9200, scheme: 'http', path: '/prefix' });
    expect(() => elasticsearchEndpoint('https://elastic:changeme@es:9200')).toThrow('logCollector.elasticsearch.url: "https://elastic:changeme@es:9200" contains credentials; put them in the Secret');
    expect(() => elasticsearchEndpoint('es:9200')).toThrow('logCollector.elasticsearch.url');
  });
});

test('rendered configs (snapshot)', () => {
  expect({
    lokiStaging: renderLokiYaml({ retention: staging.loki.retention, limits: staging.loki.limits, objectStorage: staging.loki.objectStorage }),
    lokiProduction: renderLokiYaml({ retention: production.loki.retention, limits: production.loki.limits, objectStorage: production.loki.objectStorage }),
    alloy: renderAlloyConfig({ lokiPushUrl: PUSH }),
    promtail: renderPromtailYaml({ lokiPushUrl: PUSH }),
    fluentd: renderFluentdConfig({ elasticsearchUrl: 'https://elasticsearch.logging.svc:9200' }),
  }).toMatchSnapshot();
});
