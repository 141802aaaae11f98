import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { Connection, Module, OnClose, OnData, Protocol, Reactor, bootstrap, silentLogger, type Application, type Clock, type DelayedCall } from 'torsion';

/**
 * The seed's interactive client, on torsion's client API. The seed's Python:
 *
 *   sk = socket.socket(); sk.connect(('127.0.0.1', 8000)); sk.settimeout(5)
 *   while True:
 *       inp = raw_input("please input:"); sk.sendall(inp); print sk.recv(1024)
 *
 * Here the protocol turns "send and wait for the reply" into a promise, and the 5 s timeout
 * runs on the reactor's clock (so a test can drive it with a virtual clock).
 */
@Protocol()
export class EchoClient {
  private waiting: { resolve(reply: string): void; reject(error: Error): void; timer: DelayedCall } | undefined;
  private buffered = '';

  constructor(
    private readonly conn: Connection,
    private readonly reactor: Reactor,
  ) {}

  /** Sends `line` and resolves with what the server sends back, or rejects after `timeoutMs`. */
  request(line: string, timeoutMs: number): Promise<string> {
    if (this.waiting !== undefined) return Promise.reject(new Error('one request at a time'));
    return new Promise((resolve, reject) => {
      const timer = this.reactor.callLater(timeoutMs, () => {
        this.waiting = undefined;
        reject(new Error(`no reply within ${timeoutMs / 1000} s`));
      });
      this.waiting = { resolve, reject, timer };
      this.conn.write(line);
      this.deliver();
    });
  }

  @OnData()
  received(data: Buffer): void {
    this.buffered += data.toString('utf8');
    this.deliver();
  }

  @OnClose()
  closed(): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.timer.cancel();
    waiting?.reject(new Error('the server closed the connection'));
  }

  private deliver(): void {
    if (this.waiting === undefined || this.buffered === '') return;
    const { resolve, timer } = this.waiting;
    this.waiting = undefined;
    timer.cancel();
    const reply = this.buffered;
    this.buffered = '';
    resolve(reply);
  }
}

@Module({ protocols: [EchoClient] })
export class EchoClientModule {}

export interface ClientOptions {
  host: string;
  port: number;
  input: Readable;
  output: Writable;
  timeoutMs?: number;
  clock?: Clock;
}

/** Reads lines from `input`, sends each, prints the reply; gives up on the first silent 5 s. Returns an exit code. */
export async function runClient(options: ClientOptions): Promise<number> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const app: Application = await bootstrap(EchoClientModule, { logger: silentLogger, clock: options.clock });
  try {
    const { protocol } = await app.connect(EchoClient, { host: options.host, port: options.port });
    const lines = createInterface({ input: options.input, crlfDelay: Infinity });
    options.output.write('please input: ');
    for await (const line of lines) {
      if (line === '') {
        options.output.write('please input: ');
        continue;
      }
      try {
        options.output.write(`${await protocol.request(line, timeoutMs)}\n`);
      } catch (error) {
        options.output.write(`\n${(error as Error).message}, giving up\n`);
        lines.close();
        return 1;
      }
      options.output.write('please input: ');
    }
    options.output.write('\n');
    return 0;
  } catch (error) {
    options.output.write(`${(error as Error).message}\n`);
    return 1;
  } finally {
    await app.close();
  }
}
