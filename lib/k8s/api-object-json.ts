import { ApiObject, App, ImplicitTokenResolver, LazyResolver, NumberStringUnionResolver } from 'cdk8s';

/**
 * `obj.toJson()` for a plain `ApiObject` (not a subclass) whose properties are plain data, in
 * one walk instead of cdk8s's two: its toJson() resolves every value (a ResolutionContext
 * and a copy of the key path per value, and a walk up to the App per value to find its
 * resolvers), then copies everything again to sort the keys (the JSON patches, when there are
 * none, change nothing). On the big objects (the PrometheusRules of hundreds of SLOs, thousands of values each)
 * that is most of the cost of rendering them.
 *
 * The result is the same object tree, key order included, because on plain data cdk8s's
 * three built-in resolvers replace nothing: strings, numbers and booleans are kept, plain
 * objects (prototype Object.prototype) and arrays are copied, `null`/`undefined` values are
 * dropped from objects and become `undefined` in arrays, keys are sorted with the default
 * sort. Anything else goes to `obj.toJson()` itself:
 * - a subclass (the imported CRD classes and cdk8s-plus convert their props in toJson);
 * - JSON patches on the object, custom resolvers on the App, `CDK8S_DISABLE_SORT`;
 * - any value that is not plain data: Lazy, a token with resolve(), a class instance, a
 *   union type from the imports (IntOrString, Quantity), a function, symbol or bigint, an
 *   object without Object.prototype;
 * - any error on the way (a throwing getter, ...), which toJson() then reports in its words.
 * test/api-object-json.test.ts compares both on every object of both environments.
 */
export function apiObjectJson(obj: ApiObject): unknown {
  if (obj.constructor !== ApiObject || process.env.CDK8S_DISABLE_SORT) return obj.toJson();
  const internals = obj as unknown as { patches?: unknown; props?: unknown };
  if (!Array.isArray(internals.patches) || internals.patches.length > 0) return obj.toJson();
  const props = internals.props;
  if (props === null || typeof props !== 'object' || Object.getPrototypeOf(props) !== Object.prototype) return obj.toJson();
  let json: Record<string, unknown> | undefined;
  try {
    if (App.of(obj).resolvers.every(isBuiltInResolver)) json = plainSorted({ ...props, metadata: obj.metadata.toJson() }) as Record<string, unknown>;
  } catch {
    // Not plain data (NotPlain), or an error that cdk8s's toJson() reports in its own words.
    json = undefined;
  }
  if (json === undefined) return obj.toJson();
  // ApiObject.toJson's last step: apiVersion, kind and metadata first, then the rest.
  const result: Record<string, unknown> = {};
  for (const k of ['apiVersion', 'kind', 'metadata', ...Object.keys(json)]) if (k in json) result[k] = json[k];
  return result;
}

const BUILT_IN_RESOLVERS: ReadonlySet<unknown> = new Set([LazyResolver, ImplicitTokenResolver, NumberStringUnionResolver]);

function isBuiltInResolver(r: object): boolean {
  return BUILT_IN_RESOLVERS.has(r.constructor);
}

/** Thrown to leave a value that is not plain data to cdk8s (as is any other error). */
class NotPlain extends Error {}

/**
 * resolve() then sanitizeValue({ sortKeys: true }) for plain data. Deeper than any manifest
 * can be goes to cdk8s too (which then overflows the stack as it would have anyway).
 */
function plainSorted(value: unknown, depth = 0): unknown {
  if (value === null || value === undefined) return undefined;
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
      return value;
    case 'object':
      break;
    default:
      throw new NotPlain();
  }
  if (depth > 200) throw new NotPlain();
  const proto = Object.getPrototypeOf(value);
  // ImplicitTokenResolver calls any resolve() it finds, NumberStringUnionResolver replaces a
  // non-plain object with a string or number `value` (an array, if someone gave it one).
  const v = value as { resolve?: unknown; value?: unknown };
  if (typeof v.resolve === 'function') throw new NotPlain();
  if (proto === Array.prototype) {
    if (typeof v.value === 'string' || typeof v.value === 'number') throw new NotPlain();
    const items = value as unknown[];
    const out = new Array<unknown>(items.length);
    for (let i = 0; i < items.length; i++) out[i] = plainSorted(items[i], depth + 1);
    return out;
  }
  if (proto !== Object.prototype) throw new NotPlain();
  const record = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(record).sort()) {
    const item = plainSorted(record[key], depth + 1);
    if (item !== undefined) out[key] = item;
  }
  return out;
}
