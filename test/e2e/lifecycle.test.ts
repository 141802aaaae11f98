import * as net from 'node:net';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { Connection, Listen, Module, OnClose, OnData, Protocol, bootstrap, silentLogger } from '../../src';
import { Peer, eventually } from '../support/peer';

// Lets the test force a collection, to prove closed connections' scopes are unreachable.
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const refs: Array<WeakRef<object>> = [];

/** Lives in each connection's own DI scope (a child container), released at close. */
class Session {
  constructor() {
    if (refs.length < 200) refs.push(new WeakRef(this));
  }
}

@Listen({ port: 0, host: '127.0.0.1' })
@Protocol()
class Once {
  constructor(
    readonly conn: Connection,
    readonly session: Session,
  ) {}
  @OnData() echo(data: Buffer): Buffer {
    return data;
  }
}

@Module({ protocols: [Once], providers: [{ provide: Session, useClass: Session, scope: 'connection' }] })
class AppModule {}

/** One connect / one byte / echo / close cycle. */
function cycle(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => socket.write('x'));
    socket.once('data', () => socket.end());
    socket.once('error', reject);
    socket.once('close', () => resolve());
  });
}

describe('connection lifecycle', () => {
  it('releases every per-connection scope over 10,000 connect/close cycles', async () => {
    const app = await bootstrap(AppModule, { logger: silentLogger });
    const port = app.address(Once).port;
    let maxLive = 0;
    const total = 10_000;
    const concurrency = 50;
    let started = 0;
    const worker = async (): Promise<void> => {
      while (started < total) {
        started++;
        await cycle(port);
        maxLive = Math.max(maxLive, app.metrics().liveScopes);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    await eventually(() => app.metrics().liveScopes === 0, 10_000, 'scopes released');
    expect(app.metrics().connections).toBe(0);
    // Live scopes never exceed the connections in flight (plus those closing on the server).
    expect(maxLive).toBeGreaterThan(0);
    expect(maxLive).toBeLessThanOrEqual(concurrency * 2);
    // The connection-scoped services (and the child containers that held them) are garbage.
    await new Promise((r) => setImmediate(r));
    gc();
    expect(refs.filter((r) => r.deref() !== undefined).length).toBe(0);
    await app.close();
  }, 60_000);

  it('app.close() drains an in-flight handler, then leaves no open handles', async () => {
    @Listen({ port: 0, host: '127.0.0.1' })
    @Protocol()
    class Slow {
      @OnData() async d(data: Buffer): Promise<string> {
        await new Promise((r) => setTimeout(r, 50));
        return `done ${data.toString()}`;
      }
    }
    @Module({ protocols: [Slow] })
    class M {}
    const app = await bootstrap(M, { logger: silentLogger });
    const port = app.address(Slow).port;
    expect(handlesOn(port)).toEqual(['server']);
    const peer = await Peer.connect(port);
    peer.send('work');
    await eventually(() => app.metrics().connections === 1);
    await new Promise((r) => setTimeout(r, 10));
    await app.close();
    await peer.waitClosed();
    expect(peer.text).toBe('done work');
    // Handles close asynchronously after their close callbacks; wait (bounded) for none left.
    await eventually(() => handlesOn(port).length === 0, 5000, 'no handles on the port').catch(() => undefined);
    expect(handlesOn(port)).toEqual([]);
  });
});

/** This process's open servers and sockets on `port` (either end), by kind. */
function handlesOn(port: number): string[] {
  const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
  const found: string[] = [];
  for (const h of handles) {
    if (h instanceof net.Server && (h.address() as net.AddressInfo | null)?.port === port) found.push('server');
    if (h instanceof net.Socket && (h.localPort === port || h.remotePort === port)) found.push('socket');
  }
  return found;
}

describe('closing', () => {
  it('closes promptly after our end() even when the peer sends more before its FIN', async () => {
    const closedAt: number[] = [];
    @Listen({ port: 0, host: '127.0.0.1' })
    @Protocol()
    class Quitter {
      constructor(private readonly conn: Connection) {}
      @OnData() d(data: Buffer): string | undefined {
        if (data.toString().startsWith('QUIT')) {
          this.conn.end();
          return 'bye';
        }
        return undefined;
      }
      @OnClose() gone(): void {
        closedAt.push(Date.now());
      }
    }
    @Module({ protocols: [Quitter] })
    class M {}
    const app = await bootstrap(M, { logger: silentLogger });
    const socket = net.connect({ port: app.address(Quitter).port, host: '127.0.0.1', allowHalfOpen: true });
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write('QUIT');
    await new Promise((resolve) => socket.once('data', resolve));
    const sentAt = Date.now();
    socket.write('PING after quit'); // unread input must not hold the server's close
    socket.end();
    await eventually(() => closedAt.length === 1, 5000, '@OnClose');
    expect(closedAt[0] - sentAt).toBeLessThan(5000);
    socket.destroy();
    await app.close();
  });

  it('app.close() finishes even when an @OnClose never settles', async () => {
    @Listen({ port: 0, host: '127.0.0.1' })
    @Protocol()
    class Stuck {
      @OnData() d(): void {}
      @OnClose() gone(): Promise<void> {
        return new Promise(() => undefined);
      }
    }
    @Module({ protocols: [Stuck] })
    class M {}
    const app = await bootstrap(M, { logger: silentLogger });
    const peer = await Peer.connect(app.address(Stuck).port, '127.0.0.1', { allowHalfOpen: true });
    await eventually(() => app.metrics().connections === 1);
    await app.close({ timeoutMs: 100 });
    expect(app.metrics().connections).toBe(0);
    peer.close();
  });
});
