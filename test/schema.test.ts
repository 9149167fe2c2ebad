import Ajv from 'ajv';
import { readFileSync, readdirSync } from 'fs';
import { join } from 'path';
import { parse } from 'yaml';
import { allObjects, describe as where, LocatedObject } from './support/synth';

/**
 * Schema validation of every synthesized object:
 * - plain Kubernetes objects against the Kubernetes OpenAPI schema (kubernetes-models),
 * - custom resources against the openAPIV3Schema of the vendored prometheus-operator
 *   v0.93.0 CRDs (imports/crds), with unknown fields rejected (the API server would prune
 *   them silently, so a field it does not know is a bug here).
 */

function modulePath(apiVersion: string): string {
  // v1 -> kubernetes-models/v1 ; apps/v1 -> kubernetes-models/apps/v1
  return `kubernetes-models/${apiVersion}`;
}

function strict(schema: any): any {
  if (Array.isArray(schema)) return schema.map(strict);
  if (schema === null || typeof schema !== 'object') return schema;
  const out: any = {};
  for (const [k, v] of Object.entries(schema)) out[k] = k === 'properties' ? Object.fromEntries(Object.entries(v as object).map(([pk, pv]) => [pk, strict(pv)])) : strict(v);
  if (out.type === 'object' && out.properties && out.additionalProperties === undefined && !out['x-kubernetes-preserve-unknown-fields']) out.additionalProperties = false;
  return out;
}

function crdValidators(): Map<string, (o: unknown) => string | undefined> {
  // CRD patterns are Go regular expressions; `(?i)` (case-insensitive) becomes the `i` flag.
  const goRegExp = Object.assign(
    (pattern: string, flags: string) => (pattern.includes('(?i)') ? new RegExp(pattern.replace('(?i)', ''), `${flags}i`) : new RegExp(pattern, flags)),
    { code: 'goRegExp' },
  );
  const ajv = new Ajv({ allErrors: false, strict: false, code: { regExp: goRegExp } });
  const dir = join(__dirname, '..', 'imports', 'crds');
  const map = new Map<string, (o: unknown) => string | undefined>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml'))) {
    const crd = parse(readFileSync(join(dir, file), 'utf8'));
    for (const version of crd.spec.versions) {
      const schema = strict(version.schema.openAPIV3Schema);
      // metadata is validated by the API server, not by the CRD schema.
      if (schema.properties?.metadata) schema.properties.metadata = { type: 'object' };
      const validate = ajv.compile(schema);
      map.set(`${crd.spec.group}/${version.name}/${crd.spec.names.kind}`, (o) => (validate(o) ? undefined : ajv.errorsText(validate.errors)));
    }
  }
  return map;
}

const objects = allObjects();
const crs = objects.filter((o) => o.object.apiVersion.startsWith('monitoring.coreos.com/'));
const core = objects.filter((o) => !o.object.apiVersion.startsWith('monitoring.coreos.com/'));

test('the output has core objects and custom resources in both environments', () => {
  for (const env of ['staging', 'production']) {
    expect(core.filter((o) => o.file.startsWith(`${env}/`)).length).toBeGreaterThan(0);
    expect(crs.filter((o) => o.file.startsWith(`${env}/`)).length).toBeGreaterThan(0);
  }
});

test.each(core.map((o) => [where(o), o] as [string, LocatedObject]))('%s is valid against the Kubernetes OpenAPI schema', async (_name, located) => {
  const { object } = located;
  const mod = await import(modulePath(object.apiVersion));
  const Model = mod[object.kind];
  expect(Model).toBeDefined();
  const model = new Model(object);
  expect(() => model.validate()).not.toThrow();
});

const validators = crdValidators();
test.each(crs.map((o) => [where(o), o] as [string, LocatedObject]))('%s is valid against its CRD schema', (_name, located) => {
  const { object } = located;
  const validate = validators.get(`${object.apiVersion}/${object.kind}`);
  expect(validate).toBeDefined();
  expect(validate!(object)).toBeUndefined();
});

test('the CRD validator rejects an unknown field and a wrong enum value', () => {
  const validate = validators.get('monitoring.coreos.com/v1/PodMonitor')!;
  const good = { apiVersion: 'monitoring.coreos.com/v1', kind: 'PodMonitor', metadata: { name: 'x' }, spec: { selector: {}, podMetricsEndpoints: [{ port: 'metrics' }] } };
  expect(validate(good)).toBeUndefined();
  expect(validate({ ...good, spec: { ...good.spec, podMetricsEndpoints: [{ port: 'metrics', scheme: 'ftp' }] } })).toMatch(/allowed values/);
  expect(validate({ ...good, spec: { ...good.spec, podMetricsEndpoints: [{ prot: 'metrics' }] } })).toMatch(/additional properties/);
});

test('the Kubernetes validator rejects a wrongly typed field', async () => {
  const { Deployment } = await import('kubernetes-models/apps/v1');
  const bad = new Deployment({ metadata: { name: 'x' }, spec: { selector: {}, replicas: 'two' as unknown as number, template: { spec: { containers: [{ name: 'a' }] } } } });
  expect(() => bad.validate()).toThrow(/replicas must be integer/);
});
