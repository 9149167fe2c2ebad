import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { configProblems, ConfigValidationError, durationMs, production, quantityValue, staging, StackConfig, validateConfig } from '../lib/config';
import { GENERATED_HEADER, runSynth, synthesizeAll } from '../lib/synth';

type Mutable<T> = { -readonly [K in keyof T]: T[K] extends object ? Mutable<T[K]> : T[K] };

function variant(base: StackConfig, change: (c: Mutable<StackConfig>) => void): StackConfig {
  const copy = structuredClone(base) as Mutable<StackConfig>;
  change(copy);
  return copy as StackConfig;
}

function messages(config: StackConfig): string[] {
  return configProblems(config).map((p) => `${p.path}: ${p.message}`);
}

describe('the shipped environments', () => {
  test.each([staging, production])('$environment is valid', (config) => {
    expect(configProblems(config)).toEqual([]);
  });
});

describe('config validation names the field and what is allowed', () => {
  test('the exporter image: required, and pinned (issue 15 item 12: the default named an image nobody publishes)', () => {
    expect(messages(variant(production, (c) => delete (c.exporter as { image?: string }).image))).toEqual([
      'exporter.image: is required: the image you build and push (README, "The exporter image"), e.g. "registry.example.com/observability/app-exporter:0.1.0"',
    ]);
    expect(messages(variant(production, (c) => (c.exporter.image = 'registry.example.com/app-exporter')))).toEqual([
      'exporter.image: "registry.example.com/app-exporter" has no tag; pin the image to an exact version, e.g. "registry.example.com/app-exporter:0.1.0"',
    ]);
    expect(messages(variant(production, (c) => (c.exporter.image = 'registry.example.com/app-exporter:latest')))).toEqual([
      'exporter.image: "registry.example.com/app-exporter:latest" is not pinned; use an exact version tag or a digest instead of "latest"',
    ]);
    expect(messages(variant(production, (c) => (c.exporter.image = 'Registry Example/app')))).toHaveLength(1);
    expect(messages(variant(production, (c) => (c.exporter.image = `registry.example.com:5000/team/app-exporter@sha256:${'a'.repeat(64)}`)))).toEqual([]);
    // A disabled exporter needs no image.
    expect(messages(variant(production, (c) => ((c.exporter.enabled = false), delete (c.exporter as { image?: string }).image)))).toEqual([]);
  });

  test('an evaluation interval that InfoInhibitor could not keep up with (info alerts are held 55s)', () => {
    expect(messages(variant(production, (c) => (c.prometheus.evaluationInterval = '1m')))).toEqual([
      'prometheus.evaluationInterval: "1m" is not below 55s, the time Alertmanager holds an info alert (InfoInhibitor fires one evaluation after it, and must arrive first); use at most 50s',
    ]);
    expect(messages(variant(production, (c) => (c.prometheus.evaluationInterval = '50s')))).toEqual([]);
    expect(messages(variant(production, (c) => ((c.prometheus.evaluationInterval = '1m'), (c.alertmanager.enabled = false))))).toEqual([]);
  });

  test('replicas 0', () => {
    expect(messages(variant(production, (c) => (c.prometheus.replicas = 0)))).toEqual(['prometheus.replicas: 0 is not allowed; use a whole number from 1 to 10']);
  });

  test('retention "ten days"', () => {
    expect(messages(variant(production, (c) => (c.prometheus.retention = 'ten days')))).toEqual([
      'prometheus.retention: "ten days" is not a duration; use a number with a unit ms, s, m, h, d, w or y (e.g. "15d")',
    ]);
  });

  test('an unknown storage backend', () => {
    const bad = variant(production, (c) => ((c.thanos.objectStorage as { backend: string }).backend = 'ftp'));
    expect(messages(bad)).toEqual(['thanos.objectStorage.backend: "ftp" is not allowed; use one of "filesystem", "s3", "gcs", "azure"']);
  });

  test('a namespace that is not a DNS label', () => {
    expect(messages(variant(staging, (c) => (c.namespace = 'Monitoring_NS')))).toEqual([
      'namespace: "Monitoring_NS" is not a DNS label; use at most 51 lower-case letters, digits and \'-\', starting and ending with a letter or digit (e.g. "monitoring")',
    ]);
  });

  test('scrapeTimeout longer than scrapeInterval', () => {
    expect(messages(variant(staging, (c) => (c.prometheus.scrapeTimeout = '1m')))).toEqual([
      'prometheus.scrapeTimeout: "1m" is longer than scrapeInterval "30s"; Prometheus requires scrapeTimeout <= scrapeInterval',
    ]);
  });

  test('a memory limit below the request, a malformed quantity', () => {
    const bad = variant(staging, (c) => {
      c.grafana.resources.memoryLimit = '64Mi';
      c.loki.storage.size = '10 gigabytes';
    });
    expect(messages(bad)).toEqual([
      'grafana.resources.memoryLimit: "64Mi" is below memoryRequest "128Mi"; the limit must be >= the request',
      'loki.storage.size: "10 gigabytes" is not a Kubernetes quantity; use e.g. "50Gi"',
    ]);
  });

  test('fluentd without Elasticsearch, stats without a URL, a bad Secret name', () => {
    const bad = variant(staging, (c) => {
      c.logCollector.kind = 'fluentd';
      c.exporter.source = 'stats';
      c.grafana.adminSecret.name = 'Grafana Admin';
    });
    expect(messages(bad)).toEqual([
      'grafana.adminSecret.name: "Grafana Admin" is not a valid Kubernetes Secret name; use lower-case letters, digits, \'-\' and \'.\' (e.g. "alertmanager-receivers")',
      'logCollector.elasticsearch: is required when kind is "fluentd": set url and credentialsSecret',
      'exporter.statsUrl: is required when source is "stats": the application\'s JSON stats URL',
      'exporter.statsMapping: is required when source is "stats": { fields: [{ path, metric, labels? }] } (see exporter/README.md, "stats")',
    ]);
  });

  test('kubernetesComponents: an unknown field, a non-boolean toggle, an unknown TLS mode', () => {
    const bad = { ...production, kubernetesComponents: { controllerManager: 'yes', kubeletTLS: 'cluster-ca', kubeletTls: 'verify' } } as unknown as StackConfig;
    expect(messages(bad)).toEqual([
      'kubernetesComponents.kubeletTLS: unknown field of kubernetesComponents (did you mean "kubeletTls"?); allowed: kubelet, kubeletTls, apiServer, coreDns, controllerManager, scheduler',
      'kubernetesComponents.kubeletTls: "verify" is not allowed; use one of "insecure-skip-verify", "cluster-ca"',
      'kubernetesComponents.controllerManager: "yes" is not allowed; true or false is required',
    ]);
    expect(messages({ ...production, kubernetesComponents: { controllerManager: true, scheduler: true, kubeletTls: 'cluster-ca' } })).toEqual([]);
    expect(messages({ ...production, kubernetesComponents: [] as unknown as StackConfig['kubernetesComponents'] })).toEqual(['kubernetesComponents: [] is not allowed; an object is required']);
  });

  test('network: API server endpoints, other scrapers, NodeLocal DNSCache addresses', () => {
    const bad = variant(production, (c) => {
      c.network.apiServerEndpointCidrs = ['172.18.0.2/32', '172.18.0.3'];
      c.network.additionalScrapers = [{ namespace: 'Observability', podLabels: { 'app.kubernetes.io/name': 'prometheus operator' } }];
      c.network.nodeLocalDnsCache = { addresses: ['169.254.20.10', '169.254.20.300', '169.254.20.10/32'] };
    });
    expect(messages(bad)).toEqual([
      'network.apiServerEndpointCidrs[1]: "172.18.0.3" is not a CIDR; use e.g. "172.18.0.2/32"',
      'network.additionalScrapers[0].namespace: "Observability" is not a DNS label; use at most 63 lower-case letters, digits and \'-\', starting and ending with a letter or digit (e.g. "monitoring")',
      'network.additionalScrapers[0].podLabels.app.kubernetes.io/name: "prometheus operator" is not a valid label value; use at most 63 letters, digits, "-", "_", "."',
      'network.nodeLocalDnsCache.addresses[1]: "169.254.20.300" is not an IPv4 address; use e.g. "169.254.20.10"',
      'network.nodeLocalDnsCache.addresses[2]: "169.254.20.10/32" is not an IPv4 address; use e.g. "169.254.20.10"',
    ]);
    const empty = variant(production, (c) => {
      c.network.apiServerEndpointCidrs = [];
      c.network.nodeLocalDnsCache = { addresses: [] };
    });
    expect(messages(empty)).toEqual([
      'network.apiServerEndpointCidrs: an empty list blocks the API server; list its endpoint addresses (kubectl get endpointslice -n default -l kubernetes.io/service-name=kubernetes) or leave the field out',
      'network.nodeLocalDnsCache.addresses: list the addresses the cache listens on, e.g. ["169.254.20.10"]; or leave nodeLocalDnsCache out',
    ]);
  });

  test('network.apiServerCidrs (the old field, often the Service ClusterIP) is refused with the way forward', () => {
    const old = variant(production, (c) => ((c.network as Record<string, unknown>).apiServerCidrs = ['10.0.0.1/32']));
    expect(messages(old)).toEqual([
      "network.apiServerCidrs: was replaced by network.apiServerEndpointCidrs, which takes the API server's endpoint addresses (kubectl get endpointslice -n default -l kubernetes.io/service-name=kubernetes), not the kubernetes Service's ClusterIP; leave it out to allow TCP 443 and 6443 to any address",
    ]);
  });

  test('validateConfig throws one error listing every problem', () => {
    const bad = variant(production, (c) => {
      c.prometheus.replicas = 0;
      c.alertmanager.slackChannels.critical = '';
    });
    expect(() => validateConfig(bad)).toThrow(ConfigValidationError);
    expect(() => validateConfig(bad)).toThrow(
      'Invalid configuration for environment "production" (2 problems):\n' +
        '  - prometheus.replicas: 0 is not allowed; use a whole number from 1 to 10\n' +
        '  - alertmanager.slackChannels.critical: is empty; set the Slack channel, e.g. "#alerts-critical"',
    );
  });

  test('alertmanager: unknown fields, the old webhook URL, receivers and routes are checked with their paths', () => {
    const bad = variant(production, (c) => {
      (c.alertmanager as any).webhook = { url: 'https://events.example.com/alertmanager' };
      (c.alertmanager as any).slackChannel = '#typo';
      (c.alertmanager as any).routes = [{ receiver: 'payments-slack', matchers: ['team=payments'] }];
    });
    // The shape first (the schema generated from the types): unknown and replaced fields.
    expect(messages(bad)).toEqual([
      'alertmanager.slackChannel: unknown field of alertmanager (did you mean "slackChannels"?); allowed: enabled, replicas, storage, resources, externalUrl, paging, receiversSecret, slackChannels, slackAuth, email, webhook, deadMansSwitch, receivers, routes',
      'alertmanager.webhook.url: is not a field any more: the URL is read from Secret key "webhook.url" (Alertmanager url_file), so it stays out of dist/; remove url and put the URL in the Secret',
    ]);
    // With the shape right, the values: matchers, receivers no route uses.
    const values = variant(production, (c) => {
      (c.alertmanager as any).routes = [{ receiver: 'payments-slack', matchers: ['team=payments'] }];
    });
    expect(messages(values)).toEqual([
      'alertmanager.routes[0].matchers[0]: "team=payments" is not a matcher; use label="value", label!="value", label=~"regex" or label!~"regex" with a label name of letters, digits and \'_\' and the value in double quotes (escape only \\ and " as \\\\ and \\"), e.g. team="payments"',
      'alertmanager.receivers[0]: receiver "payments-pagerduty" is used by no route in alertmanager.routes; add a route to it or remove it (its Secret key would be required for nothing)',
    ]);
  });

  test('grafana: more than one replica needs a shared database; a database excludes storage', () => {
    const sqlite = variant(production, (c) => {
      delete (c.grafana as any).database;
    });
    expect(messages(sqlite)).toEqual([
      'grafana.replicas: 2 replicas with SQLite would each keep their own users and sessions (logins fail at random); set grafana.replicas to 1 (SQLite on a PersistentVolumeClaim), or set grafana.database to a shared PostgreSQL or MySQL',
    ]);
    const both = variant(production, (c) => {
      (c.grafana as any).storage = { size: '1Gi' };
      (c.grafana as any).database = { type: 'sqlite', host: 'db', name: 'grafana db', credentialsSecret: { name: 'x' }, sslMode: 'verify-full', password: 'hunter2' };
    });
    // The shape first: the unknown field and the values the types enumerate.
    expect(messages(both)).toEqual([
      'grafana.database.password: unknown field of grafana.database; allowed: type, host, name, credentialsSecret, sslMode',
      'grafana.database.type: "sqlite" is not allowed; use one of "postgres", "mysql"',
      'grafana.database.sslMode: "verify-full" is not allowed; use one of "require", "disable"',
    ]);
    const values = variant(production, (c) => {
      (c.grafana as any).storage = { size: '1Gi' };
      (c.grafana as any).database = { type: 'postgres', host: 'db', name: 'grafana db', credentialsSecret: { name: 'x' } };
    });
    expect(messages(values)).toEqual([
      'grafana.database.host: "db" is not allowed; use "host:port" of the database server, e.g. "grafana-db.example.internal:5432"',
      'grafana.database.name: "grafana db" is not a database name; use letters, digits, \'_\', \'$\' and \'-\' (at most 63), e.g. "grafana"',
      'grafana.storage: is set with grafana.database: the database is external, nothing is stored in a volume; remove grafana.storage',
    ]);
    const mysqlSsl = variant(production, (c) => {
      (c.grafana as any).database = { type: 'mysql', host: 'mysql:3306', name: 'grafana', credentialsSecret: { name: 'x' }, sslMode: 'require' };
    });
    const badPort = variant(production, (c) => {
      (c.grafana as any).database.host = 'db.example.com:70000';
    });
    expect(messages(badPort)).toEqual(['grafana.database.host: "db.example.com:70000" is not allowed; use "host:port" of the database server, e.g. "grafana-db.example.internal:5432"']);
    expect(messages(mysqlSsl)).toEqual(['grafana.database.sslMode: applies to PostgreSQL only; remove it (MySQL connections are not encrypted by this config, see GrafanaDatabaseConfig)']);
    expect(messages(variant(staging, (c) => ((c.grafana as any).replicas = 1)))).toEqual([]);
  });

  test('durations and quantities parse as Prometheus and Kubernetes do', () => {
    expect(durationMs('1h30m')).toBe(5_400_000);
    expect(durationMs('2y')).toBe(2 * 365 * 86_400_000);
    expect(() => durationMs('1.5h')).toThrow();
    expect(quantityValue('512Mi')).toBe(512 * 2 ** 20);
    expect(quantityValue('250m')).toBeCloseTo(0.25);
  });
});

