import { parseAllDocuments } from 'yaml';
import { Slo, SloAlertDeclaration, SloDeclaration, SloValidationError } from './model';
import { ValidateOptions, validateSlos } from './validate';

/**
 * Reader of Sloth `prometheus/v1` spec files (https://sloth.dev/specs/prometheus/v1/) into
 * `SloDeclaration`s, the same model a TypeScript declaration produces.
 *
 * Stricter than Sloth where that catches real mistakes: an unknown field (a typo such as
 * `objetive`, or Sloth's `sli.plugin`, which this generator does not run) is an error
 * naming its path instead of being silently ignored. Several specs in one file
 * (YAML documents separated by `---`) are read like Sloth reads them.
 */

export interface ReadSlothSpecOptions {
  /** Name of the file, for error messages. @default 'spec' */
  readonly source?: string;
  /** SLO period for every SLO of the file (Sloth's `--default-slo-period`). @default '30d' */
  readonly period?: string;
}

type Yaml = string | Yaml[] | { [k: string]: Yaml } | null;

const SPEC_KEYS = ['version', 'service', 'labels', 'slos'];
const SLO_KEYS = ['name', 'objective', 'description', 'labels', 'sli', 'alerting'];
const SLI_KEYS = ['events', 'raw'];
const EVENTS_KEYS = ['error_query', 'total_query'];
const RAW_KEYS = ['error_ratio_query'];
const ALERTING_KEYS = ['name', 'labels', 'annotations', 'page_alert', 'ticket_alert'];
const ALERT_KEYS = ['disable', 'labels', 'annotations'];

/** Field names in messages as the YAML file spells them. */
const YAML_NAMES: ReadonlyArray<readonly [RegExp, string]> = [
  [/\berrorRatioQuery\b/g, 'error_ratio_query'],
  [/\berrorQuery\b/g, 'error_query'],
  [/\btotalQuery\b/g, 'total_query'],
  [/\bpageAlert\b/g, 'page_alert'],
  [/\bticketAlert\b/g, 'ticket_alert'],
];

function yamlNames(message: string): string {
  return YAML_NAMES.reduce((m, [re, name]) => m.replace(re, name), message);
}

function isMap(v: Yaml | undefined): v is { [k: string]: Yaml } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

class Reader {
  readonly problems: string[] = [];

  map(v: Yaml | undefined, at: string, keys: readonly string[]): { [k: string]: Yaml } | undefined {
    if (v === undefined || v === null || v === '') return undefined;
    if (!isMap(v)) {
      this.problems.push(`${at}: expected a mapping`);
      return undefined;
    }
    for (const k of Object.keys(v)) {
      if (!keys.includes(k)) {
        const hint = k === 'plugin' ? ' (SLI plugins are not supported; write the query as events or raw)' : '';
        this.problems.push(`${at === '' ? '' : `${at}.`}${k}: unknown field${hint}; known fields: ${keys.join(', ')}`);
      }
    }
    return v;
  }

