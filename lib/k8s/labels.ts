import type { StackConfig } from '../config/types';

export const PART_OF = 'observability-stack';
export const MANAGED_BY = 'cdk8s';

/** The labels that select a component's pods: stable, never change after the first apply. */
export function selectorLabels(config: StackConfig, name: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': name,
    'app.kubernetes.io/instance': config.environment,
  };
}

/**
 * The common labels every object carries: Kubernetes recommended labels plus the
 * environment's own `labels`.
 */
export function standardLabels(config: StackConfig, name: string, component: string): Record<string, string> {
  return {
    ...config.labels,
    ...selectorLabels(config, name),
    'app.kubernetes.io/component': component,
    'app.kubernetes.io/part-of': PART_OF,
    'app.kubernetes.io/managed-by': MANAGED_BY,
  };
}

/** Selects every pod of this stack instance (for namespace-wide policies). */
export function stackSelector(config: StackConfig): Record<string, string> {
  return { 'app.kubernetes.io/part-of': PART_OF, 'app.kubernetes.io/instance': config.environment };
}
