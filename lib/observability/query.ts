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

const promqlChecked = new Map<string, QueryError | undefined>();

/**
 * Parse PromQL with Prometheus's own lezer grammar; returns the first syntax error, if any.
 * Memoized by text (the parser is pure): the same rule is checked by its generator, by the
 * rule registry and once per environment.
 */
export function promqlError(expr: string): QueryError | undefined {
  if (promqlChecked.has(expr)) return promqlChecked.get(expr);
  const result = expr.trim() === '' ? { position: 0, message: 'expression is empty' } : firstError(promqlParser.parse(expr), expr);
  promqlChecked.set(expr, result);
  return result;
}

/** Parse LogQL with Grafana's lezer grammar; returns the first syntax error, if any. */
export function logqlError(expr: string): QueryError | undefined {
  if (expr.trim() === '') return { position: 0, message: 'expression is empty' };
  return firstError(logqlParser.parse(expr), expr);
}
