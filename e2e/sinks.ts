import { execFileSync } from 'child_process';
import { createServer as createHttpServer, IncomingMessage, Server as HttpServer } from 'http';
import { createServer as createTcpServer, Server as TcpServer, Socket } from 'net';
import { join } from 'path';
import { readFileSync } from 'fs';
import { createSecureContext, TLSSocket } from 'tls';
import type { Sinks as SinkTargets } from './transform';

/**
 * Local stand-ins for the receivers' services; each records what it receives, with the time.
 * - Slack: `POST /slack` (an incoming webhook; the receiver is told apart by `channel`).
 * - PagerDuty: `POST /pagerduty/v2/enqueue` (Events API v2; checks the routing key).
 * - Webhook: `POST /webhook` (checks the bearer token).
 * - Dead man's switch: `POST /deadmans-switch` (the URL is the credential; no token): its
 *   pings are kept apart in `pings` (they repeat by design, so they are not notifications).
 * - SMTP: ESMTP with STARTTLS (a certificate made for the run) and AUTH PLAIN (checks the
 *   user and password), then MAIL/RCPT/DATA: what Alertmanager's email notifier speaks with
 *   `require_tls: true` and `auth_password_file`.
 */

export type SinkKind = 'slack' | 'pagerduty' | 'webhook' | 'email';

export interface Delivery {
  readonly kind: SinkKind;
  /** Milliseconds since the sinks started. */
  readonly at: number;
  /** Slack channel, PagerDuty dedup key, webhook receiver, email recipients. */
  readonly key: string;
  readonly body: any;
  /** Problems with the request (wrong credentials, ...); the sink still answers 2xx. */
  readonly problems: readonly string[];
}

export interface SinkExpectations {
  readonly pagerdutyRoutingKey: string;
  readonly webhookToken: string;
  readonly smtpUser?: string;
  readonly smtpPassword: string;
}

export interface EmailMessage {
  readonly from: string;
  readonly to: readonly string[];
  readonly tls: boolean;
  readonly authUser?: string;
  readonly subject: string;
  readonly headers: Record<string, string>;
  /** The body, quoted-printable decoded. */
  readonly text: string;
}

/** One ping of the dead man's switch: when, and the alerts and status it carried. */
export interface Ping {
  readonly at: number;
  readonly receiver: string;
  readonly status: string;
  readonly alertnames: readonly string[];
  /** The alerts' labels (a fleet's switches: each with its own cluster's Watchdog). */
  readonly labels: readonly Readonly<Record<string, string>>[];
  /** The sending Alertmanager's external URL (tells the two replicas apart). */
  readonly sender: string;
}

export class Sinks {
  readonly deliveries: Delivery[] = [];
  readonly pings: Ping[] = [];
  private readonly t0 = Date.now();
  private http?: HttpServer;
  private smtp?: TcpServer;
  private readonly sockets = new Set<Socket>();
  httpPort = 0;
  smtpPort = 0;
  /** Self-signed certificate of the SMTP sink (also its CA file). */
  readonly certFile: string;
  private readonly keyFile: string;

  constructor(
    dir: string,
    private readonly expect: SinkExpectations,
  ) {
    this.certFile = join(dir, 'smtp-cert.pem');
    this.keyFile = join(dir, 'smtp-key.pem');
  }

  get urls() {
    const base = `http://127.0.0.1:${this.httpPort}`;
    return {
      slack: `${base}/slack`,
      pagerduty: `${base}/pagerduty/v2/enqueue`,
      webhook: `${base}/webhook`,
      deadmansSwitch: `${base}/deadmans-switch`,
      smarthost: `127.0.0.1:${this.smtpPort}`,
      received: `${base}/received`,
    };
  }

  /** Where a local Alertmanager config sends each receiver (localAlertmanagerConfig's `sinks`); the dead man's switch pings its own path (a heartbeat URL takes no bearer token). */
  targets(): SinkTargets {
    const u = this.urls;
    return { slackUrl: u.slack, pagerdutyUrl: u.pagerduty, webhookUrl: u.webhook, deadMansSwitchUrl: u.deadmansSwitch, smarthost: u.smarthost, smtpCaFile: this.certFile };
  }

  of(kind: SinkKind): Delivery[] {
    return this.deliveries.filter((d) => d.kind === kind);
  }

  /** Called with every delivery as it arrives (the demo prints them). */
  onDelivery?: (d: Delivery) => void;

  private record(kind: SinkKind, key: string, body: unknown, problems: string[]): void {
    const d: Delivery = { kind, at: Date.now() - this.t0, key, body, problems };
    this.deliveries.push(d);
    this.onDelivery?.(d);
  }