describe('SLOs in the config are validated at synth time', () => {
  test('an objective outside (0, 100) and an invalid PromQL SLI name the field', () => {
    const [first] = production.slos.declarations;
    expect(() => synthesizeAll([{ ...production, slos: { declarations: [{ ...first, objective: 100.5 }] } }])).toThrow(
      'slos.declarations[0].objective: 100.5 is outside (0, 100); give the target in percent, e.g. 99.9',
    );
    const badSli = { events: { errorQuery: 'sum(rate(x[{{.window}}])', totalQuery: 'sum(rate(y[{{.window}}]))' } };
    expect(() => synthesizeAll([{ ...production, slos: { declarations: [{ ...first, sli: badSli }] } }])).toThrow(
      'slos.declarations[0].sli.events.errorQuery: invalid PromQL (with {{.window}} as 5m), syntax error at character 16',
    );
  });
});

describe('characters Kubernetes cannot read back fail the synth', () => {
  // The YAML renderer writes them raw (as the yaml library does); sigs.k8s.io/yaml (YAML 1.1)
  // reads NEL/LS/PS as line breaks and rejects C1 controls.
  test.each([
    ['\u2028', 'U+2028'],
    ['\u0085', 'U+0085'],
    ['\u009b', 'U+009B'],
    ['\ufeff', 'U+FEFF'],
  ])('%j in an alert annotation of an SLO names the file, line and fix', (ch, code) => {
    const [first] = production.slos.declarations;
    const alerting = { ...first.alerting, annotations: { ...first.alerting?.annotations, summary: `Checkout${ch}availability` } };
    const bad = { ...production, slos: { declarations: [{ ...first, alerting }] } };
    expect(() => synthesizeAll([bad])).toThrow(new RegExp(`^production/[a-z/-]+\\.yaml, line \\d+: the character ${code.replace('+', '\\+')} cannot be read by Kubernetes's YAML parser`));
    expect(() => synthesizeAll([bad])).toThrow('remove it or replace it with a space');
  });

  test('other non-ASCII text passes: both environments synthesize, with an em dash in the dashboards', () => {
    let files = new Map<string, string>();
    expect(() => (files = synthesizeAll([staging, production]))).not.toThrow();
    expect([...files.values()].some((t) => t.includes('\u2014'))).toBe(true);
  });
});

