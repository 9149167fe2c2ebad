import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { configProblems, ConfigValidationError, durationMs, production, quantityValue, staging, StackConfig, validateConfig } from '../lib/config';
import { runSynth, synthesizeAll } from '../lib/synth';

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

  test('validateConfig throws one error listing every problem', () => {
    const bad = variant(production, (c) => {
      c.prometheus.replicas = 0;
      c.alertmanager.slackChannels.critical = '';
    });
    expect(() => validateConfig(bad)).toThrow(ConfigValidationError);
    expect(() => validateConfig(bad)).toThrow(
      'Invalid configuration for environment "production" (2 problems):\n' +
        '  - prometheus.replicas: 0 is not allowed; use a whole number from 1 to 10\n' +
        '  - alertmanager.slackChannels.critical: "" is not a Slack channel name; use e.g. "#alerts-critical"',
    );
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

  test('good config: both environments are written and stale files are gone', () => {
    const out = join(dir, 'dist');
    mkdirSync(out);
    writeFileSync(join(out, 'stale.yaml'), 'x: 1\n');
    expect(runSynth([staging, production], out)).toBe(0);
    // Every synthesized file, nested folders included, is written with its exact content.
    const files = synthesizeAll([staging, production]);
    expect(files.has('production/operator/kustomization.yaml')).toBe(true);
    for (const [rel, content] of files) expect({ rel, same: readFileSync(join(out, rel), 'utf8') === content }).toEqual({ rel, same: true });
    expect(existsSync(join(out, 'staging', 'kustomization.yaml'))).toBe(true);
    expect(existsSync(join(out, 'production', 'kustomization.yaml'))).toBe(true);
    expect(existsSync(join(out, 'stale.yaml'))).toBe(false);
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
