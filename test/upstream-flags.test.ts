import { spawnSync } from 'child_process';
import { imageTag } from '../scripts/tools/manifest';
import { K8sObject, objectsOf, OUTPUTS } from './support/synth';
import { pinnedTool, toolPath } from './support/tools';

/**
 * Every flag each container passes is accepted by its binary at the pinned version
 * (issue 16). The Prometheus-ecosystem binaries parse flags with kingpin, kube-state-metrics
 * with pflag: both reject an unknown flag (hidden flags are known) or a malformed value while
 * parsing, before any action runs, and `--version` is an action that prints and exits 0. So
 * `<binary> <the container's args> --version` exits 0 exactly when every arg is accepted.
 */

/** Image repository -> the binary its entrypoint runs (the images' ENTRYPOINT). */
const BINARY_OF_IMAGE: Record<string, string> = {
  'quay.io/prometheus/prometheus': 'prometheus',
  'quay.io/prometheus/alertmanager': 'alertmanager',
  'quay.io/thanos/thanos': 'thanos',
  'quay.io/prometheus/node-exporter': 'node_exporter',
  'registry.k8s.io/kube-state-metrics/kube-state-metrics': 'kube-state-metrics',
  'quay.io/prometheus-operator/prometheus-config-reloader': 'prometheus-config-reloader',
};

/**
 * Images whose binaries cannot be built on the project's machines, with the reason. Their
 * flags are checked elsewhere or not at all; the list is exact (a new image must be added to
 * one map or the other).
 */
const NOT_BUILDABLE: Record<string, string> = {
  'docker.io/grafana/grafana': 'AGPL-3.0 Go module (github.com/grafana/grafana): not used on the build machines',
  'docker.io/grafana/loki': 'AGPL-3.0 Go module (github.com/grafana/loki/v3): not used on the build machines',
  'docker.io/grafana/alloy': 'depends on github.com/grafana/loki/v3 (AGPL-3.0)',
  'docker.io/grafana/promtail': 'part of github.com/grafana/loki (AGPL-3.0)',
  'docker.io/fluent/fluentd-kubernetes-daemonset': 'Ruby, not a Go module',
};

/** The stack's own exporter (its image is the environment's `exporter.image`): exporter/test checks its arguments. */
const EXPORTER_REPOS = new Set(OUTPUTS.map((o) => o.config).filter((e) => e.exporter.image).map((e) => repository(e.exporter.image!)));

interface ContainerCase {
  readonly where: string;
  readonly image: string;
  readonly binary: string;
  readonly args: readonly string[];
}

function repository(image: string): string {
  return image.slice(0, image.length - imageTag(image).length - 1);
}

function podSpecOf(o: K8sObject): { containers?: any[]; initContainers?: any[] } | undefined {
  return o.spec?.template?.spec;
}

function containerCases(): { checked: ContainerCase[]; unchecked: Set<string> } {
  const checked: ContainerCase[] = [];
  const unchecked = new Set<string>();
  for (const out of OUTPUTS) {
    for (const { file, object } of objectsOf(out.dir)) {
      const spec = podSpecOf(object);
      if (!spec) continue;
      for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
        const repo = repository(c.image);
        const binary = BINARY_OF_IMAGE[repo];
        if (!binary) {
          if (EXPORTER_REPOS.has(repo)) continue;
          if (!(repo in NOT_BUILDABLE)) throw new Error(`${file}: ${object.kind}/${object.metadata.name} container ${c.name}: image ${c.image} is in neither map of this test`);
          unchecked.add(repo);
          continue;
        }
        // A command naming the image's own binary (the config reloader's) runs that binary with
        // the rest of the command as arguments; any other command is a different program.
        const command: string[] = c.command ?? [];
        if (command.length > 0 && command[0].split('/').pop() !== binary) {
          throw new Error(`${file}: container ${c.name} overrides the entrypoint (${command.join(' ')}); teach this test which binary that is`);
        }
        checked.push({ where: `${file}: ${object.kind}/${object.metadata.name} ${c.name}`, image: c.image, binary, args: [...command.slice(1), ...(c.args ?? [])] });
      }
    }
  }
  return { checked, unchecked };
}

/**
 * The flag that ends the parse with exit 0 once every argument before it is accepted:
 * kingpin's `--version` (a pre-action: it runs after the flags are matched, before their values
 * are converted, so it catches unknown flags, not malformed values); cobra/pflag's `--help`
 * (kube-state-metrics 2.x has a `version` command, no `--version` flag; pflag converts values
 * while parsing, so it also catches malformed values).
 */
const TERMINAL_FLAG: Record<string, string> = { 'kube-state-metrics': '--help' };

function parse(binary: string, args: readonly string[]): { status: number | null; output: string } {
  const res = spawnSync(toolPath(binary), [...args, TERMINAL_FLAG[binary] ?? '--version'], { encoding: 'utf8', timeout: 30_000 });
  return { status: res.status, output: `${res.stdout}${res.stderr}` };
}

const { checked, unchecked } = containerCases();

describe('container flags, checked by the pinned binaries', () => {
  it('covers every Prometheus-ecosystem container of the environments and the fleet\'s clusters, and names the ones it cannot check', () => {
    expect(new Set(checked.map((c) => c.binary))).toEqual(new Set(Object.values(BINARY_OF_IMAGE)));
    expect([...unchecked].sort()).toEqual(
      ['docker.io/grafana/alloy', 'docker.io/grafana/grafana', 'docker.io/grafana/loki'].sort(),
    );
  });

  it.each(checked.map((c) => [c.where, c] as const))('%s: every arg is accepted', (_where, c) => {
    // The binary is the image's version: same tag as the manifest.
    const tool = pinnedTool(c.binary)!;
    expect(tool.displayVersion.replace(/^v/, '')).toBe(imageTag(c.image).replace(/^v/, ''));
    const res = parse(c.binary, c.args);
    const printed = TERMINAL_FLAG[c.binary] === '--help' ? 'Usage:' : tool.displayVersion.replace(/^v/, '');
    expect({ status: res.status, output: res.output }).toEqual({ status: 0, output: expect.stringContaining(printed) });
  });

  describe('the method fails where it must', () => {
    it.each(Object.values(BINARY_OF_IMAGE))('%s: an unknown flag fails the parse', (binary) => {
      const res = parse(binary, ['--no-such-flag-observability-stack=1']);
      expect(res.status).not.toBe(0);
      expect(res.output).toMatch(/unknown (long )?flag/i);
    });

    it('thanos compact rejects --grpc-address (issue 15 item 1: it crash-looped the compactor)', () => {
      const res = parse('thanos', ['compact', '--grpc-address=0.0.0.0:10901']);
      expect(res.status).not.toBe(0);
      expect(res.output).toMatch(/unknown long flag '--grpc-address'/);
    });

    it('kube-state-metrics (pflag) also refuses a malformed value; kingpin binaries check values only when they start', () => {
      expect(parse('kube-state-metrics', ['--port=eighty']).output).toMatch(/invalid argument "eighty" for "--port" flag/);
      expect(parse('kube-state-metrics', ['--port=eighty']).status).not.toBe(0);
      // What this method cannot see, and the rendering tests must: Prometheus converts the
      // value of --web.max-connections only after --version has exited.
      expect(parse('prometheus', ['--web.max-connections=many']).status).toBe(0);
    });
  });
});
