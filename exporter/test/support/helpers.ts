import { request } from 'http';
import { createServer } from 'net';

/** Value of one exact series (`name{labels}`) in Prometheus text, or undefined. */
export function sample(text: string, series: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith(series + ' ')) return Number(line.slice(series.length + 1));
  }
  return undefined;
}

/** All sample lines of a metric name (without _bucket/_sum/_count variants). */
export function seriesOf(text: string, name: string): string[] {
  return text.split('\n').filter((l) => l.startsWith(name + '{') || l.startsWith(name + ' '));
}

/** Sum of all samples of a metric name. */
export function sumOf(text: string, name: string): number {
  return seriesOf(text, name).reduce((s, l) => s + Number(l.split(' ').pop()), 0);
}

/** Metric families of a text exposition, without runtime metrics (process_, nodejs_). */
export function withoutRuntime(text: string): string {
  return text
    .split('\n')
    .filter((l) => !/^(# (HELP|TYPE) )?(process_|nodejs_)/.test(l))
    .join('\n');
}

export interface HttpResult {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** A plain HTTP request (no keep-alive), for tests. */
export function http(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string | Buffer; localAddress?: string } = {},
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const length = options.body === undefined || options.headers?.['transfer-encoding'] ? {} : { 'content-length': String(Buffer.byteLength(options.body)) };
    const req = request(url, { method: options.method ?? 'GET', headers: { connection: 'close', ...length, ...options.headers }, localAddress: options.localAddress }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<HttpResult & { json: Record<string, unknown> }> {
  const r = await http(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { ...r, json: JSON.parse(r.body) as Record<string, unknown> };
}

/** A TCP port that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}
