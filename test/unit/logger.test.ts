import pino from 'pino';
import { Writable } from 'node:stream';
import { ConsoleLogger, Logger, Module, OnConnect, OnData, Protocol, Connection } from '../../src';
import { createTestingApp } from '../../src/testing';

describe('Logger', () => {
  it('prints level, message and bindings, and filters by level', () => {
    const lines: string[] = [];
    const log = new ConsoleLogger({ level: 'info', write: (line) => lines.push(line) });
    log.debug('hidden');
    log.info({ port: 8000 }, 'listening on %s', 'tcp');
    log.child({ conn: 7, peer: '127.0.0.1:5000' }).warn('slow reader');
    log.error(new Error('bad'), 'failed');
    expect(lines).toEqual([
      'INFO listening on tcp port=8000\n',
      'WARN slow reader conn=7 peer=127.0.0.1:5000\n',
      'ERROR failed err="Error: bad"\n',
    ]);
  });

  it('accepts a pino instance as the application logger, with connection bindings', async () => {
    const out: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        out.push(chunk.toString());
        done();
      },
    });
    // Type check: a pino logger fits the Logger contract without a cast.
    const logger: Logger = pino({ level: 'info' }, sink);

    @Protocol()
    class Hello {
      constructor(
        private readonly log: Logger,
        private readonly conn: Connection,
      ) {}
      @OnConnect() hi(): void {
        this.log.info({ greeting: true }, 'hello %s', 'there');
      }
      @OnData() d(): void {}
    }
    @Module({ protocols: [Hello] })
    class M {}
    const t = createTestingApp(M, { logger });
    const c = t.connect(Hello);
    const record = out.map((line) => JSON.parse(line) as Record<string, unknown>).find((r) => r.msg === 'hello there');
    expect(record).toMatchObject({ greeting: true, conn: c.connection.id, level: 30 });
    await t.close();
  });
});

describe('ConsoleLogger record lines', () => {
  it('writes an error whose message ends in a newline (OpenSSL does that) on one line', () => {
    const lines: string[] = [];
    const log = new ConsoleLogger({ level: 'warn', write: (line) => lines.push(line) });
    log.warn({ err: new Error('error:0A00010B:SSL routines::wrong version number\n') }, 'TLS handshake failed');
    expect(lines).toEqual(['WARN TLS handshake failed err="Error: error:0A00010B:SSL routines::wrong version number"\n']);
  });
});
