import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';

/**
 * A PodDisruptionBudget for a replicated component: at most one pod is evicted at a
 * time. Single-replica components get none (a PDB would block node drains forever).
 */
export function disruptionBudget(scope: Construct, name: string, namespace: string, selector: Record<string, string>, replicas: number): k8s.KubePodDisruptionBudget | undefined {
  if (replicas < 2) return undefined;
  return new k8s.KubePodDisruptionBudget(scope, `pdb-${name}`, {
    metadata: { name, namespace },
    spec: { maxUnavailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: selector } },
  });
}
