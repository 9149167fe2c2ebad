import { createHash } from 'crypto';
import { homedir } from 'os';
import { join } from 'path';
import { IMAGES } from '../../lib/images';

/**
 * The upstream binaries the checks run, at exactly the versions the manifests deploy. One
 * source of truth: every version here is derived from an image tag of `lib/images.ts`, except
 * the tools that are not deployed (kustomize, the NetworkPolicy analyzer, and kube-apiserver
 * with its etcd for the server-side dry run), pinned below.
 *
 * `npm run tools` (scripts/tools/build.ts) builds them from the Go module proxy into a cache
 * outside the repository, keyed by version; the tests find them with `toolsDir()`.
 *
 * Not built, and why (measured or checked on 2026-12-06):
 * - Loki, Promtail and Grafana: their modules (github.com/grafana/loki/v3,
 *   github.com/grafana/grafana) are AGPL-3.0, which this project's build machines may not use.
 * - Alloy (Apache-2.0) requires github.com/grafana/loki/v3 (AGPL-3.0) as a dependency
 *   (alloy v1.19.2's go.mod), so it cannot be built here either.
 */

export interface ToolSpec {
  /** Cache folder name (with the version) and the key of `TOOLS`. */
  readonly name: string;
  /** Go module path. */
  readonly module: string;
  /** Module version (`v...`). */
  readonly version: string;
  /** The version the binary reports (for the log and the `--version` check). */
  readonly displayVersion: string;
  /** Binary name -> package inside the module (`.` for the module root). */
  readonly binaries: Readonly<Record<string, string>>;
  /**
   * Go package whose `Version`, `Revision`, `Branch`, `BuildUser` and `BuildDate` variables the
   * binary prints with `--version` (prometheus/common/version for the Prometheus ecosystem).
   */
  readonly versionPackage?: string;
  /**
   * Go build tags upstream builds the release binaries with (the `tags` of its `.promu.yml`),
   * where leaving them out changes behaviour. Part of the cache folder's name.
   */
  readonly buildTags?: readonly string[];
  /** Extra `-X` assignments for the linker. */
  readonly extraLdflags?: readonly string[];
  /**
   * Files to create in the module copy before building: web UIs that upstream builds with npm
   * and embeds (`go:embed`) are not in the module zip; the checks only use the APIs, so an empty
   * page stands in for them.
   */
  readonly placeholderFiles?: readonly string[];
  /** Image of lib/images.ts this tool is the binary of, if deployed. */
  readonly image?: keyof typeof IMAGES;
  /**
   * The version of the modules that a `replace` to a folder missing from the module zip stands
   * for. @default `version` (prometheus-operator and etcd tag their nested modules with the
   * release); k8s.io/kubernetes vX.Y.Z's staging modules (k8s.io/api, ...) are published as v0.Y.Z.
   */
  readonly replaceVersion?: string;
}

const PROMETHEUS_COMMON_VERSION = 'github.com/prometheus/common/version';

/** `quay.io/prometheus/prometheus:v3.13.5` -> `v3.13.5`. */
export function imageTag(image: string): string {
  const at = image.lastIndexOf(':');
  if (at < 0 || image.indexOf('/', at) >= 0) throw new Error(`image "${image}" has no tag`);
  return image.slice(at + 1);
}

