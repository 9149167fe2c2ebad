/**
 * The few API calls a server-side dry run needs, over plain HTTPS: discovery (kind -> resource),
 * server-side apply (what `kubectl apply --server-side` sends) with or without `dryRun=All`, and
 * create. Warnings come back as `Warning` headers (RFC 7234 299), one per header; they are read
 * from the raw headers, because Node joins repeated headers with ", " and the messages contain
 * commas.
 */
import { IncomingHttpHeaders } from 'http';
import { request } from 'https';

export interface ObjectRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string };
}

export interface ApiAnswer {
  readonly status: number;
  /** The parsed JSON body (a Status on errors), or the text if it is not JSON. */
  readonly body: any;
  /** The warnings of `Warning: 299 - "..."` headers, unquoted, in order. */
  readonly warnings: readonly string[];
}

interface ResourceInfo {
  readonly name: string;
  readonly namespaced: boolean;
}

/** `299 - "would violate PodSecurity ..."` -> `would violate PodSecurity ...`. */
export function parseWarningHeader(value: string): string {
  const m = /^\d{3}\s+\S+\s+"((?:[^"\\]|\\.)*)"/.exec(value);
  return m ? m[1].replace(/\\(.)/g, '$1') : value;
}

export class ApiClient {
  private readonly resources = new Map<string, Map<string, ResourceInfo>>();

  constructor(
    readonly url: string,
    private readonly token: string,
    private readonly ca: string,
    /** The field manager the applies are made as. */
    private readonly fieldManager = 'observability-stack',
  ) {}

  call(method: string, path: string, body?: string, contentType = 'application/json'): Promise<ApiAnswer> {
    return new Promise((resolve, reject) => {
      const req = request(
        `${this.url}${path}`,
        {
          method,
          ca: this.ca,
          headers: {
            authorization: `Bearer ${this.token}`,
            accept: 'application/json',
            ...(body !== undefined ? { 'content-type': contentType, 'content-length': Buffer.byteLength(body) } : {}),
          },
          timeout: 60_000,
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => {
            const warnings: string[] = [];
            for (let i = 0; i < res.rawHeaders.length; i += 2) {
              if (res.rawHeaders[i].toLowerCase() === 'warning') warnings.push(parseWarningHeader(res.rawHeaders[i + 1]));
            }
            let parsed: unknown = text;
            if ((res.headers as IncomingHttpHeaders)['content-type']?.includes('json')) {
              try {
                parsed = JSON.parse(text);
              } catch {
                parsed = text;
              }
            }
            resolve({ status: res.statusCode ?? 0, body: parsed, warnings });
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer in 60 s`)));
      req.on('error', reject);
      if (body !== undefined) req.write(body);
      req.end();
    });
  }

  /** The resources of one group/version, from discovery (cached; `refresh` after adding CRDs). */
  private async groupVersion(apiVersion: string, refresh = false): Promise<Map<string, ResourceInfo>> {
    const cached = this.resources.get(apiVersion);
    if (cached && !refresh) return cached;
    const path = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    const answer = await this.call('GET', path);
    const map = new Map<string, ResourceInfo>();
    if (answer.status === 200) {
      for (const r of (answer.body as { resources: { name: string; kind: string; namespaced: boolean }[] }).resources) {
        if (!r.name.includes('/')) map.set(r.kind, { name: r.name, namespaced: r.namespaced });
      }
    } else if (answer.status !== 404) {
      throw new Error(`discovery of ${apiVersion}: HTTP ${answer.status} ${JSON.stringify(answer.body)}`);
    }
    this.resources.set(apiVersion, map);
    return map;
  }

  /** The URL path of an object's collection (with `name`, of the object); throws for an unknown kind. */
  async pathOf(obj: ObjectRef, withName: boolean): Promise<string> {
    let info = (await this.groupVersion(obj.apiVersion)).get(obj.kind);
    if (!info) info = (await this.groupVersion(obj.apiVersion, true)).get(obj.kind);
    if (!info) throw new Error(`the API server serves no kind ${obj.kind} in ${obj.apiVersion}`);
    const base = obj.apiVersion.includes('/') ? `/apis/${obj.apiVersion}` : `/api/${obj.apiVersion}`;
    const ns = info.namespaced ? `/namespaces/${encodeURIComponent(obj.metadata.namespace ?? 'default')}` : '';
    return `${base}${ns}/${info.name}${withName ? `/${encodeURIComponent(obj.metadata.name)}` : ''}`;
  }

  /** Server-side apply (`kubectl apply --server-side --force-conflicts`), dry run unless `dryRun: false`. */
  async apply(obj: ObjectRef, opts: { dryRun?: boolean } = {}): Promise<ApiAnswer> {
    const q = new URLSearchParams({ fieldManager: this.fieldManager, force: 'true', fieldValidation: 'Strict' });
    if (opts.dryRun !== false) q.set('dryRun', 'All');
    return this.call('PATCH', `${await this.pathOf(obj, true)}?${q}`, JSON.stringify(obj), 'application/apply-patch+yaml');
  }

  /** Create, dry run unless `dryRun: false`. */
  async create(obj: ObjectRef, opts: { dryRun?: boolean } = {}): Promise<ApiAnswer> {
    const q = new URLSearchParams({ fieldManager: this.fieldManager, fieldValidation: 'Strict' });
    if (opts.dryRun !== false) q.set('dryRun', 'All');
    return this.call('POST', `${await this.pathOf(obj, false)}?${q}`, JSON.stringify(obj));
  }

  async delete(obj: ObjectRef): Promise<ApiAnswer> {
    return this.call('DELETE', await this.pathOf(obj, true));
  }

  async get(obj: ObjectRef): Promise<ApiAnswer> {
    return this.call('GET', await this.pathOf(obj, true));
  }
}

/** The message of a failed answer (the Status's message, else the body). */
export function failureMessage(answer: ApiAnswer): string {
  const b = answer.body as { kind?: string; message?: string } | string;
  return typeof b === 'object' && b && b.message ? b.message : `HTTP ${answer.status}: ${typeof b === 'string' ? b : JSON.stringify(b)}`;
}