  string(v: Yaml | undefined, at: string): string | undefined {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') {
      this.problems.push(`${at}: expected a string`);
      return undefined;
    }
    return v;
  }

  /** Label and annotation maps: scalars are read as written, like Sloth (yaml.v2) does (`tier: 2` is "2"). */
  labels(v: Yaml | undefined, at: string): Record<string, string> | undefined {
    if (v === undefined || v === null || v === '') return undefined;
    if (!isMap(v)) {
      this.problems.push(`${at}: expected a mapping of names to values`);
      return undefined;
    }
    const out: Record<string, string> = {};
    for (const [k, val] of Object.entries(v)) {
      if (typeof val !== 'string') this.problems.push(`${at}.${k}: expected a string value`);
      else out[k] = val;
    }
    return out;
  }

  number(v: Yaml | undefined, at: string): number | undefined {
    if (v === undefined || v === null) {
      this.problems.push(`${at}: required, the target in percent, e.g. 99.9`);
      return undefined;
    }
    if (typeof v !== 'string' || !/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(v.trim())) {
      this.problems.push(`${at}: ${JSON.stringify(v)} is not a number; give the target in percent, e.g. 99.9`);
      return undefined;
    }
    return Number(v);
  }

  bool(v: Yaml | undefined, at: string): boolean | undefined {
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v === 'string') {
      if (/^(true|yes|on)$/i.test(v)) return true;
      if (/^(false|no|off)$/i.test(v)) return false;
    }
    this.problems.push(`${at}: expected true or false`);
    return undefined;
  }

  alert(v: Yaml | undefined, at: string): SloAlertDeclaration | undefined {
    const m = this.map(v, at, ALERT_KEYS);
    if (!m) return undefined;
    const disable = this.bool(m.disable, `${at}.disable`);
    const labels = this.labels(m.labels, `${at}.labels`);
    const annotations = this.labels(m.annotations, `${at}.annotations`);
    return {
      ...(disable !== undefined ? { disable } : {}),
      ...(labels ? { labels } : {}),
      ...(annotations ? { annotations } : {}),
    };
  }

  slo(v: Yaml, at: string, service: string, serviceLabels: Record<string, string> | undefined, period: string | undefined): SloDeclaration | undefined {
    const m = this.map(v, at, SLO_KEYS);
    if (!m) {
      if (v === null || v === '') this.problems.push(`${at}: empty SLO`);
      return undefined;
    }
    const name = this.string(m.name, `${at}.name`) ?? '';
    const objective = this.number(m.objective, `${at}.objective`);
    const description = this.string(m.description, `${at}.description`);
    const labels = this.labels(m.labels, `${at}.labels`);
    const sliMap = this.map(m.sli, `${at}.sli`, SLI_KEYS);
    let sli: SloDeclaration['sli'] | undefined;
    if (!sliMap) {
      this.problems.push(`${at}.sli: required, with events {error_query, total_query} or raw {error_ratio_query}`);
    } else if (sliMap.events !== undefined && sliMap.raw !== undefined) {
      this.problems.push(`${at}.sli: has both events and raw; keep exactly one`);
    } else if (sliMap.events !== undefined) {
      const ev = this.map(sliMap.events, `${at}.sli.events`, EVENTS_KEYS) ?? {};
      sli = {
        events: {
          errorQuery: this.string(ev.error_query, `${at}.sli.events.error_query`) ?? '',
          totalQuery: this.string(ev.total_query, `${at}.sli.events.total_query`) ?? '',
        },
      };
    } else if (sliMap.raw !== undefined) {
      const raw = this.map(sliMap.raw, `${at}.sli.raw`, RAW_KEYS) ?? {};
      sli = { raw: { errorRatioQuery: this.string(raw.error_ratio_query, `${at}.sli.raw.error_ratio_query`) ?? '' } };
    } else if (sliMap.plugin === undefined) {
      this.problems.push(`${at}.sli: needs events {error_query, total_query} or raw {error_ratio_query}`);
    }
    const al = this.map(m.alerting, `${at}.alerting`, ALERTING_KEYS);
    const alertName = al ? this.string(al.name, `${at}.alerting.name`) : undefined;
    const alertLabels = al ? this.labels(al.labels, `${at}.alerting.labels`) : undefined;
    const alertAnnotations = al ? this.labels(al.annotations, `${at}.alerting.annotations`) : undefined;
    const pageAlert = al ? this.alert(al.page_alert, `${at}.alerting.page_alert`) : undefined;
    const ticketAlert = al ? this.alert(al.ticket_alert, `${at}.alerting.ticket_alert`) : undefined;
    if (objective === undefined || !sli) return undefined;
    const mergedLabels = { ...(serviceLabels ?? {}), ...(labels ?? {}) };
    return {
      service,
      name,
      objective,
      ...(description !== undefined ? { description } : {}),
      ...(Object.keys(mergedLabels).length > 0 ? { labels: mergedLabels } : {}),
      sli,
      alerting: {
        ...(alertName !== undefined ? { name: alertName } : {}),
        ...(alertLabels ? { labels: alertLabels } : {}),
        ...(alertAnnotations ? { annotations: alertAnnotations } : {}),
        ...(pageAlert ? { pageAlert } : {}),
        ...(ticketAlert ? { ticketAlert } : {}),
      },
      ...(period !== undefined ? { period } : {}),
    };
  }
}

