/**
 * The YAML emitter (lib/render/yaml-emitter.ts) against `yaml` itself: every case compares
 * the emitter's text with `yaml.stringify` (same options, through toYamlWithLibrary) byte
 * for byte. Strings come from a seeded PRNG over an alphabet of everything that changes
 * YAML's choices (indicators, quotes, line breaks, edge spaces, document markers, control
 * and non-printable characters, number/bool/null look-alikes, astral characters), in every
 * context the emitter distinguishes (root, map value, key at the root and nested, sequence
 * item, nested sequences). The style counters check that the fuzzer does reach every style.
 */
import { readFileSync } from 'fs';
import { dirname, join } from 'path';
import { Document, Scalar, stringify } from 'yaml';
import * as yamlModule from '../lib/render/yaml';
import { toYaml, toYamlDocuments, toYamlWithLibrary } from '../lib/render/yaml';
import { CORE_SCHEMA_TESTS, emitYaml } from '../lib/render/yaml-emitter';
import { synthesizeAll } from '../lib/synth';
import { ENVIRONMENTS } from './support/synth';

/** mulberry32: small, deterministic, good enough to pick test cases. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SPECIAL_WORDS = [
  '', '1', '-1', '+1', '0', '007', '1.5', '1.', '.5', '-.5', '0x1F', '0xg', '0o7', '0o8', '1e3', '1E-3', '+1e+3', '.1e3',
  '.inf', '-.Inf', '+.INF', '.nan', '.NaN', '.NAN', 'nan', 'inf', 'true', 'True', 'TRUE', 'tRue', 'false', 'False', 'FALSE',
  'null', 'Null', 'NULL', 'nULL', '~', 'yes', 'no', 'on', 'off', 'y', 'n', '<<', '=', '-', '?', ':', '---', '...', '%',
  '2001-12-14', '12:30:45', '0b101', '1_000', 'a', 'foo', 'foo bar', 'app.kubernetes.io/name', 'http://x:80/a#b',
];

/** Pieces strings are assembled from (besides UNICODE). */
const ALPHABET = [
  ...': # - ? , [ ] { } & * ! | > \' " % @ ` \\'.split(' '),
  '\n', '\n', '\n', '\r', '\t', ' ', ' ', '  ', '\n\n', ' \n', '\n ', '\t\n', '\n\t', '\r\n',
  '---', '...', '--- ', '... ', ': ', ' #', '- ', '? ', '#', 'a', 'b', 'z', 'foo', 'x y', '0', '9', '.', ...SPECIAL_WORDS,
];

/**
 * Non-ASCII pieces: printable (astral, BOM, NBSP, soft hyphen, line/paragraph separators,
 * NEL), control characters (which force double quotes) and lone surrogates. Picked less
 * often than ALPHABET, or nearly every long string would be double-quoted.
 */
const UNICODE = [
  '\u00e9', '\u65e5\u672c', '\u{1F600}', '\u{10FFFF}', '\u0000', '\u0001', '\u0007', '\u0008', '\u000b', '\u000c', '\u001b',
  '\u001f', '\u007f', '\u0080', '\u0085', '\u009f', '\u00a0', '\u00ad', '\u200b', '\u2028', '\u2029', '\ufeff', '\ufffe',
  '\ud800', '\udfff', '\ud83d', '\ude00',
];

function pick<T>(rand: () => number, xs: readonly T[]): T {
  return xs[Math.floor(rand() * xs.length)];
}

/** A string: a look-alike alone, or 1..maxPieces pieces; optionally kept on one line. */
function randomString(rand: () => number, singleLine: boolean): string {
  const r = rand();
  let s: string;
  if (r < 0.15) s = pick(rand, SPECIAL_WORDS);
  else {
    // Lengths around and above 40 matter for double-quoted multi-line strings.
    const n = 1 + Math.floor(rand() * (rand() < 0.3 ? 40 : 8));
    s = '';
    for (let i = 0; i < n; i++) s += pick(rand, rand() < 0.03 ? UNICODE : ALPHABET);
  }
  if (rand() < 0.15) s = ' ' + s;
  if (rand() < 0.25) s += pick(rand, [' ', '\n', '\n', '\n\n', ' \n', '\t', ':']);
  if (rand() < 0.05) s = pick(rand, ['---\n', '...\n', '%YAML\n', '\n---', 'a\n...\nb']) + s;
  return singleLine ? s.replace(/[\n\r\u0085\u2028\u2029]/g, ' ') : s;
}