  async start(ports: { http: number; smtp: number }): Promise<void> {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', this.keyFile, '-out', this.certFile, '-days', '2', '-subj', '/CN=e2e-smtp-sink', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'pipe' });
    this.http = createHttpServer((req, res) => {
      void this.handleHttp(req).then(
        ([status, body]) => {
          res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json' });
          res.end(typeof body === 'string' ? body : JSON.stringify(body));
        },
        (e: Error) => {
          res.writeHead(500);
          res.end(e.message);
        },
      );
    });
    this.http.on('connection', (s) => this.track(s));
    await new Promise<void>((resolve, reject) => {
      this.http!.once('error', reject);
      this.http!.listen(ports.http, '127.0.0.1', () => resolve());
    });
    this.httpPort = (this.http.address() as { port: number }).port;
    const secureContext = createSecureContext({ key: readFileSync(this.keyFile), cert: readFileSync(this.certFile) });
    this.smtp = createTcpServer((socket) => {
      this.track(socket);
      new SmtpSession(socket, secureContext, this.expect, (m, problems) => this.record('email', m.to.join(','), m, problems), (s) => this.track(s));
    });
    await new Promise<void>((resolve, reject) => {
      this.smtp!.once('error', reject);
      this.smtp!.listen(ports.smtp, '127.0.0.1', () => resolve());
    });
    this.smtpPort = (this.smtp.address() as { port: number }).port;
  }

  private track(s: Socket): void {
    this.sockets.add(s);
    s.on('close', () => this.sockets.delete(s));
  }

  private async handleHttp(req: IncomingMessage): Promise<[number, unknown]> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = (req.url ?? '').split('?')[0];
    if (req.method === 'GET' && url === '/received') return [200, this.deliveries];
    if (req.method !== 'POST') return [405, 'POST only'];
    let body: any;
    try {
      body = JSON.parse(raw);
    } catch {
      return [400, 'not JSON'];
    }
    const problems: string[] = [];
    if (url === '/slack') {
      if (typeof body.channel !== 'string') problems.push('no channel');
      this.record('slack', String(body.channel), body, problems);
      return [200, 'ok'];
    }
    if (url === '/pagerduty/v2/enqueue') {
      if (body.routing_key !== this.expect.pagerdutyRoutingKey) problems.push(`routing_key "${body.routing_key}" is not the one in the Secret`);
      if (!['trigger', 'acknowledge', 'resolve'].includes(body.event_action)) problems.push(`event_action "${body.event_action}"`);
      this.record('pagerduty', String(body.dedup_key), body, problems);
      return [202, { status: 'success', message: 'Event processed', dedup_key: body.dedup_key }];
    }
    if (url === '/webhook') {
      if (req.headers.authorization !== `Bearer ${this.expect.webhookToken}`) problems.push(`authorization header "${req.headers.authorization ?? ''}" does not carry the token from the Secret`);
      this.record('webhook', String(body.receiver), body, problems);
      return [200, 'ok'];
    }
    if (url === '/deadmans-switch') {
      const alerts = (body.alerts ?? []) as { labels?: Record<string, string> }[];
      this.pings.push({ at: Date.now() - this.t0, receiver: String(body.receiver), status: String(body.status), alertnames: alerts.map((a) => String(a.labels?.alertname)), labels: alerts.map((a) => ({ ...a.labels })), sender: String(body.externalURL) });
      return [200, 'ok'];
    }
    return [404, `no sink at ${url}`];
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await Promise.all(
      [this.http, this.smtp].filter((s): s is HttpServer | TcpServer => !!s).map((s) => new Promise((r) => s.close(() => r(undefined)))),
    );
  }
}

// ---------------------------------------------------------------------------------------