describe('a failed synth writes nothing', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'synth-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('bad config: exit code 1, the message names the field, dist is untouched', () => {
    const out = join(dir, 'dist');
    mkdirSync(join(out, 'production'), { recursive: true });
    writeFileSync(join(out, 'production', 'sentinel.yaml'), 'kept: true\n');
    const errors: string[] = [];
    const bad = variant(production, (c) => (c.prometheus.retention = 'ten days'));
    expect(runSynth([staging, bad], out, (t) => errors.push(t))).toBe(1);
    expect(errors.join('')).toContain('prometheus.retention: "ten days" is not a duration');
    expect(readFileSync(join(out, 'production', 'sentinel.yaml'), 'utf8')).toBe('kept: true\n');
    expect(existsSync(join(out, 'staging'))).toBe(false);
  });

  test('good config: both environments are written and stale files of an earlier synth are gone', () => {
    const out = join(dir, 'dist');
    mkdirSync(join(out, 'production', 'operator'), { recursive: true });
    writeFileSync(join(out, 'production', 'operator', 'retired.yaml'), `${GENERATED_HEADER} for environment "production".\nkind: PodMonitor\n`);
    expect(runSynth([staging, production], out, { stdout: () => undefined })).toBe(0);
    // Every synthesized file, nested folders included, is written with its exact content.
    const files = synthesizeAll([staging, production]);
    expect(files.has('production/operator/kustomization.yaml')).toBe(true);
    for (const [rel, content] of files) expect({ rel, same: readFileSync(join(out, rel), 'utf8') === content }).toEqual({ rel, same: true });
    expect(existsSync(join(out, 'staging', 'kustomization.yaml'))).toBe(true);
    expect(existsSync(join(out, 'production', 'kustomization.yaml'))).toBe(true);
    expect(existsSync(join(out, 'production', 'operator', 'retired.yaml'))).toBe(false);
  });

  test('two environments with one name are refused', () => {
    expect(() => synthesizeAll([staging, staging])).toThrow('environment "staging" is configured twice');
  });
});

describe('a config change shows up as exactly that change', () => {
  test('production Prometheus retention', () => {
    const before = synthesizeAll([production]);
    const after = synthesizeAll([variant(production, (c) => (c.prometheus.retention = '30d'))]);
    const changed = [...after.keys()].filter((k) => after.get(k) !== before.get(k));
    expect(changed).toEqual(['production/prometheus.yaml']);
    const a = after.get('production/prometheus.yaml')!.split('\n');
    const b = before.get('production/prometheus.yaml')!.split('\n');
    expect(a.length).toBe(b.length);
    const diff = a.map((line, i) => [b[i], line]).filter(([x, y]) => x !== y);
    expect(diff).toEqual([['            - --storage.tsdb.retention.time=15d', '            - --storage.tsdb.retention.time=30d']]);
  });
});
