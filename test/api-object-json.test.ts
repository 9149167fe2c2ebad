import { ApiObject, App, Chart, JsonPatch, Lazy } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { apiObjectJson } from '../lib/k8s/api-object-json';
import { MonitoringStack } from '../lib/stack';
import { ENVIRONMENTS } from './support/synth';

function chart(app = new App()): Chart {
  return new Chart(app, 'c', { namespace: 'ns', labels: { team: 'x' } });
}

function plain(scope: Chart, props: Record<string, unknown>, id = 'o'): ApiObject {
  return new ApiObject(scope, id, { apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule', metadata: { name: 'r' }, ...props });
}

/** JSON text that also shows keys with an undefined value (JSON.stringify drops them). */
function text(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (v === undefined ? '<undefined>' : v));
}

/** Spies on ApiObject.prototype.toJson: true when the object went to cdk8s's own path. */
function usedCdk8s(obj: ApiObject): boolean {
  const spy = jest.spyOn(ApiObject.prototype, 'toJson');
  try {
    try {
      apiObjectJson(obj);
    } catch {
      // cdk8s's own error; the tests compare it.
    }
    return spy.mock.calls.length > 0;
  } finally {
    spy.mockRestore();
  }
}

describe('apiObjectJson: the same JSON as ApiObject.toJson(), in one walk', () => {
  test.each(ENVIRONMENTS.map((c) => [c.environment, c] as const))('%s: every object of the stack renders identically, key order included', (_env, config) => {
    const app = new App({ outdir: '.unused' });
    new MonitoringStack(app, config.environment, config);
    const objects = app.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject);
    let fast = 0;
    for (const obj of objects) {
      const expected = obj.toJson();
      const actual = apiObjectJson(obj);
      // The text compares key order and undefined values too; toEqual takes undefined for missing.
      expect({ path: obj.node.path, json: text(actual) }).toEqual({ path: obj.node.path, json: text(expected) });
      expect(actual).toEqual(expected);
      if (obj.constructor === ApiObject) fast++;
    }
    // The PrometheusRules of the components and of the SLOs take the fast path.
    expect(fast).toBeGreaterThan(5);
  });

  test('plain data: sorted keys at every level, null and undefined dropped from objects, kept as undefined in arrays', () => {
    const obj = plain(chart(), {
      spec: { z: 1, a: { y: 'b', x: null, w: undefined, v: [3, null, undefined, { d: 2, c: false }] }, m: '', n: 0, e: [], o: {} },
    });
    expect(usedCdk8s(obj)).toBe(false);
    const json = apiObjectJson(obj);
    expect(text(json)).toBe(text(obj.toJson()));
    expect(Object.keys((json as { spec: { a: object } }).spec.a)).toEqual(['v', 'y']);
    expect(Object.keys(json as object)).toEqual(['apiVersion', 'kind', 'metadata', 'spec']);
    expect(json).toEqual(obj.toJson());
    expect((json as { spec: { a: { v: unknown[] } } }).spec.a.v).toEqual([3, undefined, undefined, { c: false, d: 2 }]);
  });

  test('chart labels and namespace reach metadata as in cdk8s', () => {
    const obj = plain(chart(), { spec: {} });
    expect(apiObjectJson(obj)).toEqual(obj.toJson());
    expect((apiObjectJson(obj) as { metadata: unknown }).metadata).toEqual({ labels: { team: 'x' }, name: 'r', namespace: 'ns' });
  });

  const notPlain: Array<[string, (c: Chart) => ApiObject]> = [
    ['a Lazy value', (c) => plain(c, { spec: { a: Lazy.any({ produce: () => ({ b: 1, a: 2 }) }) } })],
    ['a token with resolve()', (c) => plain(c, { spec: { a: { resolve: () => 'resolved' } } })],
    ['a class instance', (c) => plain(c, { spec: { a: new (class Box { readonly v = 1; })() } })],
    ['a union type of the imports', (c) => plain(c, { spec: { port: k8s.IntOrString.fromNumber(80) } })],
    ['an object without a prototype', (c) => plain(c, { spec: { a: Object.assign(Object.create(null) as object, { b: 1 }) } })],
    ['a function', (c) => plain(c, { spec: { a: () => 1 } })],
  ];
  test.each(notPlain)('%s goes to cdk8s, with the same result or error', (_name, make) => {
    const obj = make(chart());
    expect(usedCdk8s(obj)).toBe(true);
    let expected: unknown;
    let expectedError: string | undefined;
    try {
      expected = obj.toJson();
    } catch (e) {
      expectedError = String(e);
    }
    if (expectedError) expect(() => apiObjectJson(obj)).toThrow(expectedError.replace(/^Error: /, ''));
    else expect(apiObjectJson(obj)).toEqual(expected);
  });

  test('an error while reading the props is reported by cdk8s, in its words (the construct path)', () => {
    const spec = Object.defineProperty({}, 'a', { enumerable: true, get: () => { throw new Error('boom'); } });
    const obj = plain(chart(), { spec });
    expect(() => apiObjectJson(obj)).toThrow(/^Failed serializing construct at path 'c\/o' with name 'r': Error: boom$/);
  });

  test('JSON patches go to cdk8s', () => {
    const obj = plain(chart(), { spec: { a: 1 } });
    obj.addJsonPatch(JsonPatch.add('/spec/b', 2));
    expect(usedCdk8s(obj)).toBe(true);
    expect(apiObjectJson(obj)).toEqual({ ...obj.toJson(), spec: { a: 1, b: 2 } });
  });

  test('custom resolvers on the App go to cdk8s', () => {
    const app = new App({ resolvers: [{ resolve: (ctx) => (ctx.value === 'x' ? ctx.replaceValue('y') : undefined) }] });
    const obj = plain(chart(app), { spec: { a: 'x' } });
    expect(usedCdk8s(obj)).toBe(true);
    expect((apiObjectJson(obj) as { spec: unknown }).spec).toEqual({ a: 'y' });
  });

  test('subclasses (imported and cdk8s-plus classes convert their props) go to their own toJson', () => {
    const c = chart();
    const cm = new k8s.KubeConfigMap(c, 'cm', { metadata: { name: 'cm' }, data: { b: '1', a: '2' } });
    const spy = jest.spyOn(k8s.KubeConfigMap.prototype, 'toJson');
    expect(apiObjectJson(cm)).toEqual(cm.toJson());
    expect(spy).toHaveBeenCalled();
    spy.mockRestore();
  });

  test('CDK8S_DISABLE_SORT goes to cdk8s (unsorted keys)', () => {
    const obj = plain(chart(), { spec: { b: 1, a: 2 } });
    process.env.CDK8S_DISABLE_SORT = '1';
    try {
      expect(usedCdk8s(obj)).toBe(true);
      expect(Object.keys((apiObjectJson(obj) as { spec: object }).spec)).toEqual(['b', 'a']);
    } finally {
      delete process.env.CDK8S_DISABLE_SORT;
    }
  });
});
