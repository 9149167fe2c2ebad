import { readFileSync } from 'fs';
import { createServer, Server } from 'net';
import { allocatePort, allocatePorts } from './support/ports';

/**
 * The ports the tests and the e2e give to the processes they start: never from the ephemeral
 * range (outgoing connections take their source ports from it, so a port found free there can
 * be gone before the child binds it), distinct, and free.
 */
const ephemeralLow = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);

test('ports are below the ephemeral range, distinct across calls, and bindable', async () => {
  const ports = [...(await allocatePorts(40)), ...(await allocatePorts(10, { udp: true })), await allocatePort()];
  expect(new Set(ports).size).toBe(ports.length);
  expect(ports.filter((p) => p >= ephemeralLow || p < 1024)).toEqual([]);
  const servers: Server[] = [];
  try {
    for (const p of ports.slice(0, 5)) {
      const s = createServer();
      servers.push(s);
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen(p, '127.0.0.1', () => resolve());
      });
    }
  } finally {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  }
});

test('a port a listener holds is skipped', async () => {
  // Hold the next few candidates: the allocator must pass over them.
  const [probe] = await allocatePorts(1);
  const held: Server[] = [];
  try {
    for (const p of [probe! + 1, probe! + 2]) {
      const s = createServer();
      await new Promise<void>((resolve) => s.listen(p, '127.0.0.1', () => resolve())).catch(() => undefined);
      held.push(s);
    }
    const next = await allocatePorts(3);
    for (const p of next) expect([probe! + 1, probe! + 2]).not.toContain(p);
  } finally {
    await Promise.all(held.map((s) => new Promise((r) => s.close(r))));
  }
});
