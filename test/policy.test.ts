import { environmentImages, IMAGES } from '../lib/images';
import { agentsNamespace } from '../lib/components/namespace';
import { checkPolicies, hasHostAccessException, isWorkload, Obj, PolicyContext, RULES, secretFindings } from '../lib/policy';
import { freshSynth, objectsOf, OUTPUTS } from './support/synth';

function context(env: string, objects: Obj[]): PolicyContext {
  const config = OUTPUTS.find((o) => o.dir === env)!.config;
  // Zone spread is required where the config asks for it (production and the fleet's clusters).
  return { objects, pinnedImages: environmentImages(config), agentsNamespace: agentsNamespace(config.namespace), requireSpread: config.scheduling.spreadAcrossZones };
}

describe.each(OUTPUTS.map((o) => o.dir))('%s', (env) => {
  const objects = objectsOf(env).map((o) => o.object as Obj);
  const ctx = context(env, objects);

  test('every object passes every policy (violations name the object and the rule)', () => {
    const violations = checkPolicies(ctx).map((v) => `${v.object} [${v.rule}] ${v.detail}`);
    expect(violations).toEqual([]);
  });

  test('report: workloads checked and host-access exceptions allowed', () => {
    const workloads = objects.filter(isWorkload);
    const exceptions = workloads.filter(hasHostAccessException);
    // Printed for the CI log and the issue notes.
    console.log(`${env}: ${workloads.length} workloads checked against ${Object.keys(RULES).length} rules; ${exceptions.length} host-access exceptions: ${exceptions.map((w) => w.metadata.name).join(', ') || 'none'}`);
    expect(workloads.length).toBeGreaterThan(0);
    for (const w of exceptions) expect(w.metadata.namespace).toBe(ctx.agentsNamespace);
  });
});

test('no secret values anywhere in dist/', () => {
  const findings = [...freshSynth()].flatMap(([file, text]) => secretFindings(text).map((f) => `${file}:${f.line} ${f.name}: ${f.excerpt}`));
  expect(findings).toEqual([]);
});

// ------------------------------------------------------------- each rule rejects a bad object
const goodContainer = {
  name: 'app',
  image: IMAGES.exporter,
  resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { memory: '32Mi' } },
  readinessProbe: { httpGet: { path: '/readyz', port: 8000 } },
  livenessProbe: { httpGet: { path: '/healthz', port: 8000 } },
  securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } },
};
const podLabels = { 'app.kubernetes.io/name': 'app' };

function deployment(patch: { replicas?: number; pod?: Record<string, unknown>; container?: Record<string, unknown>; annotations?: Record<string, string>; namespace?: string } = {}): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'app', namespace: patch.namespace ?? 'monitoring' },
    spec: {
      replicas: patch.replicas ?? 1,
      selector: { matchLabels: podLabels },
      template: {
        metadata: { labels: podLabels, annotations: patch.annotations },
        spec: {
          automountServiceAccountToken: false,
          securityContext: { runAsNonRoot: true, runAsUser: 65534, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [{ ...goodContainer, ...patch.container }],
          ...patch.pod,
        },
      },
    },
  };
}

const netpol: Obj = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'app', namespace: 'monitoring' }, spec: { podSelector: { matchLabels: podLabels }, ingress: [{ from: [{ podSelector: { matchLabels: { x: 'y' } } }] }] } };

function violations(objects: Obj[], rule: keyof typeof RULES, env = 'production'): string[] {
  const ctx = context(env, objects);
  return objects.flatMap((o) => RULES[rule](o, ctx));
}