function randomNumber(rand: () => number): number {
  switch (Math.floor(rand() * 8)) {
    case 0:
      return pick(rand, [0, -0, NaN, Infinity, -Infinity, 1e21, 1e-7, 5e-324, Number.MAX_SAFE_INTEGER + 2, Number.MAX_VALUE, -1e300, 0.1 + 0.2]);
    case 1:
      return Math.floor(rand() * 1000) - 500;
    case 2:
      return Math.floor((rand() - 0.5) * 2 ** 60);
    case 3:
      return (rand() - 0.5) * 10 ** Math.floor(rand() * 40 - 20);
    default:
      return Math.round(rand() * 100000) / 100;
  }
}

/** A random JSON-like tree, with undefined (skipped in maps, null in sequences) and empty collections. */
function randomValue(rand: () => number, depth: number): unknown {
  const r = rand();
  if (depth <= 0 || r < 0.45) {
    const s = rand();
    if (s < 0.5) return randomString(rand, rand() < 0.5);
    if (s < 0.7) return randomNumber(rand);
    if (s < 0.8) return rand() < 0.5;
    if (s < 0.9) return null;
    return undefined;
  }
  const n = rand() < 0.15 ? 0 : 1 + Math.floor(rand() * 5);
  if (r < 0.7) {
    const obj: Record<string, unknown> = {};
    for (let i = 0; i < n; i++) obj[randomString(rand, rand() < 0.7)] = randomValue(rand, depth - 1);
    return obj;
  }
  return Array.from({ length: n }, () => randomValue(rand, depth - 1));
}

/** How a rendered map value (`k: ...`) is written, for the coverage counters. */
function styleOf(rendered: string): string {
  const v = rendered.slice('k: '.length);
  if (v.startsWith('|')) {
    const header = v.slice(0, v.indexOf('\n'));
    return `block ${header}`;
  }
  if (v.startsWith('"')) return v.trimEnd().includes('\n') ? 'double multi-line' : 'double';
  if (v.startsWith("'")) return v.trimEnd().includes('\n') ? 'single multi-line' : 'single';
  return 'plain';
}

interface Mismatch {
  readonly input: unknown;
  readonly emitted: string | undefined;
  readonly expected: string;
}

/** Compares the emitter with yaml; the emitter must not fall back on these inputs. */
function compare(inputs: Iterable<unknown>): { count: number; mismatches: Mismatch[] } {
  const mismatches: Mismatch[] = [];
  let count = 0;
  for (const input of inputs) {
    count++;
    const expected = toYamlWithLibrary(input);
    const emitted = emitYaml(input);
    if (emitted !== expected && mismatches.length < 10) mismatches.push({ input, emitted, expected });
  }
  return { count, mismatches };
}

/** Every context the emitter distinguishes, for one string. */
function contexts(s: string): unknown[] {
  return [
    s, // root: document markers force an indented block scalar here
    { k: s }, // map value
    { [s]: 1 }, // key of the root map (indent === indentStep)
    { a: { [s]: s } }, // nested key and value
    [s], // sequence item
    [[s, { [s]: [s] }]], // sequence in sequence, map in sequence
    { a: [{ b: { c: [s] } }], [s]: { [s]: null } },
  ];
}

