import { App } from 'cdk8s';
import type { StackConfig } from '../lib/config/types';
import { MonitoringStack } from '../lib/stack';
import type { SloSource } from './transform';

/**
 * The SLOs the stack declares for an environment, as the SLO generator was called for them,
 * so that the e2e can render the same SLOs with a short period. Read from the stack object
 * (`sloSource` on the stack or on one of its component charts).
 */
export function stackSloSource(config: StackConfig): SloSource | undefined {
  const stack = new MonitoringStack(new App({ outdir: '.unused' }), config.environment, config);
  const holders: unknown[] = [stack, ...stack.charts];
  const found = holders.map((x) => (x as { sloSource?: SloSource }).sloSource).filter((s): s is SloSource => !!s && Array.isArray(s.declarations));
  if (found.length === 0) return undefined;
  return {
    declarations: found.flatMap((s) => s.declarations),
    options: found[0].options,
    validateOptions: found[0].validateOptions,
  };
}
