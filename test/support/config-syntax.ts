/**
 * Syntax checkers for the two config formats that have no parser in node_modules:
 * - Alloy configuration syntax (config.alloy): a tokenizer and recursive-descent parser
 *   of the grammar in the Alloy docs ("Alloy configuration syntax": blocks
 *   `name.name "label" { ... }`, attributes `name = expr`, one statement per line,
 *   expressions with literals, lists, objects, references, calls and operators). It also
 *   resolves component references (`loki.process.pod_logs.receiver` must name a declared
 *   `loki.process "pod_logs"` block).
 * - Fluentd's config format (fluent.conf): `<section arg>` ... `</section>` nesting,
 *   `key value` parameters, double-quoted strings closed, `@type` in every
 *   source/filter/match/parse.
 * Neither replaces running the real binary; both catch the structural mistakes a renderer
 * can make (unbalanced braces or sections, an attribute without a value, a bad string).
 */

type Tok = { readonly t: 'ident' | 'string' | 'number' | 'punct' | 'nl' | 'eof'; readonly v: string; readonly line: number };

function tokenize(src: string): { toks: Tok[]; errors: string[] } {
  const toks: Tok[] = [];
  const errors: string[] = [];
  let i = 0;
  let line = 1;
  const puncts = ['==', '!=', '<=', '>=', '&&', '||', '{', '}', '[', ']', '(', ')', ',', '=', '.', '+', '-', '*', '/', '%', '^', '!', '<', '>', ':'];
  while (i < src.length) {
    const c = src[i];
    if (c === '\n') {
      toks.push({ t: 'nl', v: '\n', line });
      line++;
      i++;
    } else if (c === ' ' || c === '\t' || c === '\r') i++;
    else if (src.startsWith('//', i)) {
      while (i < src.length && src[i] !== '\n') i++;
    } else if (src.startsWith('/*', i)) {
      const end = src.indexOf('*/', i + 2);
      if (end < 0) {
        errors.push(`line ${line}: unterminated block comment`);
        break;
      }
      line += src.slice(i, end).split('\n').length - 1;
      i = end + 2;
    } else if (c === '"') {
      let j = i + 1;
      let ok = false;
      while (j < src.length) {
        if (src[j] === '\\') {
          if (!/^(["\\abfnrtv]|x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{3})/.test(src.slice(j + 1, j + 10))) {
            errors.push(`line ${line}: invalid escape \\${src[j + 1]} in string`);
          }
          j += 2;
          continue;
        }
        if (src[j] === '\n') break;
        if (src[j] === '"') {
          ok = true;
          break;
        }
        j++;
      }
      if (!ok) errors.push(`line ${line}: unterminated string`);
      toks.push({ t: 'string', v: src.slice(i, j + 1), line });
      i = j + 1;
    } else if (c === '`') {
      const end = src.indexOf('`', i + 1);
      if (end < 0) {
        errors.push(`line ${line}: unterminated raw string`);
        break;
      }
      toks.push({ t: 'string', v: src.slice(i, end + 1), line });
      line += src.slice(i, end).split('\n').length - 1;
      i = end + 1;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i))!;
      toks.push({ t: 'ident', v: m[0], line });
      i += m[0].length;
    } else if (/[0-9]/.test(c)) {
      const m = /^[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(src.slice(i))!;
      toks.push({ t: 'number', v: m[0], line });
      i += m[0].length;
    } else {
      const p = puncts.find((x) => src.startsWith(x, i));
      if (!p) {
        errors.push(`line ${line}: unexpected character ${JSON.stringify(c)}`);
        i++;
      } else {
        toks.push({ t: 'punct', v: p, line });
        i += p.length;
      }
    }
  }
  toks.push({ t: 'eof', v: '', line });
  return { toks, errors };
}

export interface AlloyParseResult {
  readonly errors: string[];
  /** Declared blocks at the top level, `name` or `name "label"` → e.g. `loki.write.loki`. */
  readonly components: string[];
  /** Component references used in expressions (dotted names not followed by a call). */
  readonly references: string[];
}

/** Parses Alloy configuration syntax; returns errors (empty when it parses) and what it found. */
export function parseAlloy(src: string): AlloyParseResult {
  const { toks, errors } = tokenize(src);
  const components: string[] = [];
  const references: string[] = [];
  let p = 0;
  const peek = () => toks[p];
  const next = () => toks[p++];
  const err = (msg: string) => {
    errors.push(`line ${peek().line}: ${msg} (at ${JSON.stringify(peek().v)})`);
    throw new Error('parse');
  };
  const expect = (v: string) => (peek().v === v && peek().t === 'punct' ? next() : err(`expected "${v}"`));
  const skipNl = () => {
    while (peek().t === 'nl') next();
  };

  // Expressions: precedence climbing over binary operators.
  const BINARY = [['||'], ['&&'], ['==', '!=', '<', '<=', '>', '>='], ['+', '-'], ['*', '/', '%'], ['^']];
  const parsePrimary = (): void => {
    const t = peek();
    if (t.t === 'string' || t.t === 'number') {
      next();
    } else if (t.t === 'ident') {
      const parts = [next().v];
      while (peek().v === '.' && toks[p + 1]?.t === 'ident') {
        next();
        parts.push(next().v);
      }
      if (peek().v === '(') {
        next();
        skipNl();
        while (peek().v !== ')') {
          parseExpr(true);
          skipNl();
          if (peek().v === ',') {
            next();
            skipNl();
          } else break;
        }
        expect(')');
      } else if (!['true', 'false', 'null'].includes(parts[0]) || parts.length > 1) references.push(parts.join('.'));
    } else if (t.v === '[') {
      next();
      skipNl();
      while (peek().v !== ']') {
        parseExpr(true);
        skipNl();
        if (peek().v === ',') {
          next();
          skipNl();
        } else break;
      }
      expect(']');
    } else if (t.v === '{') {
      next();
      skipNl();
      while (peek().v !== '}') {
        if (peek().t !== 'ident' && peek().t !== 'string') err('expected an object key');
        next();
        expect('=');
        parseExpr(true);
        if (peek().v === ',') {
          next();
          skipNl();
        } else {
          skipNl();
          if (peek().v !== '}') err('expected "," between object entries');
        }
      }
      expect('}');
    } else if (t.v === '(') {
      next();
      parseExpr(true);
      expect(')');
    } else if (t.v === '-' || t.v === '!') {
      next();
      parsePrimary();
    } else err('expected an expression');
    while (peek().v === '[' || (peek().v === '.' && toks[p + 1]?.t === 'ident')) {
      if (next().v === '[') {
        parseExpr(true);
        expect(']');
      } else next();
    }
  };
  const parseExpr = (inBrackets: boolean, level = 0): void => {
    if (level === BINARY.length) return parsePrimary();
    parseExpr(inBrackets, level + 1);
    while (peek().t === 'punct' && BINARY[level].includes(peek().v)) {
      next();
      if (inBrackets) skipNl();
      parseExpr(inBrackets, level + 1);
    }
  };

  const parseBody = (depth: number): void => {
    for (;;) {
      skipNl();
      const t = peek();
      if (t.t === 'eof') {
        if (depth > 0) err('unexpected end of file: a block is not closed');
        return;
      }
      if (t.v === '}') {
        if (depth === 0) err('unexpected "}"');
        return;
      }
      if (t.t !== 'ident') err('expected an attribute or a block');
      const name = [next().v];
      if (peek().v === '=') {
        if (depth === 0) err('attributes are not allowed at the top level');
        next();
        parseExpr(false);
      } else {
        while (peek().v === '.') {
          next();
          if (peek().t !== 'ident') err('expected a name after "."');
          name.push(next().v);
        }
        let label: string | undefined;
        if (peek().t === 'string') {
          const raw = next().v;
          label = raw.startsWith('`') ? raw.slice(1, -1) : (JSON.parse(raw) as string);
        }
        if (depth === 0) components.push([...name, ...(label !== undefined ? [label] : [])].join('.'));
        expect('{');
        parseBody(depth + 1);
        expect('}');
      }
      const end = peek();
      if (end.t !== 'nl' && end.t !== 'eof' && end.v !== '}') err('expected a new line after a statement');
    }
  };

  try {
    parseBody(0);
  } catch (e) {
    if ((e as Error).message !== 'parse') throw e;
  }
  return { errors, components, references };
}

/** Syntax errors of an Alloy config, plus references to undeclared components. */
export function alloyErrors(src: string): string[] {
  const r = parseAlloy(src);
  const declared = new Set(r.components);
  const stdlib = new Set(['sys', 'constants', 'string', 'encoding', 'array', 'convert', 'json_path', 'coalesce', 'env', 'nonsensitive']);
  const unresolved = r.references.filter((ref) => {
    const parts = ref.split('.');
    if (stdlib.has(parts[0])) return false;
    // name... label export: some prefix (without the export) must be a declared component.
    for (let n = parts.length - 1; n >= 2; n--) if (declared.has(parts.slice(0, n).join('.'))) return false;
    return true;
  });
  return [...r.errors, ...unresolved.map((ref) => `reference ${ref} names no declared component`)];
}

/** Syntax errors of a fluent.conf (empty when it is well-formed). */
export function fluentdErrors(src: string): string[] {
  const errors: string[] = [];
  const stack: { name: string; line: number; hasType: boolean }[] = [];
  const NEEDS_TYPE = new Set(['source', 'filter', 'match', 'parse', 'format']);
  const TOP = new Set(['system', 'source', 'filter', 'match', 'label', 'worker']);
  src.split('\n').forEach((raw, idx) => {
    const line = idx + 1;
    const text = raw.trim();
    if (text === '' || text.startsWith('#')) return;
    const close = /^<\/([a-z_]+)>$/.exec(text);
    const open = /^<([a-z_]+)(\s+[^>]*)?>$/.exec(text);
    if (close) {
      const top = stack.pop();
      if (!top) errors.push(`line ${line}: </${close[1]}> closes nothing`);
      else {
        if (top.name !== close[1]) errors.push(`line ${line}: </${close[1]}> closes <${top.name}> opened on line ${top.line}`);
        if (NEEDS_TYPE.has(top.name) && !top.hasType) errors.push(`line ${top.line}: <${top.name}> has no @type`);
      }
      return;
    }
    if (open) {
      if (stack.length === 0 && !TOP.has(open[1])) errors.push(`line ${line}: <${open[1]}> is not a top-level directive`);
      stack.push({ name: open[1], line, hasType: false });
      return;
    }
    if (text.startsWith('<')) {
      errors.push(`line ${line}: malformed section tag ${text}`);
      return;
    }
    const m = /^(@?[A-Za-z0-9_]+)(?:\s+(.*))?$/.exec(text);
    if (!m) {
      errors.push(`line ${line}: expected "key value", got ${JSON.stringify(text)}`);
      return;
    }
    if (stack.length === 0 && m[1] !== '@include') errors.push(`line ${line}: parameter ${m[1]} outside any section`);
    if (m[1] === '@type' && stack.length) stack[stack.length - 1].hasType = true;
    const value = (m[2] ?? '').trim();
    if (value.startsWith('"')) {
      // A double-quoted string: closed, escapes consumed, only a comment after it.
      let j = 1;
      while (j < value.length && value[j] !== '"') j += value[j] === '\\' ? 2 : 1;
      if (j >= value.length) errors.push(`line ${line}: unterminated string in ${m[1]}`);
      else if (value.slice(j + 1).trim() !== '' && !value.slice(j + 1).trim().startsWith('#')) errors.push(`line ${line}: text after the string of ${m[1]}`);
      const inner = value.slice(1, j);
      for (const e of inner.matchAll(/#\{([^}]*)\}/g)) {
        if (!/^ENV\['[A-Z_][A-Z0-9_]*'\]$/.test(e[1])) errors.push(`line ${line}: embedded Ruby #{${e[1]}} is not an ENV['NAME'] lookup`);
      }
    } else if (value.startsWith('[')) {
      try {
        JSON.parse(value);
      } catch {
        errors.push(`line ${line}: ${m[1]} is not a JSON array: ${value}`);
      }
    }
  });
  for (const s of stack) errors.push(`line ${s.line}: <${s.name}> is never closed`);
  return errors;
}