describe('YAML emitter: byte-identical to yaml.stringify', () => {
  test('yaml is the version the emitter was ported from (on an upgrade, re-read its stringify/ and update the port)', () => {
    const pkg = JSON.parse(readFileSync(join(dirname(require.resolve('yaml')), '..', 'package.json'), 'utf8')) as { version: string };
    expect(pkg.version).toBe('2.9.1');
  });

  test('the core-schema tests copied into the emitter are those of yaml', () => {
    const tags = new Document(null).schema.tags as Array<{ default?: boolean; tag: string; test?: RegExp }>;
    const fromYaml = tags.filter((t) => t.default && t.tag !== 'tag:yaml.org,2002:str' && t.test).map((t) => t.test!.source);
    expect(CORE_SCHEMA_TESTS.map((r) => r.source)).toEqual(fromYaml);
  });

  test('hand-picked strings in every context', () => {
    const strings = [...SPECIAL_WORDS, ...ALPHABET, ...UNICODE, 'a\nb', 'a\n', 'a\n\n', '\na', ' a\nb', 'a\n b', 'a \nb', 'a\n\n\n b\n', '\n', '\n\n', ' \n', 'a\n ',
      '--- a', '---\na', 'a\n---', 'a\n...', '%x', 'x\n%', '"', "'", `"'`, `a"b`, "a'b", '#a', 'a#b', 'a #b', 'a:', 'a:b', 'a: b', '-a', '- a', '?a', '? a',
      'x'.repeat(39) + '\ny', 'x'.repeat(40) + '\n\n y \n', ' x '.repeat(20) + '\n' + ' y'.repeat(20), '\ufeffbom', '\u0085', 'a\u2028b', 'x'.repeat(1024), 'x'.repeat(1022)];
    const { count, mismatches } = compare(strings.flatMap(contexts));
    expect(mismatches).toEqual([]);
    expect(count).toBeGreaterThan(1000);
  });

  test('8000 random strings in every context (seeded), reaching every style', () => {
    const rand = prng(20261127);
    const styles = new Map<string, number>();
    const keyStyles = new Map<string, number>();
    const inputs: unknown[] = [];
    for (let i = 0; i < 8000; i++) {
      const s = randomString(rand, rand() < 0.4);
      inputs.push(...contexts(s));
      const style = styleOf(toYamlWithLibrary({ k: s }));
      styles.set(style, (styles.get(style) ?? 0) + 1);
      const key = toYamlWithLibrary({ [s]: 1 })[0];
      const keyStyle = key === '"' ? 'double' : key === "'" ? 'single' : 'plain';
      keyStyles.set(keyStyle, (keyStyles.get(keyStyle) ?? 0) + 1);
    }
    const { count, mismatches } = compare(inputs);
    expect(mismatches).toEqual([]);
    expect(count).toBe(8000 * 7);
    // The fuzzer must reach every style yaml can choose here, or the comparison proves little.
    // (A multi-line single-quoted value cannot occur: a multi-line string only gets quotes
    // when it ends in a line break and spaces, which single quotes cannot carry.)
    const expected = ['plain', 'single', 'double', 'double multi-line', 'block |', 'block |-', 'block |+', 'block |2', 'block |2-', 'block |2+'];
    const rare = expected.filter((style) => (styles.get(style) ?? 0) < 20);
    expect({ rare, styles: [...styles.keys()].sort() }).toEqual({ rare: [], styles: [...expected].sort() });
    expect(['plain', 'single', 'double'].filter((style) => (keyStyles.get(style) ?? 0) < 20)).toEqual([]);
  });

  test('every string of up to three surrogate halves, pairs and control characters', () => {
    // Lone and reversed surrogates force double quotes, pairs do not: exhaustive, as the
    // fuzzer rarely puts two halves side by side.
    const pieces = ['\ud800', '\udbff', '\udc00', '\udfff', '\u{1F600}', 'a', ' ', '\t', '\n', '\r', '\x08', '\x0b', '\x1f', '\x7f', '\x9f', '\xa0'];
    const strings: string[] = [];
    for (const a of pieces) for (const b of ['', ...pieces]) for (const c of ['', ...pieces]) strings.push(a + b + c);
    const { count, mismatches } = compare(strings.flatMap((s) => [{ k: s }, { [s]: 1 }]));
    expect(mismatches).toEqual([]);
    expect(count).toBe(2 * 16 * 17 * 17);
  });

  test('root scalars with document markers use an indented block scalar (forceBlockIndent)', () => {
    const inputs = ['---', '...', '--- a', 'a\n--- b', '%a', 'a\n%b', '...\n', '---\n\n', ' ---\nx', '--- "x"', "--- 'x'"];
    const { mismatches } = compare(inputs.flatMap((s) => [s, [s], { [s]: s }]));
    expect(mismatches).toEqual([]);
    expect(emitYaml('--- a')).toBe('|-\n  --- a\n');
  });

  test('numbers, booleans and null', () => {
    const rand = prng(42);
    const numbers = [0, -0, 1, -1, 0.5, NaN, Infinity, -Infinity, 1e21, 1e-7, 5e-324, Number.MAX_SAFE_INTEGER + 2, Number.MAX_VALUE, -Number.MIN_VALUE, 123456789012345680000];
    for (let i = 0; i < 3000; i++) numbers.push(randomNumber(rand));
    const inputs = [true, false, null, ...numbers, { t: true, f: false, n: null }, numbers, Object.fromEntries(numbers.map((n, i) => [`k${i}`, n]))];
    const { count, mismatches } = compare(inputs.flatMap((v) => [v, { v }, [v]]));
    expect(mismatches).toEqual([]);
    expect(count).toBeGreaterThan(9000);
  });

  test('3000 random nested structures (seeded), with empty collections and undefined', () => {
    const rand = prng(7);
    const inputs = Array.from({ length: 3000 }, () => randomValue(rand, 1 + Math.floor(rand() * 6))).filter((v) => v !== undefined);
    inputs.push({}, [], [[]], [{}], { a: {} }, { a: [] }, { a: undefined }, { a: undefined, b: 1 }, [undefined], [null, undefined], [[[[]]]], { a: { b: { c: {} } } });
    // eslint-disable-next-line no-sparse-arrays
    inputs.push([1, , 3]);
    const { count, mismatches } = compare(inputs);
    expect(mismatches).toEqual([]);
    expect(count).toBeGreaterThan(2500);
  });

  test('toYamlDocuments joins documents with ---', () => {
    const docs = [{ a: 1 }, 'x\n', [1, 2], { b: '--- x' }];
    expect(toYamlDocuments(docs)).toBe(docs.map((d) => stringify(d, { lineWidth: 0, minContentWidth: 0, aliasDuplicateObjects: false, indentSeq: true })).join('---\n'));
  });
});