/** A tag `vX.Y.Z` (optionally without the `v`) as its numeric parts; throws on anything else. */
export function semver(tag: string): [number, number, number] {
  const m = /^v?(\d+)\.(\d+)\.(\d+)$/.exec(tag);
  if (!m) throw new Error(`"${tag}" is not an exact version vX.Y.Z; pin images to exact releases`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

/**
 * Prometheus 3.x is published as Go module versions v0.3XX.Y: major 3, minor XX -> v0.(300+XX).Y
 * (3.13.5 -> v0.313.5). 2.x was v0.(2 digits).Y (2.53.1 -> v0.53.1).
 */
export function prometheusModuleVersion(tag: string): string {
  const [major, minor, patch] = semver(tag);
  if (major === 3) return `v0.${300 + minor}.${patch}`;
  if (major === 2) return `v0.${minor}.${patch}`;
  throw new Error(`Prometheus ${tag}: no known module version scheme for major version ${major}`);
}

function fromImage(image: keyof typeof IMAGES): { tag: string; version: string } {
  const tag = imageTag(IMAGES[image]);
  semver(tag);
  return { tag, version: tag.startsWith('v') ? tag : `v${tag}` };
}

/** kustomize, for the tests' `kustomize build` of dist/<env> (not deployed). */
export const KUSTOMIZE_VERSION = 'v5.8.2';
/** np-guard's NetworkPolicy analyzer, for the offline connectivity checks (not deployed). */
export const NETPOL_ANALYZER_VERSION = 'v1.4.4';
/**
 * kube-apiserver, for `kubectl apply --dry-run=server` of dist/ (scripts/apiserver; not
 * deployed): the newest Kubernetes release the module proxy serves (2026-12-06).
 */
export const KUBERNETES_VERSION = 'v1.37.2';
/** etcd behind that kube-apiserver: the version kubeadm v1.37.2 deploys (its DefaultEtcdVersion 3.7.0-0). */
export const ETCD_VERSION = 'v3.7.0';

/** k8s.io/kubernetes v1.37.2 -> v0.37.2, the version of its published staging modules (k8s.io/api, ...). */
export function kubernetesStagingVersion(version: string): string {
  const [major, minor, patch] = semver(version);
  if (major !== 1) throw new Error(`Kubernetes ${version}: no known staging module version scheme for major version ${major}`);
  return `v0.${minor}.${patch}`;
}

export function toolSpecs(): ToolSpec[] {
  const prom = fromImage('prometheus');
  const am = fromImage('alertmanager');
  const thanos = fromImage('thanos');
  const node = fromImage('nodeExporter');
  const ksm = fromImage('kubeStateMetrics');
  const reloader = fromImage('configReloader');
  return [
    {
      name: 'prometheus',
      module: 'github.com/prometheus/prometheus',
      version: prometheusModuleVersion(prom.tag),
      displayVersion: prom.tag.replace(/^v/, ''),
      binaries: { prometheus: './cmd/prometheus', promtool: './cmd/promtool' },
      versionPackage: PROMETHEUS_COMMON_VERSION,
      image: 'prometheus',
    },
    {
      name: 'alertmanager',
      module: 'github.com/prometheus/alertmanager',
      version: am.version,
      displayVersion: am.version.replace(/^v/, ''),
      binaries: { alertmanager: './cmd/alertmanager', amtool: './cmd/amtool' },
      versionPackage: PROMETHEUS_COMMON_VERSION,
      placeholderFiles: ['ui/app/dist/elm/index.html', 'ui/app/dist/mantine/index.html'],
      image: 'alertmanager',
    },
    {
      name: 'thanos',
      module: 'github.com/thanos-io/thanos',
      version: thanos.version,
      displayVersion: thanos.version.replace(/^v/, ''),
      binaries: { thanos: './cmd/thanos' },
      versionPackage: PROMETHEUS_COMMON_VERSION,
      // Thanos's .promu.yml: `slicelabels` makes Prometheus's labels.Labels a slice, which
      // Thanos's gRPC code converts to its protobuf labels without copying. Built without it
      // (Prometheus 3's default string labels), every sidecar and store gateway panics
      // ("makeslice: len out of range" in the gRPC codec) on the first Info call from Query.
      buildTags: ['netgo', 'slicelabels'],
      image: 'thanos',
    },
    {
      name: 'node_exporter',
      module: 'github.com/prometheus/node_exporter',
      version: node.version,
      displayVersion: node.version.replace(/^v/, ''),
      binaries: { node_exporter: '.' },
      versionPackage: PROMETHEUS_COMMON_VERSION,
      image: 'nodeExporter',
    },
    {
      name: 'kube-state-metrics',
      module: 'k8s.io/kube-state-metrics/v2',
      version: ksm.version,
      displayVersion: ksm.version.replace(/^v/, ''),
      binaries: { 'kube-state-metrics': '.' },
      versionPackage: PROMETHEUS_COMMON_VERSION,
      image: 'kubeStateMetrics',
    },
    {
      name: 'prometheus-config-reloader',
      module: 'github.com/prometheus-operator/prometheus-operator',
      version: reloader.version,
      displayVersion: reloader.version.replace(/^v/, ''),
      binaries: { 'prometheus-config-reloader': './cmd/prometheus-config-reloader' },
      versionPackage: PROMETHEUS_COMMON_VERSION,
      image: 'configReloader',
    },
    {
      name: 'kustomize',
      module: 'sigs.k8s.io/kustomize/kustomize/v5',
      version: KUSTOMIZE_VERSION,
      displayVersion: KUSTOMIZE_VERSION,
      binaries: { kustomize: '.' },
      extraLdflags: [`sigs.k8s.io/kustomize/api/provenance.version=${KUSTOMIZE_VERSION}`],
    },
    {
      name: 'netpol-analyzer',
      module: 'github.com/np-guard/netpol-analyzer',
      version: NETPOL_ANALYZER_VERSION,
      displayVersion: NETPOL_ANALYZER_VERSION,
      binaries: { k8snetpolicy: './cmd/netpolicy' },
    },
    {
      name: 'kube-apiserver',
      module: 'k8s.io/kubernetes',
      version: KUBERNETES_VERSION,
      displayVersion: KUBERNETES_VERSION,
      binaries: { 'kube-apiserver': './cmd/kube-apiserver' },
      // go.mod replaces every k8s.io staging module with ./staging/src/k8s.io/..., which the
      // module zip leaves out: the published modules of the same release stand in for them.
      replaceVersion: kubernetesStagingVersion(KUBERNETES_VERSION),
      extraLdflags: [
        `k8s.io/component-base/version.gitVersion=${KUBERNETES_VERSION}`,
        `k8s.io/component-base/version.gitMajor=${semver(KUBERNETES_VERSION)[0]}`,
        `k8s.io/component-base/version.gitMinor=${semver(KUBERNETES_VERSION)[1]}`,
        'k8s.io/component-base/version.gitTreeState=clean',
      ],
    },
    {
      name: 'etcd',
      module: 'go.etcd.io/etcd/server/v3',
      version: ETCD_VERSION,
      displayVersion: ETCD_VERSION,
      // server/main.go is etcd's entry point; its go.mod replaces the sibling modules
      // (../api, ../client/v3, ../pkg, ...), which are tagged with the release.
      binaries: { etcd: '.' },
    },
  ];
}

/** Where built tools are cached: `$OBS_STACK_TOOLS_CACHE`, else `$XDG_CACHE_HOME` or `~/.cache`, `/observability-stack/tools`. */
export function toolsCacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.OBS_STACK_TOOLS_CACHE) return env.OBS_STACK_TOOLS_CACHE;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'observability-stack', 'tools');
}

/** The folder of one tool at one version. */
export function toolDir(spec: ToolSpec, root = toolsCacheRoot()): string {
  const tags = spec.buildTags?.length ? `-tags-${spec.buildTags.join('.')}` : '';
  return join(root, `${spec.name}-${spec.version}${tags}`);
}

/**
 * The folder holding every binary of this tool set (symlinks into the per-version folders),
 * named after the set's content: another set of versions gets another folder.
 */
export function toolSetDir(specs: readonly ToolSpec[] = toolSpecs(), root = toolsCacheRoot()): string {
  const key = createHash('sha256')
    .update(specs.map((s) => `${s.name}@${s.version}:${Object.keys(s.binaries).join(',')}${s.buildTags?.length ? `:tags=${s.buildTags.join(',')}` : ''}`).join('\n'))
    .digest('hex')
    .slice(0, 12);
  return join(root, `set-${key}`);
}
