import * as net from 'node:net';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { Connection, Listen, Module, OnClose, OnData, Protocol, bootstrap, silentLogger } from '../../src';
import { VirtualClock } from '../../src/testing';
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
  }, 240_000);

  it('app.close() drains an in-flight handler, then leaves no open handles', async () => {
    // The handler signals that it started, then waits for the test: it is in flight for sure
    // when close() begins, and finishes only once close() is under way.
    let started!: () => void;
    const inFlight = new Promise<void>((resolve) => (started = resolve));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    @Listen({ port: 0, host: '127.0.0.1' })
    @Protocol()
    class Slow {
      @OnData() async d(data: Buffer): Promise<string> {
        started();
        await gate;
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
    await bounded(inFlight, 'the handler to start');
    let closed = false;
    const closing = app.close().then(() => (closed = true));
    await eventually(() => !handlesOn(port).includes('server'), 5000, 'close() to stop the listener');
    expect(closed).toBe(false); // still draining the handler
    expect(peer.text).toBe('');
    release();
    await closing;
    await peer.waitClosed();
    expect(peer.text).toBe('done work');
    // Handles close asynchronously after their close callbacks; wait (bounded) for none left.
    await eventually(() => handlesOn(port).length === 0, 5000, 'no handles on the port').catch(() => undefined);
    expect(handlesOn(port)).toEqual([]);
  });
});

/** Resolves with `promise`, or fails after `timeoutMs` saying what it waited for. */
async function bounded<T>(promise: Promise<T>, what: string, timeoutMs = 5000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

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
  it('closes after our end() without waiting on a timer, even when the peer sends more before its FIN', async () => {
    let closes = 0;
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
        closes++;
      }
    }
    @Module({ protocols: [Quitter] })
    class M {}
    // A frozen clock: the connection's close-timeout fallback can never fire, so a close that
    // happens proves it did not wait for it (nor for anything else on a timer).
    const clock = new VirtualClock();
    const app = await bootstrap(M, { logger: silentLogger, clock });
    try {
      const peer = await Peer.connect(app.address(Quitter).port, '127.0.0.1', { allowHalfOpen: true });
      peer.send('QUIT');
      await peer.until((p) => p.text === 'bye', 5000, 'the reply to QUIT');
      peer.send('PING after quit'); // unread input must not hold the server's close
      peer.socket.end();
      await eventually(() => closes === 1, 5000, '@OnClose, with the clock frozen');
      expect(clock.now()).toBe(0);
      await peer.close();
    } finally {
      await app.close();
    }
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
    await peer.close();
  });
});
