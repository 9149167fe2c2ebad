// Both grammars ship CommonJS builds (`require` export condition) but type-only ESM
// declarations, so they are required with their types taken from the ESM declarations.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { parser: promqlParser } = require('@prometheus-io/lezer-promql') as typeof import('@prometheus-io/lezer-promql', { with: { 'resolution-mode': 'import' } });
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { parser: logqlParser } = require('@grafana/lezer-logql') as typeof import('@grafana/lezer-logql', { with: { 'resolution-mode': 'import' } });

/** Where a query failed to parse, or undefined when it parses. */
export interface QueryError {
  readonly position: number;
  readonly message: string;
}

function firstError(tree: ReturnType<typeof promqlParser.parse>, text: string): QueryError | undefined {
  let error: QueryError | undefined;
  tree.iterate({
    enter: (node) => {
      if (error) return false;
      if (node.type.isError) {
        const near = text.slice(Math.max(0, node.from - 10), node.from + 10);
        error = { position: node.from, message: `syntax error at character ${node.from + 1} (near "${near}")` };
        return false;
      }
      return undefined;
    },
  });
  return error;
}

/**
 * The syntactic shape of a PromQL text: every string literal replaced by `""` and every plain
 * range duration (`[5m]`, `[1h30m]`) by `[1m]`. Neither changes whether the text parses: the
 * grammar takes any string literal wherever it takes one (label values, quoted names,
 * function arguments) and any duration wherever it takes one, and the replacements are
 * tokens of the same kind. So texts of the same shape are all valid or all invalid; a
 * generated rule set (an SLO's windows, the same rules for many services) has few shapes.
 * Undefined when the text has a string the lexer would read differently from this scan
 * (unterminated, or across a line): such a text is parsed as it is.
 * The scan follows the grammar's tokens (@prometheus-io/lezer-promql src/promql.grammar):
 * `"..."` and `'...'` with backslash escapes and no raw newline, backtick raw strings, and
 * `#` line comments outside strings.
 */
export function promqlShape(expr: string): string | undefined {
  let out = '';
  let from = 0;
  let i = 0;
  while (i < expr.length) {
    const c = expr[i];
    if (c === '#') {
      const eol = expr.indexOf('\n', i);
      i = eol < 0 ? expr.length : eol;
    } else if (c === '"' || c === "'" || c === '`') {
      let j = i + 1;
      for (; j < expr.length && expr[j] !== c; j++) {
        if (c !== '`' && expr[j] === '\n') return undefined;
        if (c !== '`' && expr[j] === '\\') j++;
      }
      if (j >= expr.length) return undefined;
      out += expr.slice(from, i) + '""';
      i = j + 1;
      from = i;
    } else i++;
  }
  out += expr.slice(from);
  return out.replace(RANGE_DURATION, '[1m]');
}

/** promqlError without the memo: always parses. */
export function parsePromqlError(expr: string): QueryError | undefined {
  return expr.trim() === '' ? { position: 0, message: 'expression is empty' } : firstError(promqlParser.parse(expr), expr);
}

const RANGE_DURATION = /\[(?:\d+(?:ms|[smhdwy]))+\]/g;

const promqlChecked = new Map<string, QueryError | undefined>();
/** Shapes (see promqlShape) of texts that parsed without error. */
const validShapes = new Set<string>();

/**
 * Parse PromQL with Prometheus's own lezer grammar; returns the first syntax error, if any.
 * Memoized (the parser is pure): by text, as the same rule is checked by its generator, by
 * the rule registry and once per environment; and by shape, as a text whose shape already
 * parsed is valid too. An invalid text is always parsed itself, so that its error message
 * points into it.
 */
export function promqlError(expr: string): QueryError | undefined {
  if (promqlChecked.has(expr)) return promqlChecked.get(expr);
  const shape = promqlShape(expr);
  let result: QueryError | undefined;
  if (shape === undefined || !validShapes.has(shape)) {
    result = parsePromqlError(expr);
    if (result === undefined && shape !== undefined) validShapes.add(shape);
  }
  promqlChecked.set(expr, result);
  return result;
}

/** Parse LogQL with Grafana's lezer grammar; returns the first syntax error, if any. */
export function logqlError(expr: string): QueryError | undefined {
  if (expr.trim() === '') return { position: 0, message: 'expression is empty' };
  return firstError(logqlParser.parse(expr), expr);
}
