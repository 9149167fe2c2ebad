import type { k8s } from 'cdk8s-plus-27';

/**
 * The security baseline, written once: the Kubernetes "restricted" Pod Security Standard.
 * Every workload of the stack is built with it by `podTemplate()` in ./workload.ts.
 */

/** The UID/GID the stack's own containers run as unless an image needs another. */
export const DEFAULT_UID = 65534; // nobody

export function restrictedPodSecurityContext(uid: number = DEFAULT_UID, fsGroup: number = uid): k8s.PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: uid,
    fsGroup,
    fsGroupChangePolicy: 'OnRootMismatch',
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

export function restrictedContainerSecurityContext(): k8s.SecurityContext {
  return {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    privileged: false,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/**
 * The one way to relax the baseline: a workload that must read the node (a log collector
 * reading /var/log/pods, node-exporter reading /proc and /sys) names what it needs and
 * why. `podTemplate()` refuses host access (hostPath, hostNetwork, hostPID) without one,
 * and the policy suite checks that host paths are mounted read-only.
 */
export interface HostAccessException {
  /** Why the baseline cannot hold; rendered into the pod template as an annotation. */
  readonly reason: string;
  /** Host paths the pod may mount (read-only). */
  readonly hostPaths: readonly string[];
  /**
   * Host folders the pod may write: state that must outlive the pod on its node (a log
   * collector's read positions). Each must be under HOST_STATE_ROOT, owned by this stack;
   * the policy suite refuses any other writable host mount. @default none
   */
  readonly stateDirs?: readonly string[];
  readonly hostNetwork?: boolean;
  readonly hostPID?: boolean;
  /** Run as root (UID 0) because the node's files are readable by root only. */
  readonly runAsRoot?: boolean;
}

/** The only host folder tree the stack writes to (`stateDirs` of a HostAccessException). */
export const HOST_STATE_ROOT = '/var/lib/observability-stack';

export const HOST_ACCESS_ANNOTATION = 'observability-stack.io/host-access-exception';