describe('each policy rejects a bad object', () => {
  test('a good deployment passes every rule', () => {
    const objs = [deployment(), netpol];
    for (const rule of Object.keys(RULES) as (keyof typeof RULES)[]) expect({ rule, v: violations(objs, rule) }).toEqual({ rule, v: [] });
  });

  test('restricted: root, privilege escalation, writable root fs, capabilities, hostPath, hostNetwork', () => {
    expect(violations([deployment({ pod: { securityContext: { runAsNonRoot: false, seccompProfile: { type: 'RuntimeDefault' } } } })], 'restricted')).toEqual(['/securityContext/runAsNonRoot must be equal to constant (true)']);
    expect(violations([deployment({ container: { securityContext: { ...goodContainer.securityContext, allowPrivilegeEscalation: true } } })], 'restricted')).toEqual([
      '/containers/0/securityContext/allowPrivilegeEscalation must be equal to constant (false)',
    ]);
    expect(violations([deployment({ container: { securityContext: { ...goodContainer.securityContext, readOnlyRootFilesystem: false } } })], 'restricted')).toHaveLength(1);
    expect(violations([deployment({ container: { securityContext: { ...goodContainer.securityContext, capabilities: { drop: ['NET_RAW'], add: ['SYS_ADMIN'] } } } })], 'restricted')).toEqual([
      '/containers/0/securityContext/capabilities/drop/0 must be equal to constant ("ALL")',
      '/containers/0/securityContext/capabilities/drop must contain at least 1 valid item(s)',
      '/containers/0/securityContext/capabilities/add/0 must be equal to constant ("NET_BIND_SERVICE")',
    ]);
    expect(violations([deployment({ pod: { volumes: [{ name: 'h', hostPath: { path: '/' } }] } })], 'restricted')).toEqual(['/volumes/0 must NOT be valid']);
    expect(violations([deployment({ pod: { hostNetwork: true } })], 'restricted')).toEqual(['/hostNetwork must NOT be valid']);
    expect(violations([deployment({ pod: { securityContext: { runAsNonRoot: true } } })], 'restricted')).toEqual(["/securityContext must have required property 'seccompProfile'"]);
  });

  test('restricted: a host-access exception must be read-only and in the agents namespace', () => {
    const agent = (namespace: string, readOnly: boolean) =>
      deployment({
        namespace,
        annotations: { 'observability-stack.io/host-access-exception': 'reads pod logs' },
        pod: { volumes: [{ name: 'logs', hostPath: { path: '/var/log/pods' } }] },
        container: { volumeMounts: [{ name: 'logs', mountPath: '/var/log/pods', readOnly }] },
      });
    expect(violations([agent('monitoring-node-agents', true)], 'restricted')).toEqual([]);
    expect(violations([agent('monitoring-node-agents', false)], 'restricted')).toEqual(['container app mounts hostPath volume logs writable (only folders under /var/lib/observability-stack/ may be written)']);
    expect(violations([agent('monitoring', true)], 'restricted')).toEqual(['host-access exception outside the agents namespace monitoring-node-agents']);
  });

  test('resources: requests and a memory limit', () => {
    expect(violations([deployment({ container: { resources: { requests: { cpu: '10m' } } } })], 'resources')).toEqual(['container app has no memory request', 'container app has no memory limit']);
  });

  test('probes: readiness and liveness', () => {
    expect(violations([deployment({ container: { readinessProbe: undefined } })], 'probes')).toEqual(['container app has no readinessProbe']);
  });

  test('pinned images: no latest, no tagless, only lib/images.ts', () => {
    expect(violations([deployment({ container: { image: 'grafana/grafana:latest' } })], 'pinnedImages')).toEqual(['container app image grafana/grafana:latest is not pinned to an exact version']);
    expect(violations([deployment({ container: { image: 'localhost:5000/grafana' } })], 'pinnedImages')).toEqual(['container app image localhost:5000/grafana is not pinned to an exact version']);
    expect(violations([deployment({ container: { image: 'grafana/grafana:9.0.0' } })], 'pinnedImages')).toEqual(['container app image grafana/grafana:9.0.0 is not declared in lib/images.ts']);
  });

  test('availability: PDB and spread for replicated workloads', () => {
    expect(violations([deployment({ replicas: 2 })], 'availability')).toEqual([
      '2 replicas but no PodDisruptionBudget selects its pods',
      'replicas are not spread across nodes (no hostname topology spread or pod anti-affinity)',
    ]);
    expect(violations([deployment({ replicas: 2 })], 'availability', 'staging')).toEqual(['2 replicas but no PodDisruptionBudget selects its pods']);
  });

  test('rbac: wildcards, cluster-admin, automounted tokens without a role', () => {
    const role: Obj = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'r' }, rules: [{ apiGroups: [''], resources: ['*'], verbs: ['get'] }] };
    const binding: Obj = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'b' }, roleRef: { kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [] };
    expect(violations([role, binding], 'rbac')).toEqual(['rules[0].resources has a wildcard', 'binds the built-in ClusterRole cluster-admin']);
    expect(violations([deployment({ pod: { automountServiceAccountToken: true } })], 'rbac')).toEqual(['mounts the token of monitoring/default, which has no role: set automountServiceAccountToken: false']);
  });

  test('network: namespace labels and default deny, a policy per workload, no open ingress', () => {
    const ns: Obj = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'monitoring' } };
    expect(violations([ns], 'network')).toEqual(['no pod-security.kubernetes.io/enforce label', 'no default-deny NetworkPolicy (empty podSelector, Ingress and Egress, no rules)']);
    expect(violations([deployment()], 'network')).toEqual(['no NetworkPolicy selects its pods: its flows are not declared']);
    const open: Obj = { ...netpol, spec: { podSelector: { matchLabels: podLabels }, ingress: [{ ports: [{ port: 80 }] }] } };
    expect(violations([deployment(), open], 'network')).toEqual(['NetworkPolicy app ingress[0] allows every source']);
  });

  test('the secret scan finds tokens, webhook URLs, passwords and private keys, and not *_file references', () => {
    const bad = [
      'api_url: https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXX',
      'password: hunter2hunter2',
      '-----BEGIN RSA PRIVATE KEY-----',
      'aws: AKIAABCDEFGHIJKLMNOP',
      'routing_key: 0123456789abcdef0123456789abcdef',
      'url: https://user:pa55word@es.example.com',
    ].join('\n');
    expect(secretFindings(bad).map((f) => f.name)).toEqual(['Slack webhook URL', 'password value', 'private key', 'AWS access key id', 'PagerDuty integration key', 'basic-auth credentials in a URL']);
    const good = ['api_url_file: /etc/alertmanager/secrets/slack-webhook-url', 'auth_password_file: /etc/alertmanager/secrets/smtp-password', 'password: ${GF_PASSWORD}', 'secretKeyRef:'].join('\n');
    expect(secretFindings(good)).toEqual([]);
  });
});
