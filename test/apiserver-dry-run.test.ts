import { ApiClient } from '../scripts/apiserver/client';
import { ControlPlane, startControlPlane } from '../scripts/apiserver/control-plane';
import {
  DryRunResult,
  K8sObject,
  LocatedObject,
  describeResults,
  dryRun,
  installCrds,
  kustomizationObjects,
  parsePodSecurityWarning,
  podTemplateOf,
  preparePrerequisites,
  readMap,
  unexplainedWarnings,
} from '../scripts/apiserver/dry-run';
import { ETCD_VERSION, KUBERNETES_VERSION } from '../scripts/tools/manifest';
import { HOST_ACCESS_ANNOTATION } from '../lib/k8s/security';
import { agentsNamespace } from '../lib/components/namespace';
import { ENVIRONMENTS, OUTPUTS, freshSynth } from './support/synth';
import { toolPath } from './support/tools';
import { join } from 'path';

/**
 * `kubectl apply --dry-run=server` of both environments against a real kube-apiserver (the
 * version `npm run tools` builds, on the etcd kubeadm deploys with it), started on loopback for
 * this file (issue 16). What it adds to the schema and policy tests: the API server's own
 * validation and defaulting of the built-in types, strict field validation, the CRDs' schemas
 * as the server applies them, and PodSecurity admission with the namespaces' own labels:
 * "restricted" enforced in the stack's namespace (a Pod made from each workload's template
 * must be admitted), "privileged" enforced but "restricted" warned about in the node-agents
 * namespace (each warning must be one the workload's declared host-access exception grants).
 */

const read = readMap(freshSynth());
let cp: ControlPlane;
let client: ApiClient;
const results = new Map<string, { objects: LocatedObject[]; results: DryRunResult[] }>();
// Both environments and every cluster of the example fleet (each its own cluster: the
// prerequisites of one folder are deleted before the next).
const folders = OUTPUTS.flatMap((o) => [o.dir, `${o.dir}/operator`]);

beforeAll(async () => {
  cp = await startControlPlane({ apiserver: toolPath('kube-apiserver'), etcd: toolPath('etcd') });
  client = new ApiClient(cp.url, cp.token, cp.ca);
  await installCrds(client, join(__dirname, '..', 'imports', 'crds'));
  for (const out of OUTPUTS) {
    // The core folder's ServiceAccounts stay for its operator/ folder (which has no Pods) and
    // are deleted before the next folder.
    const core = kustomizationObjects(read, out.dir);
    const cleanup = await preparePrerequisites(client, core);
    results.set(out.dir, { objects: core, results: await dryRun(client, core) });
    const operator = kustomizationObjects(read, `${out.dir}/operator`);
    results.set(`${out.dir}/operator`, { objects: operator, results: await dryRun(client, operator) });
    if (out !== OUTPUTS[OUTPUTS.length - 1]) await cleanup();
  }
}, 300_000);

afterAll(async () => {
  await cp?.stop();
});

test('the API server and etcd are the pinned versions', () => {
  expect(cp.versions.kubernetes).toBe(KUBERNETES_VERSION);
  expect(`v${cp.versions.etcd}`).toBe(ETCD_VERSION);
});

describe.each(folders)('%s', (folder) => {
  test('every object and every Pod made from a workload template is accepted', () => {
    const { objects, results: r } = results.get(folder)!;
    expect(objects.length).toBeGreaterThan(0);
    // One answer per object, and one per workload for its Pod.
    expect(r.filter((x) => x.check === 'apply')).toHaveLength(objects.length);
    expect(r.filter((x) => x.check === 'pod-from-template')).toHaveLength(objects.filter((o) => podTemplateOf(o.object)).length);
    expect(describeResults(r.filter((x) => x.error))).toEqual([]);
  });

  test('no warning but the PodSecurity violations that declared host-access exceptions grant', () => {
    const { results: r } = results.get(folder)!;
    expect(unexplainedWarnings(r).map((u) => `${u.result.ref} (${u.result.check}): ${u.why}: ${u.warning}`)).toEqual([]);
  });
});

test.each(OUTPUTS.map((o) => [o.dir, o.config] as const))('%s: the stack namespace is warned about nothing; only excepted node agents are', (env, config) => {
  const all = [...results.get(env)!.results, ...results.get(`${env}/operator`)!.results];
  const warned = all.filter((r) => r.warnings.length);
  expect(warned.filter((r) => r.namespace === config.namespace).map((r) => r.ref)).toEqual([]);
  // The agents' warnings are real: the server sees what the exceptions declare.
  for (const r of warned) {
    expect(r.namespace).toBe(agentsNamespace(config.namespace));
    const template = r.check === 'pod-from-template' ? r.object : podTemplateOf(r.object);
    expect(template?.metadata?.annotations?.[HOST_ACCESS_ANNOTATION]).toBeTruthy();
  }
  expect(warned.length).toBeGreaterThan(0);
});

