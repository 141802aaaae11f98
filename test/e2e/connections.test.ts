import { injectable } from 'tsyringe';
import { Connection, Listen, Module, OnClose, OnConnect, OnData, OnError, Protocol, Reactor, bootstrap, silentLogger, HandlerError, type Application, type CloseReason } from '../../src';
import { createTestingApp } from '../../src/testing';
import { Peer, eventually } from '../support/peer';

@injectable()
class Registry {
  readonly instances = new Set<object>();
  readonly closes = new Map<number, CloseReason>();
}

/** How long "later:x" waits before answering, on the reactor's clock (virtual in memory). */
const LATER_MS = 20;

/**
 * A line-less test protocol over raw chunks: "boom" throws, "later:x" answers x asynchronously
 * (after LATER_MS), "reject" rejects, "quit" ends, "kill" destroys, anything else is echoed with
 * the connection id.
 */
@Listen(0)
@Protocol()
class Probe {
  constructor(
    private readonly conn: Connection,
    private readonly registry: Registry,
    private readonly reactor: Reactor,
  ) {
    registry.instances.add(this);
  }

  @OnData() data(chunk: Buffer): string | Promise<string> | undefined {
    const text = chunk.toString();
    if (text === 'boom') throw new Error('boom');
    if (text === 'reject') return Promise.reject(new Error('async boom'));
    if (text.startsWith('later:')) return new Promise((resolve) => this.reactor.callLater(LATER_MS, () => resolve(text.slice(6))));
    if (text === 'quit') {
      this.conn.write('bye');
      this.conn.end();
      return undefined;
    }
    if (text === 'kill') {
      this.conn.destroy();
      return undefined;
    }
    return `${this.conn.id}:${text}`;
  }

  @OnError() failed(error: Error): string {
    return `ERR ${error.message}`;
  }

  @OnClose() closed(reason: CloseReason): void {
    this.registry.closes.set(this.conn.id, reason);
    // Writes after close are dropped and counted, never thrown.
    this.conn.write('too late');
  }
}

/** Throws in @OnConnect: the connection is closed with reason "error" after @OnError's reply. */
@Listen(0)
@Protocol()
class BadGreeter {
  @OnConnect() hello(): void {
    throw new Error('cannot greet');
  }
  @OnData() d(): void {}
  @OnError() failed(error: Error): string {
    return `ERR ${error.message}`;
  }
}

@Module({ protocols: [Probe, BadGreeter], providers: [Registry] })
class AppModule {}

describe('connections over real sockets', () => {
  let app: Application;
  let registry: Registry;
  let port: number;

  beforeAll(async () => {
    app = await bootstrap(AppModule, { listen: (_cls, opts) => ({ ...opts, host: '127.0.0.1' }), logger: silentLogger });
    registry = app.container.resolve(Registry);
    port = app.address(Probe).port;
  });
  afterAll(async () => {
    await app.close();
  });

  it('gives each of 100 concurrent connections its own protocol instance, sharing singletons', async () => {
    const before = registry.instances.size;
    const peers = await Promise.all(Array.from({ length: 100 }, () => Peer.connect(port)));
    await eventually(() => registry.instances.size === before + 100, 5000, '100 instances');
    peers.forEach((p, i) => p.send(`hello ${i}`));
    await Promise.all(peers.map((p, i) => p.until((x) => x.text.endsWith(`:hello ${i}`))));
    const ids = new Set(peers.map((p) => p.text.split(':')[0]));
    expect(ids.size).toBe(100);
    await Promise.all(peers.map((p) => p.close()));
    await eventually(() => app.metrics().connections === 0, 5000, 'all closed');
  });

  it('isolates a throwing handler: @OnError replies, that connection closes with "error", others go on', async () => {
    const victim = await Peer.connect(port);
    const bystander = await Peer.connect(port);
    victim.send('boom');
    await victim.waitClosed();
    expect(victim.text).toBe('ERR boom');
    bystander.send('still here');
    await bystander.until((p) => p.text.endsWith(':still here'));
    await bystander.close();
    const reason = [...registry.closes.values()].find((r) => r.kind === 'error' && r.error instanceof HandlerError && (r.error.cause as Error).message === 'boom');
    expect(reason).toBeDefined();
    expect((reason?.error as HandlerError).code).toBe('TORSION_ERR_HANDLER');
  });

  it('treats a rejected promise like a throw', async () => {
    const peer = await Peer.connect(port);
    peer.send('reject');
    await peer.waitClosed();
    expect(peer.text).toBe('ERR async boom');
  });

  it('handles a throwing @OnConnect the same way', async () => {
    const peer = await Peer.connect(app.address(BadGreeter).port);
    await peer.waitClosed();
    expect(peer.text).toBe('ERR cannot greet');
  });

  it('answers what a peer sent before its FIN (half-close), then closes with "done"', async () => {
    const peer = await Peer.connect(port, '127.0.0.1', { allowHalfOpen: true });
    peer.send('later:answer');
    peer.socket.end();
    await peer.until((p) => p.ended, 5000, 'server FIN');
    expect(peer.text).toBe('answer');
    await eventually(() => [...registry.closes.values()].some((r) => r.kind === 'done'));
  });

  it('reports a peer reset (ECONNRESET) as "lost", never as an unhandled error', async () => {
    const peer = await Peer.connect(port);
    peer.send('x');
    await peer.until((p) => p.text.endsWith(':x'));
    const id = Number(peer.text.split(':')[0]);
    peer.socket.resetAndDestroy();
    await eventually(() => registry.closes.has(id), 5000, 'close after reset');
    expect(registry.closes.get(id)?.kind).toBe('lost');
    expect((registry.closes.get(id)?.error as NodeJS.ErrnoException).code).toBe('ECONNRESET');
  });

  it('ends cleanly on conn.end() after flushing, and aborts on conn.destroy()', async () => {
    const quitter = await Peer.connect(port);
    quitter.send('x');
    await quitter.until((p) => p.text.endsWith(':x'));
    const quitId = Number(quitter.text.split(':')[0]);
    quitter.send('quit');
    await quitter.waitClosed();
    expect(quitter.text.endsWith('bye')).toBe(true);
    await eventually(() => registry.closes.has(quitId));
    expect(registry.closes.get(quitId)?.kind).toBe('done');

    const killed = await Peer.connect(port);
    killed.send('y');
    await killed.until((p) => p.text.endsWith(':y'));
    const killId = Number(killed.text.split(':')[0]);
    killed.send('kill');
    await killed.waitClosed();
    await eventually(() => registry.closes.has(killId));
    expect(registry.closes.get(killId)?.kind).toBe('aborted');
  });

});

