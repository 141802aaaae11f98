import { PassThrough } from 'node:stream';
import { Connection, Listen, Module, OnData, Protocol, bootstrap, silentLogger, type Application } from 'torsion';
import { Echo, EchoModule } from '../echo/app';
import { VirtualClock } from 'torsion/testing';
import { eventually } from '../../test/support/peer';
import { runClient } from './client';

const swallowed: string[] = [];

/** A server that reads and never answers: the client must give up. */
@Listen(0)
@Protocol()
class Silent {
  @OnData() swallow(data: Buffer): void {
    swallowed.push(data.toString());
  }
}

@Module({ protocols: [Silent] })
class SilentModule {}

/** A server that hangs up on the first line: the client's pending request fails at once. */
@Listen(0)
@Protocol()
class HangUp {
  constructor(private readonly conn: Connection) {}
  @OnData() hangUp(): void {
    this.conn.end();
  }
}

@Module({ protocols: [HangUp] })
class HangUpModule {}

function collect(stream: PassThrough): () => string {
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return () => text;
}

describe('examples/echo-client', () => {
  it('sends each input line to the echo server and prints the reply', async () => {
    const server: Application = await bootstrap(EchoModule, { listen: [[Echo, { port: 0, host: '127.0.0.1' }]], logger: silentLogger });
    try {
      const input = new PassThrough();
      const output = new PassThrough();
      const printed = collect(output);
      const done = runClient({ host: '127.0.0.1', port: server.address(Echo).port, input, output });
      input.write('hello\n');
      input.end('world\n');
      expect(await done).toBe(0);
      expect(printed()).toBe('please input: hello\nplease input: world\nplease input: \n');
    } finally {
      await server.close();
    }
  });

  it('gives up when a reply does not come within the timeout', async () => {
    const server = await bootstrap(SilentModule, { logger: silentLogger });
    const input = new PassThrough();
    try {
      const output = new PassThrough();
      const printed = collect(output);
      const clock = new VirtualClock();
      const done = runClient({ host: '127.0.0.1', port: server.address(Silent).port, input, output, clock });
      input.write('anyone?\n');
      // The request's 5 s timeout (on the virtual clock) is armed before the request is written.
      await eventually(() => swallowed.join('') === 'anyone?\n', 5000, 'the request to arrive');
      clock.advance(4999);
      expect(printed()).not.toContain('giving up');
      clock.advance(1);
      expect(await done).toBe(1);
      expect(printed()).toContain('no reply within 5000 ms, giving up');
    } finally {
      input.end();
      await server.close();
    }
  });

  it('gives up when the server closes the connection before replying', async () => {
    const server = await bootstrap(HangUpModule, { logger: silentLogger });
    try {
      const input = new PassThrough();
      const output = new PassThrough();
      const printed = collect(output);
      const done = runClient({ host: '127.0.0.1', port: server.address(HangUp).port, input, output });
      input.write('hello?\n');
      expect(await done).toBe(1);
      input.end();
      expect(printed()).toMatch(/the EchoClient connection closed \(done\) before the reply came, giving up/);
    } finally {
      await server.close();
    }
  });

  it('reports a refused connection', async () => {
    const server = await bootstrap(SilentModule, { logger: silentLogger });
    const port = server.address(Silent).port;
    await server.close();
    const output = new PassThrough();
    const printed = collect(output);
    expect(await runClient({ host: '127.0.0.1', port, input: new PassThrough(), output })).toBe(1);
    expect(printed()).toMatch(/connecting to tcp 127\.0\.0\.1:\d+ failed: .*ECONNREFUSED/);
  });
});