interface SpecDocument {
  /** Prefix of field paths: `` for a single-document file, `documents[i].` otherwise. */
  readonly prefix: string;
  readonly declarations: SloDeclaration[];
}

function readDocuments(text: string, options: ReadSlothSpecOptions): SpecDocument[] {
  const source = options.source ?? 'spec';
  const docs = parseAllDocuments(text, { schema: 'failsafe', uniqueKeys: true });
  const problems: string[] = [];
  const parsed: Array<{ index: number; value: Yaml }> = [];
  docs.forEach((doc, index) => {
    if (doc.errors.length > 0) {
      problems.push(`${source}: invalid YAML: ${doc.errors[0].message.split('\n')[0]}`);
      return;
    }
    const value = doc.toJS() as Yaml;
    if (value === null || value === '') return; // empty document (e.g. a leading `---`)
    parsed.push({ index, value });
  });
  if (problems.length > 0) throw new SloValidationError(problems);
  if (parsed.length === 0) throw new SloValidationError([`${source}: no spec found; expected \`version: "prometheus/v1"\`, service and slos`]);
  const multi = parsed.length > 1;
  const out: SpecDocument[] = parsed.map(({ value }, i) => {
    const prefix = multi ? `documents[${i}].` : '';
    const r = new Reader();
    const spec = r.map(value, prefix.replace(/\.$/, ''), SPEC_KEYS);
    const declarations: SloDeclaration[] = [];
    if (!spec) {
      problems.push(`${source}: ${prefix}expected a Sloth prometheus/v1 spec (a mapping with version, service, slos)`);
      return { prefix, declarations };
    }
    if (spec.version !== 'prometheus/v1') {
      const got = typeof spec.version === 'string' ? `"${spec.version}"` : 'missing';
      const k8s = isMap(value) && value.kind === 'PrometheusServiceLevel' ? ' (the Kubernetes PrometheusServiceLevel form is not supported; use its spec as a prometheus/v1 file)' : '';
      problems.push(`${source}: ${prefix}version: ${got}; only "prometheus/v1" specs are supported${k8s}`);
      return { prefix, declarations };
    }
    const service = r.string(spec.service, `${prefix}service`) ?? '';
    const labels = r.labels(spec.labels, `${prefix}labels`);
    if (!Array.isArray(spec.slos) || spec.slos.length === 0) {
      r.problems.push(`${prefix}slos: at least one SLO is required`);
    } else {
      spec.slos.forEach((s, j) => {
        const d = r.slo(s, `${prefix}slos[${j}]`, service, labels, options.period);
        if (d) declarations.push(d);
      });
    }
    problems.push(...r.problems.map((p) => `${source}: ${p}`));
    return { prefix, declarations };
  });
  if (problems.length > 0) throw new SloValidationError(problems);
  return out;
}

/** Read a Sloth `prometheus/v1` spec file (one or more YAML documents) into declarations. */
export function readSlothSpec(text: string, options: ReadSlothSpecOptions = {}): SloDeclaration[] {
  return readDocuments(text, options).flatMap((d) => d.declarations);
}

/**
 * Read and validate a Sloth spec file: the declarations of every document, validated into
 * the model. Problems name the YAML path (`getting-started.yml: slos[0].sli.events.error_query: ...`).
 */
export function loadSlothSpec(text: string, options: ReadSlothSpecOptions & ValidateOptions = {}): Slo[] {
  const source = options.source ?? 'spec';
  const docs = readDocuments(text, options);
  const problems: string[] = [];
  const slos: Slo[] = [];
  for (const doc of docs) {
    try {
      slos.push(...validateSlos(doc.declarations, { ...options, path: `${doc.prefix}slos` }));
    } catch (e) {
      if (!(e instanceof SloValidationError)) throw e;
      problems.push(...e.problems.map((p) => `${source}: ${yamlNames(p)}`));
    }
  }
  const seen = new Set<string>();
  for (const slo of slos) {
    if (seen.has(slo.id)) problems.push(`${source}: SLO id "${slo.id}" (service-name) appears twice; SLO ids must be unique`);
    seen.add(slo.id);
  }
  if (problems.length > 0) throw new SloValidationError(problems);
  return slos;
}
