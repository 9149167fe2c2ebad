import Ajv, { ValidateFunction } from 'ajv';
import { HOST_ACCESS_ANNOTATION, HOST_STATE_ROOT } from '../k8s/security';

/**
 * The policy suite: checks synthesized objects against the hardening rules (Pod Security
 * Standard "restricted", resources, probes, pinned images, PDBs, spread, RBAC, network
 * policy, secrets). Pod-level rules are JSON Schemas evaluated by ajv; the cross-object
 * rules are small functions. Every violation names the object and the rule.
 */

export interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: any;
}

export interface Violation {
  /** `Kind/namespace/name` */
  readonly object: string;
  readonly rule: string;
  readonly detail: string;
}

export const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob'] as const;

export function objectId(o: Obj): string {
  return `${o.kind}/${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;
}

export function isWorkload(o: Obj): boolean {
  return (WORKLOAD_KINDS as readonly string[]).includes(o.kind);
}

export function podTemplateOf(o: Obj): { metadata?: any; spec: any } {
  return o.kind === 'CronJob' ? o.spec.jobTemplate.spec.template : o.spec.template;
}

/** Host access is allowed only to pods that declare a HostAccessException (see lib/k8s/security.ts). */
export function hasHostAccessException(o: Obj): boolean {
  return Boolean(podTemplateOf(o).metadata?.annotations?.[HOST_ACCESS_ANNOTATION]);
}

// ---------------------------------------------------------------- restricted PSS, as schemas
const restrictedContainer = {
  type: 'object',
  required: ['securityContext'],
  properties: {
    ports: { type: 'array', items: { type: 'object', not: { required: ['hostPort'] } } },
    securityContext: {
      type: 'object',
      required: ['allowPrivilegeEscalation', 'capabilities', 'readOnlyRootFilesystem'],
      properties: {
        allowPrivilegeEscalation: { const: false },
        privileged: { const: false },
        readOnlyRootFilesystem: { const: true },
        runAsNonRoot: { const: true },
        runAsUser: { type: 'integer', minimum: 1 },
        capabilities: {
          type: 'object',
          required: ['drop'],
          properties: {
            drop: { type: 'array', contains: { const: 'ALL' } },
            add: { type: 'array', items: { const: 'NET_BIND_SERVICE' } },
          },
        },
        seccompProfile: { type: 'object', properties: { type: { enum: ['RuntimeDefault', 'Localhost'] } } },
      },
    },
  },
};

const restrictedPod = {
  type: 'object',
  required: ['securityContext', 'containers'],
  properties: {
    hostNetwork: { not: { const: true } },
    hostPID: { not: { const: true } },
    hostIPC: { not: { const: true } },
    securityContext: {
      type: 'object',
      required: ['runAsNonRoot', 'seccompProfile'],
      properties: {
        runAsNonRoot: { const: true },
        runAsUser: { type: 'integer', minimum: 1 },
        seccompProfile: { type: 'object', required: ['type'], properties: { type: { enum: ['RuntimeDefault', 'Localhost'] } } },
      },
    },
    volumes: { type: 'array', items: { type: 'object', not: { required: ['hostPath'] } } },
    containers: { type: 'array', items: restrictedContainer },
    initContainers: { type: 'array', items: restrictedContainer },
  },
};

// Compiled at first use: importing the package (the synth does) should not pay for it.
let validateRestrictedPod: ValidateFunction | undefined;

function schemaViolations(validate: ValidateFunction, data: unknown): string[] {
  if (validate(data)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}${e.params && 'allowedValue' in e.params ? ` (${JSON.stringify(e.params.allowedValue)})` : ''}`);
}

// ---------------------------------------------------------------- the rules
export interface PolicyContext {
  /** Every object of one environment. */
  readonly objects: readonly Obj[];
  /** The images the stack may use (lib/images.ts, plus overrides). */
  readonly pinnedImages: readonly string[];
  /** Namespace of node-reading agents (the only place host access is allowed). */
  readonly agentsNamespace: string;
  /** Production requires spreading replicas across nodes. */
  readonly requireSpread: boolean;
}

export type PolicyCheck = (o: Obj, ctx: PolicyContext) => string[];