// ------------------------------------------------------------------- the checks can fail
describe('what the server refuses or warns about', () => {
  const staging = ENVIRONMENTS.find((e) => e.environment === 'staging')!;
  const stagingObjects = (): LocatedObject[] => results.get('staging')!.objects;
  const workload = (name: string): K8sObject => structuredClone(stagingObjects().find((o) => podTemplateOf(o.object) && o.object.metadata.name === name)!.object);
  const check = async (object: K8sObject): Promise<DryRunResult[]> => dryRun(client, [{ file: 'test', object }]);

  test('a privileged container in the restricted namespace: a warning on the workload, its Pod refused', async () => {
    const sts = workload('prometheus');
    expect(sts.metadata.namespace).toBe(staging.namespace);
    podTemplateOf(sts)!.spec.containers[0].securityContext.privileged = true;
    podTemplateOf(sts)!.spec.containers[0].securityContext.allowPrivilegeEscalation = true;
    const [applied, pod] = await check(sts);
    expect(applied.error).toBeUndefined();
    expect(applied.warnings).toHaveLength(1);
    expect(parsePodSecurityWarning(applied.warnings[0])!.violations.map((v) => v.check)).toEqual(['privileged', 'allowPrivilegeEscalation != false']);
    expect(pod.check).toBe('pod-from-template');
    expect(pod.status).toBe(403);
    // Enforced at the version the namespace pins.
    expect(pod.error).toMatch(/violates PodSecurity "restricted:v1\.27": privileged \(container "prometheus" must not set securityContext\.privileged=true\), allowPrivilegeEscalation != false/);
    expect(unexplainedWarnings([applied]).map((u) => u.why)).toEqual(['PodSecurity violation without a declared host-access exception']);
  });

  test('a hostPath volume in the restricted namespace: the Pod is refused', async () => {
    const deploy = workload('thanos-query');
    podTemplateOf(deploy)!.spec.volumes = [...(podTemplateOf(deploy)!.spec.volumes ?? []), { name: 'host', hostPath: { path: '/var/log' } }];
    const pod = (await check(deploy)).find((r) => r.check === 'pod-from-template')!;
    expect(pod.error).toMatch(/violates PodSecurity "restricted:v1\.27": restricted volume types \(volume "host" uses restricted volume type "hostPath"\)/);
  });

  test('a node agent asking for more than its exception grants is flagged, though its namespace admits it', async () => {
    const ds = workload('node-exporter');
    expect(ds.metadata.namespace).toBe(agentsNamespace(staging.namespace));
    podTemplateOf(ds)!.spec.containers[0].securityContext.capabilities = { add: ['SYS_ADMIN'], drop: ['ALL'] };
    const r = await check(ds);
    expect(r.map((x) => x.error)).toEqual([undefined, undefined]);
    const whys = unexplainedWarnings(r).map((u) => u.why);
    expect(whys).toHaveLength(2);
    for (const why of whys) expect(why).toMatch(/^"unrestricted capabilities \(container "node-exporter" must not include "SYS_ADMIN" in securityContext\.capabilities\.add\)" is not something a host-access exception grants$/);
    // Without the addition, the same DaemonSet passes.
    expect(unexplainedWarnings(await check(workload('node-exporter')))).toEqual([]);
  });

  test('an unknown field is refused (strict field validation), in a built-in type and in a custom resource', async () => {
    const deploy = workload('thanos-query');
    podTemplateOf(deploy)!.spec.containers[0].imagePullPolicyy = 'Always';
    const [applied] = await check(deploy);
    expect(applied.status).toBe(400);
    expect(applied.error).toMatch(/unknown field "spec\.template\.spec\.containers\[0\]\.imagePullPolicyy"/);

    const monitor = structuredClone(results.get('staging/operator')!.objects.find((o) => o.object.kind === 'PodMonitor')!.object);
    (monitor.spec as any).podMetricsEndpoints[0].scrapeTimout = '10s';
    const [cr] = await check(monitor);
    expect(cr.error).toMatch(/unknown field "spec\.podMetricsEndpoints\[0\]\.scrapeTimout"/);
  });

  test('a custom resource against its CRD schema: a wrong type is refused', async () => {
    const rule = structuredClone(results.get('staging/operator')!.objects.find((o) => o.object.kind === 'PrometheusRule')!.object);
    (rule.spec as any).groups[0].rules[0].for = 5;
    const [r] = await check(rule);
    expect(r.status).toBe(422);
    expect(r.error).toMatch(/spec\.groups\[0\]\.rules\[0\]\.for: Invalid value: "integer": spec\.groups\[0\]\.rules\[0\]\.for in body must be of type string/);
  });

  test('a workload whose ServiceAccount is not in the output: its Pod is refused', async () => {
    const ns = structuredClone(stagingObjects().find((o) => o.object.kind === 'Namespace' && o.object.metadata.name === staging.namespace)!.object);
    (ns.metadata as any).name = 'no-accounts';
    const sts = workload('prometheus');
    (sts.metadata as any).namespace = 'no-accounts';
    // The Namespace and its default ServiceAccount, as a cluster has them; not the stack's accounts.
    await preparePrerequisites(client, [{ file: 'test', object: ns }]);
    const pod = (await check(sts)).find((r) => r.check === 'pod-from-template')!;
    expect(pod.error).toMatch(/serviceaccount "prometheus" not found/);
  });

  test('a Service port the API server rejects (two ports of one name)', async () => {
    const svc = structuredClone(stagingObjects().find((o) => o.object.kind === 'Service' && o.object.metadata.name === 'prometheus')!.object);
    const ports = (svc.spec as any).ports as { name: string; port: number }[];
    ports.push({ ...ports[0], port: ports[0].port + 1 });
    const [r] = await check(svc);
    expect(r.status).toBe(422);
    expect(r.error).toMatch(/spec\.ports\[\d+\]\.name: Duplicate value/);
  });
});
