import * as net from 'node:net';
import * as path from 'node:path';
import { listeningPort, spawnExample, spawnScript, within, type ExampleProcess } from '../../examples/test-support/example-process';

/** Lines a client keeps outstanding (sent, not yet answered): it pipelines. */
const WINDOW = 64;
/** Bounds every client's loop: it never sends more than this. */
const MAX_LINES = 200_000;
/** Replies every client must have read before the signal is sent. */
const BEFORE_SIGNAL = 200;

/** A client that pipelines `c<id>-<n>` lines and records what comes back, and how the stream ended. */
class PipeliningClient {
  readonly sent: string[] = [];
  received = '';
  replies = 0;
  ended = false;
  error: Error | undefined;
  readonly closed: Promise<void>;
  private readonly socket: net.Socket;

  constructor(
    readonly id: number,
    port: number,
    private readonly onProgress: () => void,
  ) {
    // Half-open, so that its writes can cross the server's FIN, as a pipelining client's do.
    this.socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    this.socket.setEncoding('utf8');
    this.socket.on('connect', () => this.fill());
    this.socket.on('data', (text: string) => {
      this.received += text;
      for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) this.replies++;
      this.fill();
      this.onProgress();
    });
    this.socket.on('end', () => {
      // The server's FIN. Requests already on their way when it came still arrive (modelled by
      // one more window of lines): they must be read and discarded, not answered with an RST.
      this.burst(WINDOW);
      this.ended = true;
      this.socket.end();
      this.onProgress();
    });
    this.socket.on('error', (error) => (this.error = error));
    this.closed = new Promise((resolve) => this.socket.on('close', () => resolve()));
  }

  /** Keeps WINDOW lines outstanding, until the server ends or the bound is reached. */
  private fill(): void {
    if (this.ended) return;
    let batch = '';
    while (this.sent.length - this.replies < WINDOW && this.sent.length < MAX_LINES) {
      const line = `c${this.id}-${this.sent.length}`;
      this.sent.push(line);
      batch += `${line}\n`;
    }
    if (batch !== '') this.socket.write(batch);
  }

  /** Sends `count` more lines at once (bounded by MAX_LINES), whatever is outstanding. */
  burst(count: number): void {
    let batch = '';
    for (let i = 0; i < count && this.sent.length < MAX_LINES; i++) {
      const line = `c${this.id}-${this.sent.length}`;
      this.sent.push(line);
      batch += `${line}\n`;
    }
    if (batch !== '') this.socket.write(batch);
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** Resolves when `predicate` holds, checked on every `notify()`; rejects after `timeoutMs`. */
function condition(predicate: () => boolean, timeoutMs: number, what: string): { notify(): void; reached: Promise<void> } {
  let resolve!: () => void;
  const reached = within(new Promise<void>((r) => (resolve = r)), timeoutMs, what);
  const notify = (): void => {
    if (predicate()) resolve();
  };
  return { notify, reached };
}

describe('shutdown signals (bootstrap shutdownSignals, in a real process)', () => {
  let server: ExampleProcess | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  it('SIGTERM while 20 clients pipeline: each reads a correct prefix of its replies, then a clean end of stream; exit code 0', async () => {
    server = spawnExample('line-echo', { PORT: '0', HOST: '127.0.0.1' });
    const port = listeningPort(await server.waitForStdout((out) => /^listening /m.test(out)));
    let clients: PipeliningClient[] = [];
    const warmedUp = condition(() => clients.length === 20 && clients.every((c) => c.replies >= BEFORE_SIGNAL), 20_000, 'every client to read its first replies');
    clients = Array.from({ length: 20 }, (_, id) => new PipeliningClient(id, port, warmedUp.notify));
    try {
      await warmedUp.reached;
      server.child.kill('SIGTERM');
      const code = await within(server.exited, 15_000, 'the example to exit after SIGTERM');
      await within(Promise.all(clients.map((c) => c.closed)), 5_000, 'every client to close');
      expect(code).toBe(0);
      for (const client of clients) {
        expect(client.error).toBeUndefined(); // no reset (ECONNRESET, EPIPE): the server read and discarded what crossed its FIN
        expect(client.ended).toBe(true); // a clean end of stream (FIN)
        expect(client.replies).toBeLessThan(client.sent.length); // the lines sent after the FIN went unanswered
        const expected = client.sent.slice(0, client.replies).map((line) => `${line}\n`).join('');
        expect(client.received).toBe(expected); // complete lines, in order, a prefix of what was sent
        expect(client.replies).toBeGreaterThanOrEqual(BEFORE_SIGNAL);
      }
    } finally {
      for (const client of clients) client.destroy();
    }
  }, 60_000);

  it('a second SIGTERM during the graceful shutdown aborts at once: exit code 1', async () => {
    server = spawnScript(path.join(__dirname, 'fixtures', 'hanging-server.ts'), {});
    const port = listeningPort(await server.waitForStdout((out) => /^listening /m.test(out)));
    const hanging = net.connect({ port, host: '127.0.0.1' });
    const idle = net.connect({ port, host: '127.0.0.1' });
    try {
      let hangingText = '';
      let idleText = '';
      let idleEnded = false;
      const started = condition(() => hangingText === 'hanging\n', 20_000, 'the hanging handler to start');
      const shuttingDown = condition(() => idleEnded, 20_000, 'the idle connection to be shut down');
      hanging.setEncoding('utf8').on('data', (text: string) => {
        hangingText += text;
        started.notify();
      });
      hanging.on('error', () => undefined); // the abort resets it
      idle.setEncoding('utf8').on('data', (text: string) => (idleText += text));
      idle.on('end', () => {
        idleEnded = true;
        shuttingDown.notify();
      });
      hanging.write('hang\n');
      await started.reached;
      server.child.kill('SIGTERM');
      // The graceful shutdown has begun (the idle connection got @OnShutdown's reply and a FIN),
      // and cannot finish: the hanging handler holds it until its 30 s deadline.
      await shuttingDown.reached;
      expect(idleText).toBe('bye\n');
      server.child.kill('SIGTERM');
      const code = await within(server.exited, 10_000, 'the process to exit after the second SIGTERM');
      expect(code).toBe(1);
    } finally {
      hanging.destroy();
      idle.destroy();
    }
  }, 60_000);
});