describe('connections in memory', () => {
  it('keeps async replies in request order', async () => {
    const t = createTestingApp(AppModule);
    try {
      const c = t.connect(Probe);
      // Three reads (raw codec: a read is a frame), the first two answered on the clock.
      c.send('later:1');
      c.send('later:2');
      c.send('three');
      expect(c.text()).toBe(''); // the clock has not moved: nothing may overtake 'later:1'
      await t.advance(2 * LATER_MS);
      await c.settle();
      expect(c.text()).toBe(`12${c.connection.id}:three`);
    } finally {
      await t.close();
    }
  });
});

describe('Connection API', () => {
  it('exposes addresses, id and state; counts writes after close; pauses and resumes reading', async () => {
    const seen: Connection[] = [];
    const dataSeen: string[] = [];
    @Listen({ port: 0, host: '127.0.0.1' })
    @Protocol()
    class Inspect {
      constructor(private readonly conn: Connection) {
        seen.push(conn);
      }
      @OnData() d(data: Buffer): Buffer {
        dataSeen.push(`${this.conn.id}:${data.toString()}`);
        return data;
      }
    }
    @Module({ protocols: [Inspect] })
    class M {}
    const app = await bootstrap(M, { logger: silentLogger });
    try {
      const port = app.address(Inspect).port;
      const peer = await Peer.connect(port);
      await eventually(() => seen.length === 1, 5000, 'the server side of the connection');
      const conn = seen[0];
      expect(conn.remoteAddress).toBe('127.0.0.1');
      expect(conn.remotePort).toBe(peer.socket.localPort);
      expect(conn.localPort).toBe(port);
      expect(conn.transport).toBe('tcp');
      expect(conn.state).toBe('open');

      conn.pause();
      // Once its write callback ran, 'held' sits in the server's receive queue (loopback). A round
      // trip on another connection then makes the server poll its sockets after 'held' became
      // readable: had reading not been paused, 'held' would have been dispatched before 'marker'.
      await peer.write('held');
      const marker = await Peer.connect(port);
      marker.send('marker');
      await marker.until((p) => p.text === 'marker', 5000, 'the marker echo');
      expect(dataSeen).toEqual([`${seen[1].id}:marker`]);
      expect(peer.text).toBe('');
      await marker.close();
      conn.resume();
      await peer.until((p) => p.text === 'held', 5000, 'the held bytes, after resume');

      expect(conn.write('direct')).toBe(true);
      await peer.until((p) => p.text === 'helddirect', 5000, 'the direct write');
      await peer.close();
      await eventually(() => conn.state === 'closed', 5000, 'the server side to close');
      expect(conn.write('dropped')).toBe(false);
      expect(conn.send(Buffer.from('dropped too'))).toBe(false);
      expect(conn.droppedWrites).toBe(2);
    } finally {
      await app.close();
    }
  });
});
