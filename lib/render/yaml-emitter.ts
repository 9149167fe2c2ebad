/**
 * A YAML emitter for plain JSON-like data whose output is byte-identical to `yaml` 2.9.1's
 * `stringify(value, { lineWidth: 0, minContentWidth: 0, aliasDuplicateObjects: false,
 * indentSeq: true })` (see lib/render/yaml.ts), several times faster: `yaml` first builds a
 * node tree (a Scalar, Pair and context object per value) and then walks it with generic
 * code for comments, anchors, tags, flow collections and line folding that our data never
 * needs. This walks the data once and concatenates strings.
 *
 * The decisions below are ports of node_modules/yaml/dist/stringify/ (stringifyDocument,
 * stringifyCollection, stringifyPair, stringifyString, stringifyNumber) and of the core
 * schema's tags, restricted to what those options and plain data can reach:
 * - `lineWidth: 0` turns foldFlowLines into the identity and makes every block scalar a
 *   literal (`|`), never folded (`>`): lineLengthOverLimit() is false for a zero width.
 * - No comments, anchors, tags, flow collections (`collectionStyle` is unset and created
 *   collections have no `flow` flag), `singleQuote: null`, `doubleQuotedMinMultiLineLength:
 *   40`, `blockQuote: true`, `simpleKeys: false`, indent step of two spaces.
 * - Scalars created from JS values carry no `type`, so strings start as PLAIN and only
 *   escalate to quotes or block scalars as stringifyString decides.
 *
 * Everything else is refused with `undefined` (the caller then uses `yaml` itself for the
 * whole document): yaml's own node classes (Scalar, YAMLMap, Document, ...), Map, Set,
 * Date, class instances, boxed primitives, bigint, symbols, functions, objects or arrays
 * with a toJSON(), mapping keys that yaml would write as explicit `? ` keys (over 1024
 * characters), structures nested deeper than MAX_DEPTH (which also catches cycles, on
 * which yaml overflows the stack without aliases) and `undefined` as the document.
 */

/** Thrown (and caught in emitYaml) to abandon a document that is outside the domain. */
class Unsupported extends Error {}

/**
 * Deeper nesting is left to yaml, so that where yaml overflows the stack (nested maps
 * from about 600 levels on a fresh stack; a cycle, which with aliasDuplicateObjects: false
 * recurses forever) it still does. Manifests are about 15 levels deep.
 */
const MAX_DEPTH = 100;

/** yaml's indent step (`indent` option unset). */
const INDENT_STEP = '  ';

/**
 * The `test` of every default core-schema tag other than `str`, in schema order (null,
 * bool, intOct, int, intHex, floatNaN, floatExp, float; yaml/dist/schema/core/*.js and
 * common/null.js). A plain string matching one would read back as another type, so
 * plainString() quotes it. The test file checks this list against yaml's schema.
 */
export const CORE_SCHEMA_TESTS: readonly RegExp[] = [
  /^(?:~|[Nn]ull|NULL)?$/,
  /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/,
  /^0o[0-7]+$/,
  /^[-+]?[0-9]+$/,
  /^0x[0-9a-fA-F]+$/,
  /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/,
  /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/,
  /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/,
];
// Each alternative keeps its own anchors, so one regex answers "does any tag match".
const NOT_A_STRING = new RegExp(CORE_SCHEMA_TESTS.map((r) => `(?:${r.source})`).join('|'));

/**
 * stringifyString's `/[\x00-\x08\x0b-\x1f\x7f-\x9f\u{D800}-\u{DFFF}]/u`: control characters
 * other than tab and line feed, DEL and C1, and lone surrogates (with the u flag the class
 * matches a surrogate only when it is not half of a pair) force double quotes. Without the u
 * flag a regex finds the candidates several times faster than the u regex or a loop over char
 * codes (every string is scanned in full, rule files of 200 KB included); a surrogate it finds
 * is then checked to be lone, a pair is skipped.
 */
const QUOTE_CANDIDATE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]/g;

function needsDoubleQuotes(s: string): boolean {
  QUOTE_CANDIDATE.lastIndex = 0;
  while (QUOTE_CANDIDATE.exec(s) !== null) {
    const i = QUOTE_CANDIDATE.lastIndex - 1;
    const c = s.charCodeAt(i);
    // Not a surrogate, or a low one with no high one before it (a pair is skipped whole).
    if (c < 0xd800 || c >= 0xdc00) return true;
    const next = s.charCodeAt(i + 1);
    if (!(next >= 0xdc00 && next <= 0xdfff)) return true;
    QUOTE_CANDIDATE.lastIndex = i + 2;
  }
  return false;
}