/** RFC 2047 encoded words (`=?utf-8?q?...?=`, `=?utf-8?b?...?=`), as Go's mime package writes them. */
export function decodeEncodedWords(value: string): string {
  return value.replace(/=\?([^?]+)\?([qQbB])\?([^?]*)\?=\s*/g, (_m, _charset: string, enc: string, text: string) => {
    if (enc.toLowerCase() === 'b') return Buffer.from(text, 'base64').toString('utf8');
    const bytes = text.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (_x, h: string) => String.fromCharCode(parseInt(h, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8');
  });
}

/** Quoted-printable decoding (soft line breaks and `=XX`). */
export function decodeQuotedPrintable(text: string): string {
  const bytes = text.replace(/=\r?\n/g, '').replace(/=([0-9A-Fa-f]{2})/g, (_x, h: string) => String.fromCharCode(parseInt(h, 16)));
  return Buffer.from(bytes, 'latin1').toString('utf8');
}

/** Headers (unfolded, names lower-cased) and body of an RFC 5322 message. */
export function parseMessage(raw: string): { headers: Record<string, string>; body: string } {
  const split = raw.search(/\r?\n\r?\n/);
  const head = split < 0 ? raw : raw.slice(0, split);
  const body = split < 0 ? '' : raw.slice(split).replace(/^\r?\n\r?\n/, '');
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = decodeEncodedWords(line.slice(i + 1).trim());
  }
  return { headers, body };
}

class SmtpSession {
  private buffer = '';
  private tls = false;
  private authUser?: string;
  private from = '';
  private to: string[] = [];
  private data?: string[];
  private socket: Socket;
  private problems: string[] = [];

  constructor(
    socket: Socket,
    private readonly secureContext: ReturnType<typeof createSecureContext>,
    private readonly expect: SinkExpectations,
    private readonly onMessage: (m: EmailMessage, problems: string[]) => void,
    private readonly track: (s: Socket) => void,
  ) {
    this.socket = socket;
    this.attach(socket);
    this.reply('220 e2e-smtp-sink ESMTP');
  }

  private attach(s: Socket): void {
    s.setEncoding('utf8');
    s.on('data', (chunk: string) => this.onData(chunk));
    s.on('error', () => undefined);
  }

  private reply(line: string): void {
    if (!this.socket.destroyed) this.socket.write(`${line}\r\n`);
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    let i: number;
    while ((i = this.buffer.indexOf('\r\n')) >= 0) {
      const line = this.buffer.slice(0, i);
      this.buffer = this.buffer.slice(i + 2);
      if (this.onLine(line) === 'starttls') return;
    }
  }

  private onLine(line: string): 'starttls' | void {
    if (this.data) {
      if (line === '.') {
        this.finishMessage(this.data.join('\r\n'));
        this.data = undefined;
        this.reply('250 2.0.0 queued');
      } else {
        this.data.push(line.startsWith('..') ? line.slice(1) : line);
      }
      return;
    }
    const [verb, ...rest] = line.split(' ');
    const arg = rest.join(' ');
    switch (verb.toUpperCase()) {
      case 'EHLO':
        if (this.tls) this.socket.write('250-e2e-smtp-sink\r\n250-AUTH PLAIN\r\n250 8BITMIME\r\n');
        else this.socket.write('250-e2e-smtp-sink\r\n250-STARTTLS\r\n250 8BITMIME\r\n');
        return;
      case 'HELO':
        return this.reply('250 e2e-smtp-sink');
      case 'STARTTLS': {
        if (this.tls) return this.reply('503 5.5.1 TLS already active');
        this.reply('220 2.0.0 Ready to start TLS');
        const plain = this.socket;
        plain.removeAllListeners('data');
        const secure = new TLSSocket(plain, { isServer: true, secureContext: this.secureContext });
        this.track(secure);
        this.socket = secure;
        this.tls = true;
        this.buffer = '';
        this.attach(secure);
        return 'starttls';
      }
      case 'AUTH': {
        const [mech, initial] = arg.split(' ');
        if (!this.tls) return this.reply('538 5.7.11 Encryption required for requested authentication mechanism');
        if (mech?.toUpperCase() !== 'PLAIN' || !initial) return this.reply('504 5.5.4 only AUTH PLAIN with an initial response');
        const [, user, pass] = Buffer.from(initial, 'base64').toString('utf8').split('\0');
        if ((this.expect.smtpUser !== undefined && user !== this.expect.smtpUser) || pass !== this.expect.smtpPassword) {
          return this.reply('535 5.7.8 Authentication credentials invalid');
        }
        this.authUser = user;
        return this.reply('235 2.7.0 Authentication successful');
      }
      case 'MAIL':
        if (this.expect.smtpUser !== undefined && !this.authUser) return this.reply('530 5.7.0 Authentication required');
        this.from = arg.replace(/^FROM:\s*/i, '').replace(/[<>]/g, '').split(' ')[0];
        this.to = [];
        return this.reply('250 2.1.0 Ok');
      case 'RCPT':
        this.to.push(arg.replace(/^TO:\s*/i, '').replace(/[<>]/g, ''));
        return this.reply('250 2.1.5 Ok');
      case 'DATA':
        if (this.to.length === 0) return this.reply('554 5.5.1 No valid recipients');
        this.data = [];
        return this.reply('354 End data with <CR><LF>.<CR><LF>');
      case 'RSET':
        this.from = '';
        this.to = [];
        return this.reply('250 2.0.0 Ok');
      case 'NOOP':
        return this.reply('250 2.0.0 Ok');
      case 'QUIT':
        this.reply('221 2.0.0 Bye');
        this.socket.end();
        return;
      default:
        return this.reply('502 5.5.2 Command not recognized');
    }
  }

  private finishMessage(raw: string): void {
    const { headers, body } = parseMessage(raw);
    const problems = [...this.problems];
    if (!this.tls) problems.push('message sent without STARTTLS');
    this.onMessage({ from: this.from, to: [...this.to], tls: this.tls, authUser: this.authUser, subject: headers.subject ?? '', headers, text: decodeQuotedPrintable(body) }, problems);
  }
}
