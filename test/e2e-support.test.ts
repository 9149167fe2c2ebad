import { spawn } from 'child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'fs';
import { connect as netConnect, createServer } from 'net';
import { tmpdir } from 'os';
import { join } from 'path';
import { connect as tlsConnect, TLSSocket } from 'tls';
import { freePorts, GUARD_SCRIPT, startService, waitFor } from '../e2e/processes';
import { decodeEncodedWords, decodeQuotedPrintable, parseMessage, Sinks } from '../e2e/sinks';
import { about } from '../e2e/notifications';

/** The e2e harness's own machinery: process guard, ports, polling, sinks. */

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Children of a process, from /proc (no ps needed). */
function childPids(parent: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === parent) out.push(Number(name));
    } catch {
      // gone
    }
  }
  return out;
}

describe('process guard', () => {
  const dir = mkdtempSync(join(tmpdir(), 'e2e-guard-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a signal to the group stops the program; the guard exits only after it, with its status', async () => {
    const s = startService('sleeper', '/usr/bin/sleep', ['300'], { logFile: join(dir, 'a.log') });
    const program = await waitFor('the program to start', async () => childPids(s.pgid).find((p) => readFileSync(`/proc/${p}/cmdline`, 'utf8').startsWith('/usr/bin/sleep')), { timeoutMs: 5000 });
    expect(await s.stop('SIGTERM')).toBe(143);
    expect(alive(program)).toBe(false);
    expect(s.running).toBe(false);
  });

  it('kills the program when the harness goes away (EOF on its stdin pipe), even without any cleanup', async () => {
    const guard = spawn('sh', ['-c', GUARD_SCRIPT, 'guard', '/usr/bin/sleep', '301'], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
    const exited = new Promise((r) => guard.on('exit', r));
    const program = await waitFor('the program to start', async () => childPids(guard.pid!).find((p) => readFileSync(`/proc/${p}/cmdline`, 'utf8').startsWith('/usr/bin/sleep')), { timeoutMs: 5000 });
    guard.stdin!.destroy(); // what the kernel does to the pipe when the harness dies
    await exited;
    expect(alive(program)).toBe(false);
  });

  it('fails clearly when the binary is missing', () => {
    expect(() => startService('x', '/usr/bin/not-installed-anywhere', [], { logFile: join(dir, 'b.log') })).toThrow(/is not installed/);
  });
});

describe('free ports and polling', () => {
  it('gives distinct free loopback ports (TCP and UDP)', async () => {
    const ports = await freePorts(5, { udp: true });
    expect(new Set(ports).size).toBe(5);
    const server = createServer();
    await new Promise<void>((r) => server.listen(ports[0], '127.0.0.1', () => r()));
    await new Promise((r) => server.close(r));
  });

  it('waitFor returns the first value and names what timed out', async () => {
    let n = 0;
    expect(await waitFor('n to reach 3', async () => (++n >= 3 ? n : undefined), { timeoutMs: 2000, intervalMs: 1 })).toBe(3);
    await expect(waitFor('never', async () => undefined, { timeoutMs: 50, intervalMs: 10, describe: () => 'still nothing' })).rejects.toThrow(/waiting for never; last: still nothing/);
  });
});

describe('sinks', () => {
  const dir = mkdtempSync(join(tmpdir(), 'e2e-sinks-'));
  const sinks = new Sinks(dir, { pagerdutyRoutingKey: 'rk', webhookToken: 'tok', smtpUser: 'am@example.com', smtpPassword: 'pw' });
  beforeAll(() => sinks.start({ http: 0, smtp: 0 }));
  afterAll(async () => {
    await sinks.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const post = (url: string, body: unknown, headers: Record<string, string> = {}) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

  it('record Slack, PagerDuty and webhook deliveries, and flag wrong credentials', async () => {
    expect((await post(sinks.urls.slack, { channel: '#c', attachments: [] })).status).toBe(200);
    expect((await post(sinks.urls.pagerduty, { routing_key: 'rk', dedup_key: 'd', event_action: 'trigger' })).status).toBe(202);
    await post(sinks.urls.pagerduty, { routing_key: 'wrong', dedup_key: 'd', event_action: 'trigger' });
    await post(sinks.urls.webhook, { receiver: 'webhook' }, { authorization: 'Bearer tok' });
    await post(sinks.urls.webhook, { receiver: 'webhook' });
    expect(sinks.deliveries.map((d) => [d.kind, d.key, d.problems.length])).toEqual([
      ['slack', '#c', 0],
      ['pagerduty', 'd', 0],
      ['pagerduty', 'd', 1],
      ['webhook', 'webhook', 0],
      ['webhook', 'webhook', 1],
    ]);
  });

  /** A small SMTP client: EHLO, STARTTLS (trusting the sink's certificate), EHLO, AUTH PLAIN, one message. */
  async function sendMail(password: string): Promise<string[]> {
    const replies: string[] = [];
    let socket: import('net').Socket | TLSSocket = netConnect(sinks.smtpPort, '127.0.0.1');
    let buffer = '';
    let waiting: ((line: string) => void) | undefined;
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      let i: number;
      while ((i = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, i);
        buffer = buffer.slice(i + 2);
        if (/^\d{3} /.test(line)) {
          replies.push(line);
          waiting?.(line);
        }
      }
    };
    socket.on('data', onData);
    const next = () => new Promise<string>((r) => (waiting = r));
    const cmd = async (line: string) => {
      const p = next();
      socket.write(`${line}\r\n`);
      return p;
    };
    await next();
    await cmd('EHLO test');
    await cmd('STARTTLS');
    socket.removeListener('data', onData);
    socket = tlsConnect({ socket, ca: readFileSync(sinks.certFile), servername: undefined, host: '127.0.0.1' });
    socket.on('data', onData);
    await new Promise((r) => (socket as TLSSocket).once('secureConnect', r));
    await cmd('EHLO test');
    const auth = await cmd(`AUTH PLAIN ${Buffer.from(`\0am@example.com\0${password}`).toString('base64')}`);
    if (auth.startsWith('235')) {
      await cmd('MAIL FROM:<am@example.com>');
      await cmd('RCPT TO:<sre@example.com>');
      await cmd('DATA');
      await cmd('Subject: =?utf-8?q?=5BFIRING=3A1=5D_X?=\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nline=3D1 and a soft=\r\nbreak\r\n..dot\r\n.');
    }
    await cmd('QUIT');
    socket.destroy();
    return replies;
  }

  it('SMTP: STARTTLS with the run’s certificate, AUTH PLAIN with the Secret’s password, then the message', async () => {
    const replies = await sendMail('pw');
    expect(replies.map((r) => r.slice(0, 3))).toEqual(['220', '250', '220', '250', '235', '250', '250', '354', '250', '221']);
    const mail = sinks.of('email')[0].body;
    expect(mail).toMatchObject({ from: 'am@example.com', to: ['sre@example.com'], tls: true, authUser: 'am@example.com', subject: '[FIRING:1] X' });
    expect(mail.text).toBe('line=1 and a softbreak\r\n.dot');
  });

  it('SMTP: a wrong password is refused (535) and nothing is recorded', async () => {
    const before = sinks.of('email').length;
    const replies = await sendMail('not-the-password');
    expect(replies).toContain('535 5.7.8 Authentication credentials invalid');
    expect(sinks.of('email').length).toBe(before);
  });

  it('decodes headers and bodies as Go writes them', () => {
    expect(decodeEncodedWords('=?utf-8?q?caf=C3=A9_ok?=')).toBe('café ok');
    expect(decodeEncodedWords('=?UTF-8?b?w6k=?=')).toBe('é');
    expect(decodeQuotedPrintable('a=3Db=\r\nc')).toBe('a=bc');
    expect(parseMessage('Subject: a\r\n b\r\nTo: x\r\n\r\nbody').headers).toEqual({ subject: 'a b', to: 'x' });
  });
});

describe('notifications about an alert', () => {
  const slack = (title: string) => ({ kind: 'slack' as const, at: 0, key: '#c', problems: [], body: { attachments: [{ title }] } });
  it('a Slack title names the alert, with or without the cluster it fired in', () => {
    expect(about(slack('[FIRING:1] AppHttpAvailabilityBudgetBurn in prod-eu-1'), 'AppHttpAvailabilityBudgetBurn')).toBe(true);
    expect(about(slack('[RESOLVED] AppHttpAvailabilityBudgetBurn'), 'AppHttpAvailabilityBudgetBurn')).toBe(true);
    expect(about(slack('[FIRING:1] AppHttpAvailabilityBudgetBurnFast in prod-eu-1'), 'AppHttpAvailabilityBudgetBurn')).toBe(false);
    expect(about(slack('[FIRING:1] Other in AppHttpAvailabilityBudgetBurn'), 'AppHttpAvailabilityBudgetBurn')).toBe(false);
  });
});

describe('the dead man\'s switch sink', () => {
  it('records a ping without credentials at /deadmans-switch, named by its receiver, apart from notifications', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switch-sink-'));
    const sinks = new Sinks(dir, { pagerdutyRoutingKey: 'rk', webhookToken: 'tok', smtpPassword: 'pw' });
    try {
      const [http, smtp] = await freePorts(2);
      await sinks.start({ http, smtp });
      const body = { receiver: 'deadmans-switch-workload-a', status: 'firing', externalURL: 'http://am-0', alerts: [{ labels: { alertname: 'Watchdog', cluster: 'workload-a' } }] };
      const res = await fetch(sinks.urls.deadmansSwitch, { method: 'POST', body: JSON.stringify(body) });
      expect(res.status).toBe(200);
      expect(sinks.deliveries).toEqual([]);
      expect(sinks.pings.map(({ at: _, ...p }) => p)).toEqual([{ receiver: 'deadmans-switch-workload-a', status: 'firing', alertnames: ['Watchdog'], labels: [{ alertname: 'Watchdog', cluster: 'workload-a' }], sender: 'http://am-0' }]);
    } finally {
      await sinks.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
