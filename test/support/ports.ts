import { createSocket } from 'dgram';
import { readFileSync } from 'fs';
import { createServer } from 'net';

/**
 * Loopback ports for the processes a test or the e2e starts, chosen OUTSIDE the kernel's
 * ephemeral range (`net.ipv4.ip_local_port_range`, 32768-60999 by default).
 *
 * Why: a port the kernel hands out for `listen(0)` comes from the ephemeral range, the same
 * range it takes source ports of outgoing connections from. Between the moment the port is
 * found free and the moment the child process binds it, any running process's outgoing
 * connection (Prometheus scraping, a Thanos gRPC client) can take it as its source port, and
 * the child fails with "address already in use" (seen once in the e2e: a sidecar's gRPC port).
 * Ports below the ephemeral range are never used as source ports, so only a listener can hold
 * one, which the bind check here sees.
 *
 * Each process starts at a random place in the range and hands out each port once, so two
 * callers in one process (or two jest workers, most likely) do not get the same port.
 */
const FLOOR = 15000;
let next: number | undefined;
const handedOut = new Set<number>();

function ephemeralLow(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > FLOOR + 1000 ? low : 32768;
  } catch {
    return 32768; // not Linux: the IANA dynamic range starts at 49152; 32768 is below both
  }
}

function tcpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

function udpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.once('error', () => {
      s.close();
      resolve(false);
    });
    s.bind(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** `count` distinct loopback ports, free for TCP (and UDP with `udp`), below the ephemeral range. */
export async function allocatePorts(count: number, options: { udp?: boolean } = {}): Promise<number[]> {
  const high = ephemeralLow() - 1;
  const span = high - FLOOR + 1;
  next ??= FLOOR + Math.floor(Math.random() * span);
  const ports: number[] = [];
  for (let tried = 0; ports.length < count; tried++) {
    if (tried > span) throw new Error(`no free loopback port between ${FLOOR} and ${high}`);
    const port = next;
    next = next >= high ? FLOOR : next + 1;
    if (handedOut.has(port)) continue;
    if (!(await tcpFree(port))) continue;
    if (options.udp && !(await udpFree(port))) continue;
    handedOut.add(port);
    ports.push(port);
  }
  return ports;
}

/** One port (see allocatePorts). */
export async function allocatePort(): Promise<number> {
  return (await allocatePorts(1))[0] as number;
}
