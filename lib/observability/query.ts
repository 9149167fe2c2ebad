import { parser as promqlParser } from '@prometheus-io/lezer-promql';
import { parser as logqlParser } from '@grafana/lezer-logql';

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

/** Parse PromQL with Prometheus's own lezer grammar; returns the first syntax error, if any. */
export function promqlError(expr: string): QueryError | undefined {
  if (expr.trim() === '') return { position: 0, message: 'expression is empty' };
  return firstError(promqlParser.parse(expr), expr);
}

/** Parse LogQL with Grafana's lezer grammar; returns the first syntax error, if any. */
export function logqlError(expr: string): QueryError | undefined {
  if (expr.trim() === '') return { position: 0, message: 'expression is empty' };
  return firstError(logqlParser.parse(expr), expr);
}
