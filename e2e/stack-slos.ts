import { App } from 'cdk8s';
import type { StackConfig } from '../lib/config/types';
import { MonitoringStack } from '../lib/stack';
import type { SloSource } from './transform';

/**
 * The SLOs the stack declares for an environment, as the SLO generator was called for them
 * (`sloSource` of the chart that emits them: lib/components/slos.ts), so that the e2e can
 * render the same SLOs with a short period. Undefined when the environment has no SLOs.
 */
export function stackSloSource(config: StackConfig): SloSource | undefined {
  const stack = new MonitoringStack(new App({ outdir: '.unused' }), config.environment, config);
  const found = [stack, ...stack.charts]
    .map((x) => (x as { sloSource?: SloSource }).sloSource)
    .filter((s): s is SloSource => !!s && Array.isArray(s.declarations));
  if (found.length > 1) throw new Error(`${found.length} parts of the stack expose a sloSource; the e2e renders the SLOs of one generator call`);
  return found[0];
}
