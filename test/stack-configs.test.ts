import { parse } from 'yaml';
import { exporterSlos } from '../lib/observability/slo';
import { synthesizeAll } from '../lib/synth';
import { allObjects, ENVIRONMENTS, findObject, objectsOf } from './support/synth';
import { writeFileSync } from 'fs';
import { toYaml } from '../lib/render/yaml';
import { k8sCluster } from './fixtures/k8s-sd/cluster';
import { replaceKubernetesSd } from './support/file-sd';
import { spawn } from 'child_process';
import { createServer } from 'net';
import type { AddressInfo } from 'net';
import { amtool, promtool, tempFiles, toolPath, withFiles } from './support/tools';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/**
 * The config files as they are in dist/ (ConfigMaps), checked by the real tools, and the
 * wiring between components (by reference, not by hand-written names).
 */

const envs = ENVIRONMENTS.map((c) => c.environment);

function alertmanagerYaml(env: string): string {
  return findObject(env, 'ConfigMap', 'alertmanager-config').data['alertmanager.yml'];
}

describe.each(envs)('%s: Alertmanager config in dist/', (env) => {
  test('passes amtool check-config (the version deployed)', () => {
    const res = withFiles({ 'alertmanager.yml': alertmanagerYaml(env) }, (dir) => amtool(['check-config', 'alertmanager.yml'], { cwd: dir }));
    expect(res.output).toContain('SUCCESS');
    expect(res.status).toBe(0);
  });

  const paging = env === 'production';
  const routes: [string[], string][] = [
    [['severity=critical'], paging ? 'email-team,webhook,pagerduty-critical,slack-critical' : 'slack-critical'],
    [['severity=warning', 'category=infrastructure'], paging ? 'webhook,slack-infrastructure' : 'slack-infrastructure'],
    [['severity=warning', 'category=application'], paging ? 'webhook,slack-application' : 'slack-application'],
    [['severity=warning', 'category=database'], paging ? 'webhook,slack-warnings' : 'slack-warnings'],
    [['severity=warning'], paging ? 'webhook,slack-warnings' : 'slack-warnings'],
    [['severity=info'], paging ? 'webhook,default' : 'default'],
    [['alertname=Watchdog', 'severity=none'], paging ? 'deadmans-switch' : 'discard'],
    [['alertname=InfoInhibitor', 'severity=none', 'namespace=monitoring'], 'discard'],
    // The production example's payments team owns its alerts (lib/config/production.ts).
    [['team=payments', 'severity=critical'], paging ? 'email-team,webhook,payments-pagerduty,payments-slack' : 'slack-critical'],
    [['team=payments', 'severity=warning'], paging ? 'webhook,payments-slack' : 'slack-warnings'],
  ];
  test.each(routes)('amtool config routes test %j -> %s', (labels, receivers) => {
    const res = withFiles({ 'alertmanager.yml': alertmanagerYaml(env) }, (dir) => amtool(['config', 'routes', 'test', '--config.file=alertmanager.yml', ...labels], { cwd: dir }));
    expect(res.stdout.trim()).toBe(receivers);
  });

  test('receivers read every credential and secret URL from the mounted Secret (*_file fields), which holds exactly those keys', () => {
    const config = parse(alertmanagerYaml(env));
    const sts = findObject(env, 'StatefulSet', 'alertmanager');
    const mount = sts.spec.template.spec.containers[0].volumeMounts.find((m: { name: string }) => m.name === 'receivers');
    const volume = sts.spec.template.spec.volumes.find((v: { name: string }) => v.name === 'receivers');
    expect(volume.secret.secretName).toBe('alertmanager-receivers');
    const files = new Set<string>();
    for (const r of config.receivers) {
      for (const s of r.slack_configs ?? []) files.add(s.api_url_file ?? s.app_token_file);
      for (const p of r.pagerduty_configs ?? []) files.add(p.routing_key_file);
      for (const w of r.webhook_configs ?? []) {
        files.add(w.url_file);
        if (w.http_config) files.add(w.http_config.authorization.credentials_file);
        expect(w.url).toBeUndefined();
      }
      for (const e of r.email_configs ?? []) if (e.auth_username) files.add(e.auth_password_file);
    }
    expect([...files].sort()).toEqual(volume.secret.items.map((i: { key: string; path: string }) => `${mount.mountPath}/${i.path}`).sort());
    for (const i of volume.secret.items) expect(i.path).toBe(i.key);
  });
  test('the pinned alertmanager starts with the container\'s args, the config from dist/ and the Secret\'s keys as files', async () => {
    const sts = findObject(env, 'StatefulSet', 'alertmanager');
    const c = sts.spec.template.spec.containers.find((x: { name: string }) => x.name === 'alertmanager');
    const volume = sts.spec.template.spec.volumes.find((v: { name: string }) => v.name === 'receivers');
    const [web, mesh] = [await freePort(), await freePort()];
    const t = tempFiles({
      'config/alertmanager.yml': alertmanagerYaml(env),
      ...Object.fromEntries(volume.secret.items.map((i: { path: string }) => [`secrets/${i.path}`, `https://example.invalid/${i.path}\n`])),
    });
    // Only what cannot be local changes: paths under the mounts, the listen and peer addresses.
    const args = (c.args as string[]).map((a) =>
      a
        .replace('/etc/alertmanager/', `${t.dir}/`)
        .replace(/^--storage\.path=.*/, `--storage.path=${t.path('data')}`)
        .replace(/^--web\.listen-address=.*/, `--web.listen-address=127.0.0.1:${web}`)
        .replace(/^--cluster\.listen-address=.+/, `--cluster.listen-address=127.0.0.1:${mesh}`)
        .replace(/^--cluster\.advertise-address=.*/, `--cluster.advertise-address=127.0.0.1:${mesh}`)
        .replace(/^--cluster\.peer=.*/, `--cluster.peer=127.0.0.1:${mesh}`),
    );
    expect(args.some((a) => a.includes(`${t.dir}/secrets`) || a.includes(`${t.dir}/config/alertmanager.yml`))).toBe(true);
    // The config reads its secrets from the mount path: point it at the local copy.
    writeFileSync(t.path('config/alertmanager.yml'), alertmanagerYaml(env).split('/etc/alertmanager/secrets/').join(`${t.dir}/secrets/`));
    const am = spawn(toolPath('alertmanager'), args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    am.stdout.on('data', (d) => (log += d));
    am.stderr.on('data', (d) => (log += d));
    try {
      const deadline = Date.now() + 30_000;
      let ready = false;
      while (!ready && Date.now() < deadline && am.exitCode === null) {
        ready = await fetch(`http://127.0.0.1:${web}/-/ready`).then((r) => r.ok, () => false);
        if (!ready) await new Promise((r) => setTimeout(r, 200));
      }
      expect({ ready, log: ready ? '' : log }).toEqual({ ready: true, log: '' });
      const status = (await (await fetch(`http://127.0.0.1:${web}/api/v2/status`)).json()) as { config: { original: string } };
      expect(status.config.original).toContain('receivers:');
    } finally {
      if (am.exitCode === null) {
        const exited = new Promise((r) => am.once('exit', r));
        am.kill('SIGTERM');
        await exited;
      }
      t.cleanup();
    }
  });
});

describe.each(envs)('%s: Prometheus wiring', (env) => {
  test('alerts go to the Alertmanager headless Service the Alertmanager component exposes', () => {
    const config = parse(findObject(env, 'ConfigMap', 'prometheus-config').data['prometheus.yml']);
    const headless = findObject(env, 'Service', 'alertmanager-headless');
    const json = JSON.stringify(config.alerting.alertmanagers);
    expect(json).toContain(headless.metadata.namespace);
    expect(json).toContain(headless.metadata.name);
  });

  test('the rules ConfigMap holds exactly the groups of the PrometheusRules, and promtool accepts every file', () => {
    const ruleFiles: Record<string, string> = findObject(env, 'ConfigMap', 'prometheus-rules').data ?? {};
    const fromFiles = Object.values(ruleFiles).flatMap((text) => parse(text).groups);
    const fromCrs = objectsOf(env)
      .filter((o) => o.object.kind === 'PrometheusRule')
      .flatMap((o) => o.object.spec.groups);
    expect(fromFiles.map((g) => g.name).sort()).toEqual(fromCrs.map((g) => g.name).sort());
    expect(fromFiles).toEqual(expect.arrayContaining(fromCrs));
    expect(Object.keys(ruleFiles).length).toBeGreaterThan(0);
    const res = withFiles(ruleFiles, (dir) => promtool(['check', 'rules', ...Object.keys(ruleFiles)], { cwd: dir }));
    expect(res.status).toBe(0);
  });

  test('promtool check config accepts the dist prometheus.yml with its rule files (Kubernetes discovery replaced by file target groups)', () => {
    const ruleFiles: Record<string, string> = findObject(env, 'ConfigMap', 'prometheus-rules').data;
    const t = tempFiles({
      'sa/token': 'fixture-token\n',
      'sa/ca.crt': '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n',
      ...Object.fromEntries(Object.entries(ruleFiles).map(([k, v]) => [`rules/${k}`, v])),
    });
    try {
      const original = parse(findObject(env, 'ConfigMap', 'prometheus-config').data['prometheus.yml']);
      const { config } = replaceKubernetesSd(original, k8sCluster(), {
        dir: t.dir,
        rewritePaths: { '/var/run/secrets/kubernetes.io/serviceaccount/': t.path('sa/'), '/etc/prometheus/rules/': t.path('rules/') },
      });
      writeFileSync(t.path('prometheus.yml'), toYaml(config));
      const res = promtool(['check', 'config', 'prometheus.yml'], { cwd: t.dir });
      expect(res.output).toContain('SUCCESS');
      expect(res.status).toBe(0);
      // Every rule file was read and checked.
      for (const file of Object.keys(ruleFiles)) expect(res.output).toContain(file);
    } finally {
      t.cleanup();
    }
  });

  test('replicas and retention come from the config', () => {
    const config = ENVIRONMENTS.find((c) => c.environment === env)!;
    const sts = findObject(env, 'StatefulSet', 'prometheus');
    expect(sts.spec.replicas).toBe(config.prometheus.replicas);
    expect(sts.spec.template.spec.containers[0].args).toContain(`--storage.tsdb.retention.time=${config.prometheus.retention}`);
    expect(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe(config.prometheus.storage.size);
  });
});

describe.each(envs)('%s: Thanos', (env) => {
  const config = ENVIRONMENTS.find((c) => c.environment === env)!;
  const prometheusYml = () => parse(findObject(env, 'ConfigMap', 'prometheus-config').data['prometheus.yml']);

  test('Query deduplicates by the replica label Prometheus sets, and finds sidecars and stores through headless Services', () => {
    const args: string[] = findObject(env, 'Deployment', 'thanos-query').spec.template.spec.containers[0].args;
    const replicaLabel = Object.keys(prometheusYml().global.external_labels).find((k) => k !== 'cluster')!;
    expect(args).toContain(`--query.replica-label=${replicaLabel}`);
    const headless = findObject(env, 'Service', 'prometheus-headless');
    expect(headless.spec.clusterIP).toBe('None');
    expect(headless.spec.ports.map((p: { name: string }) => p.name)).toContain('grpc');
    expect(args).toContain(`--endpoint=dnssrv+_grpc._tcp.prometheus-headless.${config.namespace}.svc`);
    expect(args).toContain(`--endpoint=dnssrv+_grpc._tcp.thanos-store-headless.${config.namespace}.svc`);
  });

  test('every Prometheus pod runs the sidecar on the same TSDB volume; Prometheus cuts 2h blocks', () => {
    const pod = findObject(env, 'StatefulSet', 'prometheus').spec.template.spec;
    const sidecar = pod.containers.find((c: { name: string }) => c.name === 'thanos-sidecar');
    expect(sidecar.args).toContain('sidecar');
    expect(sidecar.volumeMounts).toContainEqual({ name: 'data', mountPath: '/prometheus' });
    expect(pod.containers[0].args).toEqual(expect.arrayContaining(['--storage.tsdb.min-block-duration=2h', '--storage.tsdb.max-block-duration=2h']));
  });

  test('exactly one compactor, downsampling on, retention per resolution from the config', () => {
    const sts = findObject(env, 'StatefulSet', 'thanos-compact');
    expect(sts.spec.replicas).toBe(1);
    const args: string[] = sts.spec.template.spec.containers[0].args;
    expect(args).not.toContain('--downsampling.disable');
    expect(args).toEqual(
      expect.arrayContaining([
        `--retention.resolution-raw=${config.thanos.compactor.retentionRaw}`,
        `--retention.resolution-5m=${config.thanos.compactor.retention5m}`,
        `--retention.resolution-1h=${config.thanos.compactor.retention1h}`,
      ]),
    );
  });

  test('object storage credentials come from the named Secret (or workload identity), never inline', () => {
    const objstore = parse(findObject(env, 'ConfigMap', 'thanos-objstore').data['objstore.yml']);
    expect(JSON.stringify(objstore)).not.toMatch(/access_key|secret_key|storage_account_key"\s*:\s*"[^$]/);
    const storage = config.thanos.objectStorage;
    const env_ = findObject(env, 'StatefulSet', 'thanos-store').spec.template.spec.containers[0].env ?? [];
    if (storage.backend === 's3' && storage.credentialsSecret) {
      expect(objstore.type).toBe('S3');
      expect(env_).toContainEqual({ name: 'AWS_SECRET_ACCESS_KEY', valueFrom: { secretKeyRef: { name: storage.credentialsSecret.name, key: 'secret-access-key' } } });
    } else {
      expect(objstore.type).toBe('FILESYSTEM');
    }
  });
});

describe('rule files that outgrow one ConfigMap', () => {
  test('are split across ConfigMaps of at most 200 KiB and PrometheusRules under 256 KiB, projected into the one rules directory, groups intact', () => {
    const base = ENVIRONMENTS.find((c) => c.environment === 'production')!;
    // 30 services with the exporter's two SLOs each: about 0.8 MiB of rules.
    const declarations = Array.from({ length: 30 }, (_, i) => exporterSlos({ service: `svc-${i}`, selector: `job="svc-${i}"` })).flat();
    const files = synthesizeAll([{ ...base, slos: { declarations } }]);
    const objects = allObjects(files).map((o) => o.object);
    const maps = objects.filter((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('prometheus-rules'));
    expect(maps.length).toBeGreaterThan(2);
    for (const m of maps) expect(Object.values(m.data as Record<string, string>).reduce((n, t) => n + Buffer.byteLength(t), 0)).toBeLessThanOrEqual(200 * 1024);
    const volume = findObject('production', 'StatefulSet', 'prometheus', files).spec.template.spec.volumes.find((v: { name: string }) => v.name === 'rules');
    expect(volume.projected.sources.map((s: { configMap: { name: string } }) => s.configMap.name)).toEqual(maps.map((m) => m.metadata.name));
    const fromFiles = maps.flatMap((m) => Object.values(m.data as Record<string, string>).flatMap((t) => parse(t).groups));
    const rules = objects.filter((o) => o.kind === 'PrometheusRule');
    // The SLOs' PrometheusRule is split too; every object fits client-side apply's 256 KiB annotation.
    expect(rules.filter((o) => o.metadata.name.startsWith('slos')).length).toBeGreaterThan(1);
    for (const o of rules) expect(Buffer.byteLength(JSON.stringify(o))).toBeLessThan(256 * 1024);
    const fromCrs = rules.flatMap((o) => o.spec.groups);
    expect(fromFiles.length).toBe(fromCrs.length);
    expect(fromFiles).toEqual(expect.arrayContaining(fromCrs));
    const allFiles = Object.assign({}, ...maps.map((m) => m.data)) as Record<string, string>;
    const res = withFiles(allFiles, (dir) => promtool(['check', 'rules', ...Object.keys(allFiles)], { cwd: dir }));
    expect(res.status).toBe(0);
  });
});
