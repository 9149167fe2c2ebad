import { parseAllDocuments } from 'yaml';
import { exampleFleet, production, staging } from '../../lib/config';
import type { FleetConfig, StackConfig } from '../../lib/config';
import { FleetContext, fleetStackConfig, resolveFleet } from '../../lib/fleet/model';
import { OutputFiles, synthesizeAll } from '../../lib/synth';

export const ENVIRONMENTS: readonly StackConfig[] = [staging, production];
export const FLEETS: readonly FleetConfig[] = [exampleFleet];

/** One folder of dist/: an environment's, or a fleet cluster's (`fleet/observer`), with what it was built from. */
export interface Output {
  readonly dir: string;
  readonly config: StackConfig;
  readonly fleet?: FleetContext;
}

/** The folders of a fleet's clusters. */
export function fleetOutputs(fleet: FleetConfig): Output[] {
  const resolved = resolveFleet(fleet);
  return resolved.clusters.map((self) => ({ dir: `${fleet.name}/${self.name}`, config: fleetStackConfig(fleet, self.name), fleet: { fleet: resolved, self } }));
}

/** Every folder the synth writes: the environments, then every fleet's clusters. */
export const OUTPUTS: readonly Output[] = [...ENVIRONMENTS.map((config) => ({ dir: config.environment, config })), ...FLEETS.flatMap(fleetOutputs)];

/** What main.ts passes: the header of the repo's own dist/ files names the repo's command. */
export const REPO_SYNTH_OPTIONS = { regenerateHint: 'change lib/config and run `npm run synth`' } as const;

let cached: OutputFiles | undefined;

/** A fresh in-memory synth of the environments and fleets (cached per test file). */
export function freshSynth(): OutputFiles {
  cached ??= synthesizeAll([...ENVIRONMENTS, ...FLEETS], REPO_SYNTH_OPTIONS);
  return cached;
}

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: any;
  [key: string]: any;
}

export interface LocatedObject {
  readonly file: string;
  readonly object: K8sObject;
}

/** Every object of the synthesized output, with the file it is in. */
export function allObjects(files: OutputFiles = freshSynth()): LocatedObject[] {
  const out: LocatedObject[] = [];
  for (const [file, content] of files) {
    if (file.endsWith('kustomization.yaml')) continue;
    for (const doc of parseAllDocuments(content)) {
      if (doc.errors.length) throw new Error(`${file}: ${doc.errors[0].message}`);
      const object = doc.toJS() as K8sObject | null;
      if (object) out.push({ file, object });
    }
  }
  return out;
}

export function objectsOf(env: string, files: OutputFiles = freshSynth()): LocatedObject[] {
  return allObjects(files).filter((o) => o.file.startsWith(`${env}/`));
}

export function describe(o: LocatedObject): string {
  return `${o.file}: ${o.object.kind}/${o.object.metadata?.namespace ? `${o.object.metadata.namespace}/` : ''}${o.object.metadata?.name}`;
}

/** Returns the single object of a kind and name in an environment. */
export function findObject(env: string, kind: string, name: string, files?: OutputFiles): K8sObject {
  const found = objectsOf(env, files).filter((o) => o.object.kind === kind && o.object.metadata.name === name);
  if (found.length !== 1) throw new Error(`expected one ${kind}/${name} in ${env}, found ${found.length}`);
  return found[0].object;
}
