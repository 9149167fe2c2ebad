import { promqlShape } from '../query';

// The grammar ships a CommonJS build with ESM-only type declarations (see lib/observability/query.ts).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { parser } = require('@prometheus-io/lezer-promql') as typeof import('@prometheus-io/lezer-promql', { with: { 'resolution-mode': 'import' } });

/**
 * Label-free aggregations: without `by (...)` / `without (...)` their result is one sample
 * with no labels. (topk, bottomk, limitk keep the input's labels; count_values adds one.)
 */
const LABEL_FREE_AGGREGATIONS = new Set(['Sum', 'Avg', 'Count', 'Min', 'Max', 'Group', 'Stddev', 'Stdvar', 'Quantile']);

/** Functions whose result has the labels of their (first) vector argument. */
const LABEL_PRESERVING_FUNCTIONS = new Set([
  'SumOverTime', 'AvgOverTime', 'CountOverTime', 'MinOverTime', 'MaxOverTime', 'QuantileOverTime', 'StddevOverTime', 'StdvarOverTime',
  'LastOverTime', 'PresentOverTime', 'Abs', 'Ceil', 'Floor', 'Round', 'Exp', 'Ln', 'Log2', 'Log10', 'Sqrt', 'Clamp', 'ClampMin', 'ClampMax', 'Sgn',
]);

type SyntaxNode = ReturnType<typeof parser.parse>['topNode'];
type Kind = 'scalar' | 'label-free' | 'labelled';

const EXPRESSION_NODES = new Set(['AggregateExpr', 'BinaryExpr', 'FunctionCall', 'MatrixSelector', 'NumberDurationLiteral', 'ParenExpr', 'StringLiteral', 'SubqueryExpr', 'UnaryExpr', 'VectorSelector', 'StepInvariantExpr']);

function children(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = node.firstChild; c; c = c.nextSibling) out.push(c);
  return out;
}

function kind(node: SyntaxNode | null): Kind {
  if (!node) return 'labelled';
  switch (node.type.name) {
    case 'PromQL':
    case 'ParenExpr':
    case 'SubqueryExpr':
    case 'UnaryExpr':
      return kind(children(node).find((c) => EXPRESSION_NODES.has(c.type.name)) ?? null);
    case 'NumberDurationLiteral':
      return 'scalar';
    case 'AggregateExpr': {
      const op = node.getChild('AggregateOp')?.firstChild?.type.name ?? '';
      const modifier = node.getChild('AggregateModifier');
      if (!LABEL_FREE_AGGREGATIONS.has(op)) return 'labelled';
      if (!modifier) return 'label-free';
      const by = modifier.getChild('By');
      const labels = modifier.getChild('GroupingLabels');
      return by && labels && !labels.getChild('LabelName') ? 'label-free' : 'labelled';
    }
    case 'BinaryExpr': {
      const operands = children(node).filter((c) => EXPRESSION_NODES.has(c.type.name));
      const kinds = operands.map(kind);
      if (kinds.length !== 2 || kinds.includes('labelled')) return 'labelled';
      return kinds.every((k) => k === 'scalar') ? 'scalar' : 'label-free';
    }
    case 'FunctionCall': {
      const fn = node.getChild('FunctionIdentifier')?.firstChild?.type.name ?? '';
      if (fn === 'Vector') return 'label-free';
      if (fn === 'Scalar' || fn === 'Time' || fn === 'Pi') return 'scalar';
      if (!LABEL_PRESERVING_FUNCTIONS.has(fn)) return 'labelled';
      const body = node.getChild('FunctionCallBody');
      const args = body ? children(body).filter((c) => EXPRESSION_NODES.has(c.type.name)) : [];
      const vectorArg = args.find((a) => kind(a) !== 'scalar');
      return vectorArg ? kind(vectorArg) : 'labelled';
    }
    default:
      return 'labelled';
  }
}

/**
 * The node of the expression itself: through the top `PromQL` node and parentheses.
 */
function unwrap(node: SyntaxNode): SyntaxNode {
  let n = node;
  while (n.type.name === 'PromQL' || n.type.name === 'ParenExpr') {
    const inner = children(n).find((c) => EXPRESSION_NODES.has(c.type.name));
    if (!inner) break;
    n = inner;
  }
  return n;
}

/** An aggregation (or a label-preserving function of one) whose absence means "no events". */
function isSingleAggregation(node: SyntaxNode): boolean {
  const n = unwrap(node);
  if (n.type.name === 'AggregateExpr') return kind(n) === 'label-free';
  if (n.type.name === 'FunctionCall' && kind(n) === 'label-free') {
    const fn = n.getChild('FunctionIdentifier')?.firstChild?.type.name ?? '';
    if (fn === 'Vector') return false;
    const body = n.getChild('FunctionCallBody');
    const arg = body ? children(body).find((c) => EXPRESSION_NODES.has(c.type.name) && kind(c) !== 'scalar') : undefined;
    if (!arg) return false;
    const inner = arg.type.name === 'SubqueryExpr' || arg.type.name === 'MatrixSelector' ? (children(arg).find((c) => EXPRESSION_NODES.has(c.type.name)) ?? arg) : arg;
    return isSingleAggregation(inner);
  }
  return false;
}

function parse(query: string): SyntaxNode | undefined {
  const tree = parser.parse(query);
  let error = false;
  tree.iterate({
    enter: (n) => {
      if (n.type.isError) error = true;
      return !error;
    },
  });
  return error ? undefined : tree.topNode;
}

/**
 * True when the query's result is provably an instant vector of at most one sample with no
 * labels (e.g. `sum(rate(x[5m]))`, `sum(a) - sum(b)`, `sum_over_time((count(x))[5m:])`).
 * False when unsure.
 */
export function isLabelFreeVector(query: string): boolean {
  return memoByShape(labelFreeByShape, query, (top) => kind(top) === 'label-free');
}

/**
 * True when the query is one label-free aggregation of events (`sum(rate(x[5m]))`,
 * `sum_over_time((count(x < 1))[5m:])`): it returns nothing exactly when no series of
 * those events exists, which for an error query means "no errors", so `or on() vector(0)`
 * may stand in for it. Not for `sum(a) - sum(b)`: there a missing `b` (a latency bucket
 * whose `le` is spelled differently) must stay visible as "no data", not become 0 errors.
 */
export function isEventAggregation(query: string): boolean {
  return memoByShape(eventAggregationByShape, query, isSingleAggregation);
}

const labelFreeByShape = new Map<string, boolean>();
const eventAggregationByShape = new Map<string, boolean>();

/**
 * Both questions depend only on the tree's node types, never on a string's content or a
 * range's duration, so they are answered once per shape (promqlShape): an SLO's query is
 * asked once per window, and a generated set of SLOs has few shapes. An unparsable query
 * answers false.
 */
function memoByShape(memo: Map<string, boolean>, query: string, test: (top: SyntaxNode) => boolean): boolean {
  const key = promqlShape(query) ?? `\0${query}`;
  let answer = memo.get(key);
  if (answer === undefined) {
    const top = parse(query);
    answer = top !== undefined && test(top);
    memo.set(key, answer);
  }
  return answer;
}
