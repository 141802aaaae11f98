/**
 * A user's program, compiled by `npm run api:check` against the shipped typings
 * (dist/torsion.d.ts, dist/testing.d.ts) and nothing else. It uses what users call; every
 * `@ts-expect-error` names an internal that must not be reachable from them.
 */
import 'reflect-metadata';
import { Connection, Module, OnData, Protocol, Listen, Reactor, bootstrap, lines, injectable, type Application } from 'torsion';
import * as torsion from 'torsion';
import { createTestingApp, type MemoryConnection, type TestConnection } from 'torsion/testing';

@injectable()
@Protocol({ codec: lines() })
@Listen({ port: 0, host: '127.0.0.1' })
class Echo {
  constructor(
    private readonly conn: Connection,
    private readonly reactor: Reactor,
  ) {}

  @OnData()
  onLine(line: string): string {
    this.reactor.callLater(10, () => this.conn.end());
    return line;
  }
}

@Module({ protocols: [Echo] })
class AppModule {}

export async function serve(): Promise<Application> {
  const app = await bootstrap(AppModule);
  app.address(Echo);
  app.metrics();
  return app;
}

export async function inMemory(): Promise<string> {
  const t = createTestingApp(AppModule);
  const c: TestConnection<Echo> = t.connect(Echo);
  c.send('hi\n');
  const conn: MemoryConnection = c.connection;
  void [conn.queuedFrames, conn.decoderBytes, conn.finished, conn.writtenChunks];
  await t.advance(10);
  await t.close();
  return c.text();
}

export function internals(app: Application, conn: MemoryConnection, reactor: Reactor): void {
  // @ts-expect-error bootstrap's compile step is internal
  void torsion.compileApplication;
  // @ts-expect-error
  void app.table;
  // @ts-expect-error
  void app.listen;
  // @ts-expect-error
  void app.startClients;
  // @ts-expect-error
  void app.client(Echo).start;
  // @ts-expect-error
  void conn.attach;
  // @ts-expect-error
  void conn.beginBatch;
  // @ts-expect-error
  void conn.endBatch;
  // @ts-expect-error
  void conn.setQueueFull;
  // @ts-expect-error
  void conn.dispatchIdle;
  // @ts-expect-error
  void conn.shutdown;
  // @ts-expect-error
  void conn.closeWithError;
  // @ts-expect-error
  void conn.allowLog;
  // @ts-expect-error
  void conn.flushGathered;
  // @ts-expect-error
  void conn.onRelease;
  // @ts-expect-error
  void conn.writeBlocked;
  // @ts-expect-error
  void conn.runDeferred;
  // @ts-expect-error
  void conn.codec;
  // @ts-expect-error
  void conn.received;
  // @ts-expect-error
  void conn.transportWrite;
  // @ts-expect-error
  void reactor.connections;
  // @ts-expect-error
  void reactor.logLimiter;
  // @ts-expect-error
  void reactor.liveScopes;
  // @ts-expect-error
  void reactor.beginBatch;
  // @ts-expect-error
  void reactor.gather;
  // @ts-expect-error
  void reactor.track;
  // @ts-expect-error
  void reactor.own;
}
