import { execFileSync } from 'child_process';
import { readdirSync, readFileSync, statSync } from 'fs';
import { join, relative } from 'path';
import { parse } from 'yaml';
import { OPERATOR_DIR, synthesizeAll } from '../lib/synth';
import { allObjects, describe as where, ENVIRONMENTS, FLEETS, freshSynth, objectsOf, OUTPUTS, REPO_SYNTH_OPTIONS } from './support/synth';
import { toolPath } from './support/tools';

const ROOT = join(__dirname, '..');
const DIST = join(ROOT, 'dist');

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listFiles(path) : [relative(DIST, path)];
  });
}

describe('GitOps output', () => {
  test('the committed dist/ equals a fresh synth (drift check: run `npm run synth` and commit)', () => {
    const fresh = freshSynth();
    expect(listFiles(DIST).sort()).toEqual([...fresh.keys()].sort());
    for (const [file, content] of fresh) expect({ file, content: readFileSync(join(DIST, file), 'utf8') }).toEqual({ file, content });
  });

  test('two synths are byte-identical (no timestamps, no random suffixes, stable order)', () => {
    const a = synthesizeAll([...ENVIRONMENTS, ...FLEETS], REPO_SYNTH_OPTIONS);
    const b = synthesizeAll([...ENVIRONMENTS, ...FLEETS], REPO_SYNTH_OPTIONS);
    expect([...b.entries()]).toEqual([...a.entries()]);
  });

  test.each(ENVIRONMENTS.map((c) => c.environment))('snapshot of %s', (env) => {
    const files = Object.fromEntries([...freshSynth()].filter(([f]) => f.startsWith(`${env}/`)));
    expect(files).toMatchSnapshot();
  });
});

describe('layout and kustomize', () => {
  test.each(OUTPUTS.map((o) => o.dir))('%s: the core kustomization lists every core file and no custom resource', (env) => {
    const files = freshSynth();
    const kustomization = parse(files.get(`${env}/kustomization.yaml`)!);
    const core = [...files.keys()].filter((f) => f.startsWith(`${env}/`) && !f.startsWith(`${env}/${OPERATOR_DIR}/`) && !f.endsWith('kustomization.yaml')).map((f) => f.slice(env.length + 1));
    expect(kustomization.resources).toEqual(core.sort());
    for (const o of objectsOf(env).filter((x) => !x.file.startsWith(`${env}/${OPERATOR_DIR}/`))) {
      expect(o.object.apiVersion.startsWith('monitoring.coreos.com/')).toBe(false);
    }
  });

  test.each(OUTPUTS.map((o) => o.dir))('%s: the operator folder holds exactly the custom resources', (env) => {
    const files = freshSynth();
    const kustomization = parse(files.get(`${env}/${OPERATOR_DIR}/kustomization.yaml`)!);
    const crFiles = [...files.keys()].filter((f) => f.startsWith(`${env}/${OPERATOR_DIR}/`) && !f.endsWith('kustomization.yaml')).map((f) => f.slice(`${env}/${OPERATOR_DIR}/`.length));
    expect(kustomization.resources).toEqual(crFiles.sort());
    for (const o of objectsOf(env).filter((x) => x.file.startsWith(`${env}/${OPERATOR_DIR}/`))) {
      expect(o.object.apiVersion.startsWith('monitoring.coreos.com/')).toBe(true);
    }
  });

  test.each(OUTPUTS.map((o) => o.dir))('%s: `kustomize build` (what `kubectl apply -k` runs) builds the core and operator folders of the committed dist/', (env) => {
    const kustomize = toolPath('kustomize');
    const count = (dir: string) => execFileSync(kustomize, ['build', dir], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }).split('\n').filter((l) => l.startsWith('kind: ')).length;
    const objects = objectsOf(env);
    const operatorCount = objects.filter((o) => o.file.startsWith(`${env}/${OPERATOR_DIR}/`)).length;
    expect(count(join(DIST, env))).toBe(objects.length - operatorCount);
    expect(count(join(DIST, env, OPERATOR_DIR))).toBe(operatorCount);
  });
});

describe('labels and namespaces', () => {
  const recommended = ['app.kubernetes.io/name', 'app.kubernetes.io/instance', 'app.kubernetes.io/component', 'app.kubernetes.io/part-of', 'app.kubernetes.io/managed-by'];
  test.each(allObjects().map((o) => [where(o), o] as const))('%s carries the common labels', (_n, o) => {
    for (const label of recommended) expect(o.object.metadata.labels?.[label]).toBeTruthy();
    expect(o.object.metadata.labels?.['app.kubernetes.io/part-of']).toBe('observability-stack');
    expect(o.object.metadata.labels?.['app.kubernetes.io/managed-by']).toBe('cdk8s');
  });

  const clusterScoped = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'PriorityClass']);
  test.each(OUTPUTS.map((o) => [o.dir, o.config] as const))('%s: every namespaced object is in a namespace of the stack', (env, config) => {
    for (const o of objectsOf(env)) {
      if (clusterScoped.has(o.object.kind)) expect(o.object.metadata.namespace).toBeUndefined();
      else expect([config.namespace, `${config.namespace}-node-agents`]).toContain(o.object.metadata.namespace);
    }
  });

  test('object names are readable, not hashed', () => {
    for (const o of allObjects()) expect(o.object.metadata.name).not.toMatch(/-c8[0-9a-f]{6}$/);
  });
});