describe('YAML emitter: what it leaves to yaml', () => {
  class Point {
    constructor(readonly x: number) {}
  }
  const quoted = Object.assign(new Scalar('$(AZURE_STORAGE_ACCOUNT_KEY)'), { type: Scalar.QUOTE_DOUBLE });
  const cases: Array<[string, unknown]> = [
    ['a quoted Scalar (as objstore.ts renders)', { config: { storage_account_key: quoted, plain: 'x' } }],
    ['a Scalar at the root', quoted],
    ['a Map', { m: new Map<unknown, unknown>([['a', 1], [2, 'b']]) }],
    ['a Set', { s: new Set([1, 2]) }],
    ['a Date', { d: new Date(0) }],
    ['a class instance', { p: new Point(1) }],
    ['a bigint', { n: 10n }],
    ['an object with toJSON', { o: { toJSON: () => 'json' } }],
    ['an array with toJSON', { a: Object.assign([1], { toJSON: () => [2] }) }],
    ['a boxed string', { s: new String('x') }],
    ['a null-prototype object with an iterator', { o: Object.assign(Object.create(null), { [Symbol.iterator]: [][Symbol.iterator] }) }],
    ['a key over 1024 characters (explicit `? ` key)', { ['k'.repeat(1100)]: 1 }],
    ['a 1030-character key once quoted', { ['#'.repeat(1023)]: 1 }],
    ['nesting deeper than 100', JSON.parse('{"a":'.repeat(150) + '1' + '}'.repeat(150))],
  ];
  test.each(cases)('%s: falls back, same text as yaml', (_name, value) => {
    expect(emitYaml(value)).toBeUndefined();
    expect(toYaml(value)).toBe(toYamlWithLibrary(value));
  });

  test('a 1024-character key stays implicit and is emitted', () => {
    for (const value of [{ ['k'.repeat(1024)]: 1 }, { ['#'.repeat(1022)]: 1 }]) expect(emitYaml(value)).toBe(toYamlWithLibrary(value));
  });

  test('what yaml refuses still throws (functions, symbols, cycles); undefined stays undefined', () => {
    const cycle: Record<string, unknown> = { a: 1 };
    cycle.self = cycle;
    for (const value of [{ f: () => 1 }, [Symbol('s')], cycle]) {
      expect(emitYaml(value)).toBeUndefined();
      expect(() => toYaml(value)).toThrow();
    }
    expect(toYaml(undefined)).toBeUndefined();
    expect(toYaml({ a: undefined })).toBe('{}\n');
  });
});

describe('YAML emitter: the synthesized manifests', () => {
  test('every document and file of both environments renders the same with the emitter and with yaml', () => {
    const real = { toYaml: yamlModule.toYaml, toYamlDocuments: yamlModule.toYamlDocuments };
    // Record every value the synth renders (through either entry point) while rendering it
    // with the emitter, then synthesize again with yaml alone.
    const values: unknown[] = [];
    const docSpy = jest.spyOn(yamlModule, 'toYamlDocuments').mockImplementation((vs) => {
      values.push(...vs);
      return real.toYamlDocuments(vs);
    });
    const spy = jest.spyOn(yamlModule, 'toYaml').mockImplementation((v) => {
      values.push(v);
      return real.toYaml(v);
    });
    let withEmitter: Map<string, string>;
    let withYaml: Map<string, string>;
    try {
      withEmitter = synthesizeAll(ENVIRONMENTS);
      docSpy.mockImplementation((vs) => vs.map((v) => toYamlWithLibrary(v)).join('---\n'));
      spy.mockImplementation((v) => toYamlWithLibrary(v));
      withYaml = synthesizeAll(ENVIRONMENTS);
    } finally {
      docSpy.mockRestore();
      spy.mockRestore();
    }
    expect(values.length).toBeGreaterThan(100);
    expect([...withEmitter.keys()]).toEqual([...withYaml.keys()]);
    for (const [file, text] of withEmitter) expect({ file, text }).toEqual({ file, text: withYaml.get(file) });

    // Document by document, and the emitter (not the fallback) renders all of them but
    // those holding a yaml Scalar.
    let fallbacks = 0;
    for (const v of values) {
      const emitted = emitYaml(v);
      if (emitted === undefined) fallbacks++;
      else expect(emitted).toBe(toYamlWithLibrary(v));
    }
    expect(fallbacks).toBeLessThanOrEqual(values.filter((v) => JSON.stringify(v)?.includes('"storage_account_key"')).length);
  });
});