/** Pod Security Standard "restricted", except for pods with a declared host-access exception. */
export const restricted: PolicyCheck = (o, ctx) => {
  if (!isWorkload(o)) return [];
  const spec = podTemplateOf(o).spec;
  if (hasHostAccessException(o)) {
    const problems: string[] = [];
    if (o.metadata.namespace !== ctx.agentsNamespace) problems.push(`host-access exception outside the agents namespace ${ctx.agentsNamespace}`);
    // Host folders are read-only, except the stack's own state folders under HOST_STATE_ROOT
    // (a collector's read positions), which must be created by the kubelet for this pod only.
    const hostVolumes = new Map<string, any>((spec.volumes ?? []).filter((v: any) => v.hostPath).map((v: any) => [v.name, v.hostPath]));
    const isStateDir = (h: any): boolean => typeof h?.path === 'string' && h.path.startsWith(`${HOST_STATE_ROOT}/`) && h.type === 'DirectoryOrCreate';
    for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
      for (const m of c.volumeMounts ?? []) {
        if (hostVolumes.has(m.name) && m.readOnly !== true && !isStateDir(hostVolumes.get(m.name))) problems.push(`container ${c.name} mounts hostPath volume ${m.name} writable (only folders under ${HOST_STATE_ROOT}/ may be written)`);
      }
      if (c.securityContext?.privileged) problems.push(`container ${c.name} is privileged`);
      if (c.securityContext?.allowPrivilegeEscalation !== false) problems.push(`container ${c.name} allows privilege escalation`);
      if (!c.securityContext?.capabilities?.drop?.includes('ALL')) problems.push(`container ${c.name} does not drop all capabilities`);
      if ((c.securityContext?.capabilities?.add ?? []).length > 0) problems.push(`container ${c.name} adds capabilities`);
    }
    return problems;
  }
  validateRestrictedPod ??= new Ajv({ allErrors: true, strict: false }).compile(restrictedPod);
  return schemaViolations(validateRestrictedPod, spec);
};

/** Every container has CPU and memory requests and a memory limit. */
export const resources: PolicyCheck = (o) => {
  if (!isWorkload(o)) return [];
  const spec = podTemplateOf(o).spec;
  const problems: string[] = [];
  for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
    if (!c.resources?.requests?.cpu) problems.push(`container ${c.name} has no CPU request`);
    if (!c.resources?.requests?.memory) problems.push(`container ${c.name} has no memory request`);
    if (!c.resources?.limits?.memory) problems.push(`container ${c.name} has no memory limit`);
  }
  return problems;
};

/** Long-running containers have readiness and liveness probes (Jobs are not long-running). */
export const probes: PolicyCheck = (o) => {
  if (!isWorkload(o) || o.kind === 'Job' || o.kind === 'CronJob') return [];
  const problems: string[] = [];
  for (const c of podTemplateOf(o).spec.containers ?? []) {
    if (!c.readinessProbe) problems.push(`container ${c.name} has no readinessProbe`);
    if (!c.livenessProbe) problems.push(`container ${c.name} has no livenessProbe`);
  }
  return problems;
};

/** Images are exact versions from lib/images.ts: a tag or digest, never `latest`. */
export const pinnedImages: PolicyCheck = (o, ctx) => {
  if (!isWorkload(o)) return [];
  const spec = podTemplateOf(o).spec;
  const problems: string[] = [];
  for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
    const image: string = c.image ?? '';
    const tag = image.includes('@') ? image.split('@')[1] : image.slice(image.lastIndexOf('/') + 1).split(':')[1];
    if (!tag || tag === 'latest') problems.push(`container ${c.name} image ${image} is not pinned to an exact version`);
    else if (!ctx.pinnedImages.includes(image)) problems.push(`container ${c.name} image ${image} is not declared in lib/images.ts`);
  }
  return problems;
};

