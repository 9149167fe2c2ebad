import { stringify } from 'yaml';
import { emitYaml } from './yaml-emitter';

/** The `yaml` options whose output the emitter reproduces byte for byte. */
const YAML_OPTIONS = {
  lineWidth: 0,
  minContentWidth: 0,
  aliasDuplicateObjects: false,
  indentSeq: true,
} as const;

/**
 * Deterministic YAML text for config files and manifests: no line folding, no anchors,
 * keys in the order the object was built (renderers build objects in a fixed order).
 *
 * Plain data goes through a dedicated emitter (./yaml-emitter.ts, several times faster
 * than `yaml`, which was most of the synth's time); anything it does not reproduce exactly
 * (yaml's own nodes such as a quoted `Scalar`, Map, Date, class instances, ...) is rendered
 * by `yaml` itself, so the text is the same either way.
 */
export function toYaml(value: unknown): string {
  return emitYaml(value) ?? toYamlWithLibrary(value);
}

/** Several documents, separated by `---`, each deterministic. */
export function toYamlDocuments(values: readonly unknown[]): string {
  return values.map((v) => toYaml(v)).join('---\n');
}

/** The reference: `yaml`'s stringify with the same options (tests and benchmarks compare against it). */
export function toYamlWithLibrary(value: unknown): string {
  return stringify(value, YAML_OPTIONS);
}
