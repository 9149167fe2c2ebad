import { stringify } from 'yaml';

/**
 * Deterministic YAML text for config files and manifests: no line folding, no anchors,
 * keys in the order the object was built (renderers build objects in a fixed order).
 */
export function toYaml(value: unknown): string {
  return stringify(value, {
    lineWidth: 0,
    minContentWidth: 0,
    aliasDuplicateObjects: false,
    indentSeq: true,
  });
}

/** Several documents, separated by `---`, each deterministic. */
export function toYamlDocuments(values: readonly unknown[]): string {
  return values.map((v) => toYaml(v)).join('---\n');
}