/** plainString: what a plain scalar cannot contain (indicators, `: `, ` #`, edge spaces, ...). */
const NOT_PLAIN = /^[\n\t ,[\]{}#&*!|>'"%@`]|^[?-]$|^[?-][ \t]|[\n:][ \t]|[ \t]\n|[\n\t ]#|[\n\t :]$/;

/** containsDocumentMarker: a line starting with `%`, `---` or `...` (YAML 1.1 directives too). */
const DOCUMENT_MARKER = /^(%|---|\.\.\.)/m;

/**
 * Shortcut for the common case (names, labels, paths): a string of these characters passes
 * every plainString check (no control character, no newline, no indicator first, no `: `,
 * no ` #`, no trailing space or colon, no `%`/`---`/`...` at the start) except, possibly,
 * NOT_A_STRING, which is still applied.
 */
const SIMPLE_PLAIN = /^[A-Za-z0-9_/][A-Za-z0-9_/.-]*$/;

/** blockString: trailing newlines not at the very start get the indent after them. */
const BLOCK_END_NEWLINES = /(^|(?<!\n))\n+(?!\n|$)/g;

/** `/\n[\t ]+$/.test(s)` (the run of trailing tabs and spaces follows a line break) without a scan from the start. */
function endsWithBreakAndBlanks(s: string): boolean {
  let i = s.length;
  while (i > 0 && (s.charCodeAt(i - 1) === 0x20 || s.charCodeAt(i - 1) === 0x09)) i--;
  return i < s.length && i > 0 && s.charCodeAt(i - 1) === 0x0a;
}

/**
 * The YAML document for `value`, or `undefined` when the value is outside what this emitter
 * reproduces exactly (the caller then falls back to `yaml`).
 */
export function emitYaml(value: unknown): string | undefined {
  // yaml.stringify(undefined) returns undefined rather than a document.
  if (value === undefined) return undefined;
  try {
    // stringifyDocument: no directives, no `---`, no comments: the body and a newline.
    return node(value, '', 0) + '\n';
  } catch {
    // Unsupported, or anything unexpected (a throwing getter, ...): yaml decides, and
    // throws its own error if it throws.
    return undefined;
  }
}

/**
 * A value in a block context at `indent` (ctx.indent): the document root, a map value or a
 * sequence item. Such contexts are never implicit keys and never in flow.
 */
function node(value: unknown, indent: string, depth: number): string {
  switch (typeof value) {
    case 'string':
      return scalarString(value, indent, false);
    case 'number':
      return numberString(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (value === null) return 'null';
      if (depth >= MAX_DEPTH) throw new Unsupported();
      if (Array.isArray(value)) return sequence(value, indent, depth + 1);
      return mapping(value, indent, depth + 1);
    default:
      // bigint, symbol, function (undefined is handled by the callers).
      throw new Unsupported();
  }
}

/**
 * YAMLSeq.toString + stringifyBlockCollection: items at `indent + '  '` behind `- `, lines
 * joined at `indent`; no items is `[]`. createNode turns `undefined` items (and holes,
 * which iteration yields as undefined) into null.
 */
function sequence(items: readonly unknown[], indent: string, depth: number): string {
  if (Object.getPrototypeOf(items) !== Array.prototype || typeof (items as { toJSON?: unknown }).toJSON === 'function') {
    throw new Unsupported();
  }
  const n = items.length;
  if (n === 0) return '[]';
  const itemIndent = indent + INDENT_STEP;
  const sep = '\n' + indent + '- ';
  let out = '- ';
  for (let i = 0; i < n; i++) {
    if (i > 0) out += sep;
    const item = items[i];
    out += item === undefined ? 'null' : node(item, itemIndent, depth);
  }
  return out;
}

/**
 * YAMLMap.from + toString + stringifyPair for a plain object: own enumerable string keys in
 * Object.keys order, `undefined` values left out (keepUndefined is false), pairs joined at
 * `indent`; no pairs is `{}`. Keys and values are stringified at `indent + '  '`.
 */
function mapping(obj: object, indent: string, depth: number): string {
  const proto = Object.getPrototypeOf(obj);
  // createNode would make a seq of an iterable and call a toJSON(); class instances, Map,
  // Date and yaml's own nodes have their own handling there.
  if ((proto !== Object.prototype && proto !== null) || Symbol.iterator in obj || typeof (obj as { toJSON?: unknown }).toJSON === 'function') {
    throw new Unsupported();
  }
  const record = obj as Record<string, unknown>;
  const inner = indent + INDENT_STEP;
  const sep = '\n' + indent;
  let out = '';
  let first = true;
  for (const key of Object.keys(record)) {
    const value = record[key];
    if (value === undefined) continue;
    const k = scalarString(key, inner, true);
    // stringifyPair switches to an explicit `? key` beyond 1024 characters.
    if (k.length > 1024) throw new Unsupported();
    out += first ? k : sep + k;
    first = false;
    if (typeof value === 'object' && value !== null) {
      // A non-empty block collection starts on the next line at the pair's inner indent;
      // an empty one is flow (`{}`/`[]`) on the key's line.
      const v = node(value, inner, depth);
      out += v === '{}' || v === '[]' ? ': ' + v : ':\n' + inner + v;
    } else {
      // A scalar never renders empty or starting with a newline here, so the separator is
      // always one space (block scalars keep their `|` header on the key's line).
      out += ': ' + node(value, inner, depth);
    }
  }
  return first ? '{}' : out;
}

/** stringifyNumber without format or minFractionDigits (the only case for JS numbers). */
function numberString(n: number): string {
  if (!isFinite(n)) return isNaN(n) ? '.nan' : n < 0 ? '-.inf' : '.inf';
  return Object.is(n, -0) ? '-0' : JSON.stringify(n);
}

/**
 * stringifyString for a string Scalar without `type`, through the core `str` tag
 * (actualString), outside flow. `indent` is ctx.indent of the scalar; `implicitKey` is
 * true for mapping keys.
 */
function scalarString(value: string, indent: string, implicitKey: boolean): string {
  if (SIMPLE_PLAIN.test(value)) return NOT_A_STRING.test(value) ? quotedString(value, indent, implicitKey) : value;
  if (needsDoubleQuotes(value)) return doubleQuotedString(value, indent, implicitKey);
  return plainString(value, indent, implicitKey);
}

/** plainString (the default string type), with the same escalations in the same order. */
function plainString(value: string, indent: string, implicitKey: boolean): string {
  const multiline = value.includes('\n');
  if (implicitKey && multiline) return quotedString(value, indent, implicitKey);
  if (NOT_PLAIN.test(value)) {
    return implicitKey || !multiline ? quotedString(value, indent, implicitKey) : blockString(value, indent, false);
  }
  // Multi-line strings prefer block style where allowed.
  if (multiline) return blockString(value, indent, false);
  if (DOCUMENT_MARKER.test(value)) {
    // At the document root a marker line must be indented, which only a block scalar can do.
    if (indent === '') return blockString(value, indent, true);
    if (implicitKey && indent === INDENT_STEP) return quotedString(value, indent, implicitKey);
  }
  // No newline is left here, so yaml's `\n` -> `\n\n<indent>` replacement is a no-op, and
  // so is foldFlowLines with lineWidth 0.
  return NOT_A_STRING.test(value) ? quotedString(value, indent, implicitKey) : value;
}

/** quotedString with singleQuote unset: single quotes only for `"` without `'`. */
function quotedString(value: string, indent: string, implicitKey: boolean): string {
  return value.includes('"') && !value.includes("'")
    ? singleQuotedString(value, indent, implicitKey)
    : doubleQuotedString(value, indent, implicitKey);
}

function singleQuotedString(value: string, indent: string, implicitKey: boolean): string {
  // Single quotes cannot carry whitespace next to a line break, nor a key's line break.
  if ((implicitKey && value.includes('\n')) || /[ \t]\n|\n[ \t]/.test(value)) {
    return doubleQuotedString(value, indent, implicitKey);
  }
  const ind = indent || (DOCUMENT_MARKER.test(value) ? INDENT_STEP : '');
  // A line break in a flow scalar reads as a space, so each run of n breaks is written n+1.
  return "'" + value.replace(/'/g, "''").replace(/\n+/g, `$&\n${ind}`) + "'";
}

/**
 * doubleQuotedString: JSON.stringify, then YAML's shorter escapes, `\ ` for a space before a
 * line break, and (outside keys, for JSON of 40 characters or more) escaped `\n` turned into
 * real line breaks. foldFlowLines is the identity with lineWidth 0.
 */
function doubleQuotedString(value: string, indent: string, implicitKey: boolean): string {
  const json = JSON.stringify(value);
  const ind = indent || (DOCUMENT_MARKER.test(value) ? INDENT_STEP : '');
  let str = '';
  let start = 0;
  for (let i = 0, ch = json[i]; ch; ch = json[++i]) {
    if (ch === ' ' && json[i + 1] === '\\' && json[i + 2] === 'n') {
      // A space before a line break would be folded away: escape it.
      str += json.slice(start, i) + '\\ ';
      i += 1;
      start = i;
      ch = '\\';
    }
    if (ch === '\\') {
      switch (json[i + 1]) {
        case 'u': {
          // JSON.stringify only writes \u for U+0000-U+001F and lone surrogates, so the
          // 0085/00a0/2028/2029 cases cannot occur; they are kept as in yaml.
          str += json.slice(start, i);
          const code = json.substr(i + 2, 4);
          switch (code) {
            case '0000':
              str += '\\0';
              break;
            case '0007':
              str += '\\a';
              break;
            case '000b':
              str += '\\v';
              break;
            case '001b':
              str += '\\e';
              break;
            case '0085':
              str += '\\N';
              break;
            case '00a0':
              str += '\\_';
              break;
            case '2028':
              str += '\\L';
              break;
            case '2029':
              str += '\\P';
              break;
            default:
              if (code.substr(0, 2) === '00') str += '\\x' + code.substr(2);
              else str += json.substr(i, 6);
          }
          i += 5;
          start = i + 1;
          break;
        }
        case 'n':
          if (implicitKey || json[i + 2] === '"' || json.length < 40) {
            i += 1;
          } else {
            // A real line break; folding eats the first one, so it is doubled.
            str += json.slice(start, i) + '\n\n';
            while (json[i + 2] === '\\' && json[i + 3] === 'n' && json[i + 4] !== '"') {
              str += '\n';
              i += 2;
            }
            str += ind;
            // A space at the start of the next line would be folded away: escape it.
            if (json[i + 2] === ' ') str += '\\';
            i += 1;
            start = i + 1;
          }
          break;
        default:
          i += 1;
      }
    }
  }
  return start ? str + json.slice(start) : json;
}

/**
 * blockString, literal only (lineWidth 0): chomping indicator from the trailing whitespace,
 * indentation indicator when the text starts with a space. `forceBlockIndent` is set for a
 * root scalar that contains a document marker.
 */
function blockString(text: string, ctxIndent: string, forceBlockIndent: boolean): string {
  // A block scalar cannot end in whitespace after its last line break.
  if (endsWithBreakAndBlanks(text)) return quotedString(text, ctxIndent, false);
  const indent = ctxIndent || (forceBlockIndent || DOCUMENT_MARKER.test(text) ? INDENT_STEP : '');
  if (!text) return '|\n';
  let value = text;

  let endStart = value.length;
  for (; endStart > 0; --endStart) {
    const ch = value[endStart - 1];
    if (ch !== '\n' && ch !== '\t' && ch !== ' ') break;
  }
  let end = value.substring(endStart);
  const endNlPos = end.indexOf('\n');
  let chomp: string;
  if (endNlPos === -1) chomp = '-';
  else if (value === end || endNlPos !== end.length - 1) chomp = '+';
  else chomp = '';
  if (end) {
    value = value.slice(0, -end.length);
    if (end[end.length - 1] === '\n') end = end.slice(0, -1);
    end = end.replace(BLOCK_END_NEWLINES, `$&${indent}`);
  }

  let startWithSpace = false;
  let startEnd = 0;
  let startNlPos = -1;
  for (; startEnd < value.length; ++startEnd) {
    const ch = value[startEnd];
    if (ch === ' ') startWithSpace = true;
    else if (ch === '\n') startNlPos = startEnd;
    else break;
  }
  let start = value.substring(0, startNlPos < startEnd ? startNlPos + 1 : startEnd);
  if (start) {
    value = value.substring(start.length);
    start = start.replace(/\n+/g, `$&${indent}`);
  }
  // The root is at indent -1 for the indicator, hence 1 there and 2 elsewhere.
  const header = (startWithSpace ? (indent ? '2' : '1') : '') + chomp;
  // (A loop of indexOf and slices is faster until the result is flattened, and then much slower.)
  value = value.replace(/\n+/g, `$&${indent}`);
  return `|${header}\n${indent}${start}${value}${end}`;
}
