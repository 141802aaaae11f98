import * as net from 'node:net';
import { listeningPort, spawnExample, within, type ExampleProcess } from '../test-support/example-process';
import { parseReplies, request, type Reply } from './test-support';

/**
 * Regression: KEYS once compiled its glob to a backtracking RegExp, and `KEYS *a*a*a*b`
 * against one 1,000-byte key of 'a's held the event loop for hours: every other client
 * stalled. The server runs in its own process here, so a stall fails the bounded waits
 * instead of freezing the test.
 */
describe('examples/resp-kv KEYS over TCP (own process)', () => {
  let server: ExampleProcess;
  let port: number;
  const sockets: net.Socket[] = [];

  beforeAll(async () => {
    server = spawnExample('resp-kv', { PORT: '0', HOST: '127.0.0.1' });
    port = listeningPort(await server.waitForStdout((out) => out.includes('listening')));
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await server?.stop();
  });

  /** A client that collects replies; `replies(n)` waits (bounded) until n replies arrived in all. */
  async function client(): Promise<{ send(...args: string[]): void; replies(count: number): Promise<Reply[]> }> {
    const socket = net.connect(port, '127.0.0.1');
    sockets.push(socket);
    await within(new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject)), 10_000, 'connect');
    let received = Buffer.alloc(0);
    const listeners = new Set<() => void>();
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      for (const listener of [...listeners]) listener();
    });
    const complete = (count: number): Reply[] | undefined => {
      try {
        const replies = parseReplies(received);
        return replies.length >= count ? replies : undefined;
      } catch {
        return undefined; // a reply still arriving
      }
    };
    return {
      send: (...args) => socket.write(request(...args)),
      replies: (count) =>
        within(
          new Promise<Reply[]>((resolve) => {
            const check = (): void => {
              const replies = complete(count);
              if (replies === undefined) return;
              listeners.delete(check);
              resolve(replies);
            };
            listeners.add(check);
            check();
          }),
          20_000,
          `${count} replies`,
        ),
    };
  }

  it('the pathological KEYS answers, and another client PING is served meanwhile', async () => {
    const a = await client();
    const b = await client();
    const key = 'a'.repeat(1000);
    a.send('SET', key, '1');
    expect(await a.replies(1)).toEqual([{ ok: 'OK' }]);
    a.send('KEYS', '*a*a*a*b');
    a.send('KEYS', '*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b');
    a.send('KEYS', '*a*a*a*a');
    b.send('PING');
    const [replies, pong] = await Promise.all([a.replies(4), b.replies(1)]);
    expect(replies.slice(1)).toEqual([[], [], [key]]);
    expect(pong).toEqual([{ ok: 'PONG' }]);
  });
});
