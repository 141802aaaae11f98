import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { Module, Protocol, bootstrap, lines, silentLogger, type Application, type Clock } from 'torsion';

/**
 * The seed's interactive client, on torsion's client API. The seed's Python:
 *
 *   sk = socket.socket(); sk.connect(('127.0.0.1', 8000)); sk.settimeout(5)
 *   while True:
 *       inp = raw_input("please input:"); sk.sendall(inp); print sk.recv(1024)
 *
 * "Send and wait for the reply" is a request client: `@Protocol({ requests })` makes
 * `request(line)` resolve with the reply (pipelined: the echo server answers in order), and its
 * 5 s timeout runs on the reactor's clock, so a test drives it with a virtual clock. Lines, not
 * raw chunks: the seed's `recv(1024)` could return half a reply, a line codec waits for all of it.
 * No handler is needed: every frame the server sends is the reply to a request.
 */
@Protocol({ codec: lines({ maxLength: 64 * 1024 }), requests: { timeoutMs: 5000 } })
export class EchoClient {}

@Module({ protocols: [EchoClient] })
export class EchoClientModule {}

export interface ClientOptions {
  host: string;
  port: number;
  input: Readable;
  output: Writable;
  /** Per-request timeout, ms (default the protocol's, 5000). */
  timeoutMs?: number;
  clock?: Clock;
}

/** Reads lines from `input`, sends each, prints the reply; gives up on the first silent 5 s. Returns an exit code. */
export async function runClient(options: ClientOptions): Promise<number> {
  const app: Application = await bootstrap(EchoClientModule, { logger: silentLogger, clock: options.clock });
  try {
    const echo = await app.connect(EchoClient, { host: options.host, port: options.port });
    const typed = createInterface({ input: options.input, crlfDelay: Infinity });
    options.output.write('please input: ');
    for await (const line of typed) {
      if (line === '') {
        options.output.write('please input: ');
        continue;
      }
      try {
        options.output.write(`${await echo.request<string>(line, { timeoutMs: options.timeoutMs })}\n`);
      } catch (error) {
        options.output.write(`\n${(error as Error).message}, giving up\n`);
        typed.close();
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
