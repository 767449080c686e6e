import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Turns } from '../src/discord/turns.ts';

const busy = (ms: number) => {
  const until = performance.now() + ms;
  while (performance.now() < until);
};

describe('Turns', () => {
  let server: net.Server | null = null;
  afterEach(() => server?.close());

  it('lets I/O through between the pieces of a burst, so the first answer leaves before the last is worked on', async () => {
    const events: string[] = [];
    server = net.createServer((socket) => socket.on('data', (data) => events.push(`received ${data}`)));
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    const client = net.connect(port, '127.0.0.1');
    await new Promise((resolve) => client.once('connect', resolve));
    const turns = new Turns();
    // Five pieces arriving together, as gateway events of one socket read do.
    await Promise.all(
      [1, 2, 3, 4, 5].map(async (n) => {
        await turns.take();
        events.push(`worked ${n}`);
        busy(10);
        client.write(String(n));
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    client.destroy();
    expect(events.filter((event) => event.startsWith('worked'))).toEqual(
      [1, 2, 3, 4, 5].map((n) => `worked ${n}`),
    );
    // The first answer was read by the server before the last piece began.
    expect(events.indexOf('received 1')).toBeGreaterThanOrEqual(0);
    expect(events.indexOf('received 1')).toBeLessThan(events.indexOf('worked 5'));
  });

  it('runs one piece at a time, in order of arrival', async () => {
    const turns = new Turns();
    const order: number[] = [];
    let running = 0;
    await Promise.all(
      Array.from({ length: 20 }, async (_, n) => {
        await turns.take();
        running++;
        expect(running).toBe(1);
        order.push(n);
        running--;
      }),
    );
    expect(order).toEqual(Array.from({ length: 20 }, (_, n) => n));
  });

  it('serves urgent pieces first and idle ones only when nothing else waits', async () => {
    const turns = new Turns();
    const order: string[] = [];
    const piece = (name: string, priority: 'urgent' | 'normal' | 'idle') =>
      turns.take(priority).then(() => {
        order.push(name);
      });
    await Promise.all([
      piece('idle 1', 'idle'),
      piece('command 1', 'normal'),
      piece('command 2', 'normal'),
      piece('autocomplete 1', 'urgent'),
      piece('idle 2', 'idle'),
      piece('autocomplete 2', 'urgent'),
    ]);
    expect(order).toEqual(['autocomplete 1', 'autocomplete 2', 'command 1', 'command 2', 'idle 1', 'idle 2']);
  });

  it('foresees a longer wait for a newcomer the more work is queued, idle work left out', async () => {
    const turns = new Turns();
    expect(turns.expectedWaitMs()).toBe(0);
    const queued = [turns.take('normal'), turns.take('normal'), turns.take('idle')];
    const two = turns.expectedWaitMs();
    queued.push(turns.take('normal'));
    expect(two).toBeGreaterThan(0);
    expect(turns.expectedWaitMs()).toBeGreaterThan(two);
    expect(turns.expectedWaitMs('urgent')).toBe(0);
    await Promise.all(queued);
  });
});