function selects(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  if (!selector) return false;
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

function replicasOf(o: Obj): number {
  return o.kind === 'Deployment' || o.kind === 'StatefulSet' ? (o.spec.replicas ?? 1) : 1;
}

/** Components with more than one replica have a PodDisruptionBudget and (production) spread across nodes. */
export const availability: PolicyCheck = (o, ctx) => {
  if (replicasOf(o) < 2) return [];
  const problems: string[] = [];
  const labels = podTemplateOf(o).metadata?.labels;
  const pdbs = ctx.objects.filter((p) => p.kind === 'PodDisruptionBudget' && p.metadata.namespace === o.metadata.namespace && selects(p.spec.selector?.matchLabels, labels));
  if (pdbs.length === 0) problems.push(`${replicasOf(o)} replicas but no PodDisruptionBudget selects its pods`);
  if (ctx.requireSpread) {
    const spec = podTemplateOf(o).spec;
    const spread = (spec.topologySpreadConstraints ?? []).some((t: any) => t.topologyKey === 'kubernetes.io/hostname');
    const anti = (spec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? spec.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).length > 0;
    if (!spread && !anti) problems.push('replicas are not spread across nodes (no hostname topology spread or pod anti-affinity)');
  }
  return problems;
};

const boundSubjects = (ctx: PolicyContext) =>
  new Set(
    ctx.objects
      .filter((b) => b.kind === 'RoleBinding' || b.kind === 'ClusterRoleBinding')
      .flatMap((b) => (b.subjects ?? []).filter((s: any) => s.kind === 'ServiceAccount').map((s: any) => `${s.namespace}/${s.name}`)),
  );

/** RBAC: no wildcards, no cluster-admin; tokens are mounted only where the component talks to the API. */
export const rbac: PolicyCheck = (o, ctx) => {
  const problems: string[] = [];
  if (o.kind === 'Role' || o.kind === 'ClusterRole') {
    (o.rules ?? []).forEach((r: any, i: number) => {
      for (const field of ['verbs', 'resources', 'apiGroups', 'nonResourceURLs', 'resourceNames']) {
        if ((r[field] ?? []).some((v: string) => v === '*' || v.endsWith('/*'))) problems.push(`rules[${i}].${field} has a wildcard`);
      }
      if ((r.verbs ?? []).some((v: string) => ['escalate', 'bind', 'impersonate'].includes(v))) problems.push(`rules[${i}] grants escalate/bind/impersonate`);
    });
  }
  if ((o.kind === 'RoleBinding' || o.kind === 'ClusterRoleBinding') && ['cluster-admin', 'admin', 'edit'].includes(o.roleRef?.name) && o.roleRef?.kind === 'ClusterRole') {
    problems.push(`binds the built-in ClusterRole ${o.roleRef.name}`);
  }
  if (o.kind === 'ServiceAccount' && o.automountServiceAccountToken !== false) problems.push('automountServiceAccountToken is not false');
  if (isWorkload(o)) {
    const spec = podTemplateOf(o).spec;
    if (spec.automountServiceAccountToken !== false) {
      const sa = `${o.metadata.namespace}/${spec.serviceAccountName ?? 'default'}`;
      if (!boundSubjects(ctx).has(sa)) problems.push(`mounts the token of ${sa}, which has no role: set automountServiceAccountToken: false`);
    }
  }
  return problems;
};

/** Namespaces enforce a Pod Security Standard; pods are covered by a default-deny policy and an explicit one. */
export const network: PolicyCheck = (o, ctx) => {
  const problems: string[] = [];
  if (o.kind === 'Namespace') {
    if (!o.metadata.labels?.['pod-security.kubernetes.io/enforce']) problems.push('no pod-security.kubernetes.io/enforce label');
    const policies = ctx.objects.filter((p) => p.kind === 'NetworkPolicy' && p.metadata.namespace === o.metadata.name);
    const denyAll = policies.some(
      (p) => Object.keys(p.spec.podSelector?.matchLabels ?? {}).length === 0 && !p.spec.podSelector?.matchExpressions && ['Ingress', 'Egress'].every((t) => p.spec.policyTypes?.includes(t)) && (p.spec.ingress ?? []).length === 0 && (p.spec.egress ?? []).length === 0,
    );
    if (!denyAll) problems.push('no default-deny NetworkPolicy (empty podSelector, Ingress and Egress, no rules)');
  }
  if (isWorkload(o)) {
    const labels = podTemplateOf(o).metadata?.labels;
    const own = ctx.objects.filter((p) => p.kind === 'NetworkPolicy' && p.metadata.namespace === o.metadata.namespace && Object.keys(p.spec.podSelector?.matchLabels ?? {}).length > 0 && selects(p.spec.podSelector.matchLabels, labels));
    if (own.length === 0) problems.push('no NetworkPolicy selects its pods: its flows are not declared');
    for (const p of own) {
      (p.spec.ingress ?? []).forEach((r: any, i: number) => {
        if (!r.from || r.from.length === 0) problems.push(`NetworkPolicy ${p.metadata.name} ingress[${i}] allows every source`);
      });
    }
  }
  return problems;
};

/** Patterns of secret values that must never be in dist/. */
export const SECRET_PATTERNS: readonly { readonly name: string; readonly pattern: RegExp }[] = [
  { name: 'private key', pattern: /-----BEGIN [A-Z ]*PRIVATE KEY-----/ },
  { name: 'Slack webhook URL', pattern: /hooks\.slack\.com\/services\/[A-Za-z0-9/]+/ },
  { name: 'Slack token', pattern: /xox[abprs]-[A-Za-z0-9-]{10,}/ },
  { name: 'AWS access key id', pattern: /\b(AKIA|ASIA)[A-Z0-9]{16}\b/ },
  { name: 'GitHub token', pattern: /\bgh[pousr]_[A-Za-z0-9]{36,}\b/ },
  { name: 'JWT', pattern: /\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/ },
  { name: 'PagerDuty integration key', pattern: /\b(routing_key|service_key|integration_key)\s*:\s*["']?[a-f0-9]{32}\b/ },
  { name: 'password value', pattern: /\b(password|passwd|secret|api_key|apikey|token)\s*[:=]\s*["']?(?!\$|%\{|\/|<|\{\{)[^\s"',}]{6,}/i },
  { name: 'basic-auth credentials in a URL', pattern: /[a-z]+:\/\/[^/\s:@]+:[^/\s@]+@/i },
];

/** Secret values in synthesized text (file content), with the line number. */
export function secretFindings(text: string): { readonly name: string; readonly line: number; readonly excerpt: string }[] {
  const out: { name: string; line: number; excerpt: string }[] = [];
  text.split('\n').forEach((line, i) => {
    for (const { name, pattern } of SECRET_PATTERNS) if (pattern.test(line)) out.push({ name, line: i + 1, excerpt: line.trim().slice(0, 120) });
  });
  return out;
}

export const RULES: Readonly<Record<string, PolicyCheck>> = { restricted, resources, probes, pinnedImages, availability, rbac, network };

/** Every violation of every rule over a set of objects. */
export function checkPolicies(ctx: PolicyContext): Violation[] {
  const out: Violation[] = [];
  for (const o of ctx.objects) {
    for (const [rule, check] of Object.entries(RULES)) for (const detail of check(o, ctx)) out.push({ object: objectId(o), rule, detail });
  }
  return out;
}
