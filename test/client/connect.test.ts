import * as net from 'node:net';
import {
  Module,
  Protocol,
  Listen,
  Connect,
  OnData,
  OnConnect,
  OnClose,
  Connection,
  bootstrap,
  silentLogger,
  BootstrapError,
  ConnectError,
  type Application,
  type CloseReason,
} from '../../src';
import { freePort } from '../support/free-port';
import { eventually } from '../support/peer';
import { VirtualClock } from '../../src/testing';

const opts = { logger: silentLogger };

@Listen({ port: 0, host: '127.0.0.1' })
@Protocol()
class Echo {
  static live = new Set<Connection>();
  constructor(private readonly conn: Connection) {}
  @OnConnect() opened(): void {
    Echo.live.add(this.conn);
  }
  @OnData() echo(data: Buffer): Buffer {
    return data;
  }
  @OnClose() closed(): void {
    Echo.live.delete(this.conn);
  }
}
@Module({ protocols: [Echo] })
class ServerModule {}

function startServer(port = 0): Promise<Application> {
  return bootstrap(ServerModule, { ...opts, listen: [[Echo, { port, host: '127.0.0.1' }]] });
}

describe('app.connect', () => {
  @Protocol()
  class Plain {
    @OnData() data(): void {}
  }
  @Module({ protocols: [Plain] })
  class M {}

  it('rejects with TORSION_ERR_CONNECT_REFUSED when nothing listens', async () => {
    const app = await bootstrap(M, opts);
    try {
      const error = await app.connect(Plain, { port: await freePort() }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConnectError);
      expect((error as ConnectError).code).toBe('TORSION_ERR_CONNECT_REFUSED');
    } finally {
      await app.close();
    }
  });

  it('rejects with TORSION_ERR_CONNECT_TIMEOUT on the reactor clock when the handshake never completes', async () => {
    const silent = net.createServer(() => undefined); // accepts, never speaks TLS
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const clock = new VirtualClock();
    const app = await bootstrap(M, { ...opts, clock });
    try {
      const pending = app.connect(Plain, { transport: 'tls', port: (silent.address() as net.AddressInfo).port, timeoutMs: 2000 }).catch((e: unknown) => e);
      clock.advance(1999);
      clock.advance(1);
      const error = await pending;
      expect(error).toBeInstanceOf(ConnectError);
      expect((error as ConnectError).code).toBe('TORSION_ERR_CONNECT_TIMEOUT');
    } finally {
      await app.close();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('refuses an unknown transport with an OptionError', async () => {
    const app = await bootstrap(M, opts);
    try {
      await expect(app.connect(Plain, { transport: 'carrier-pigeon', port: 1 })).rejects.toThrow(/transport must be one of tcp, tls, unix/);
    } finally {
      await app.close();
    }
  });
});

describe('@Connect', () => {
  it('connects at bootstrap, reconnects with backoff when dropped, and resets the delay after a success', async () => {
    const server = await startServer();
    const port = server.address(Echo).port;
    const events: string[] = [];
    @Connect({ port, reconnect: { initialDelayMs: 100, factor: 2, maxDelayMs: 1000, jitter: 0 } })
    @Protocol()
    class Upstream {
      constructor(readonly conn: Connection) {}
      @OnConnect() up(): void {
        events.push('connect');
      }
      @OnData() data(): void {}
      @OnClose() down(reason: CloseReason): void {
        events.push(`close:${reason.kind}`);
      }
    }
    @Module({ protocols: [Upstream] })
    class ClientModule {}

    const clock = new VirtualClock();
    const app = await bootstrap(ClientModule, { ...opts, clock });
    let second: Application | undefined;
    try {
      const client = app.client(Upstream);
      await client.when('connected');
      expect(client.protocol).toBeInstanceOf(Upstream);
      expect(events).toEqual(['connect']);

      clock.advance(100); // a connection that lasted, so its drop is not a failed attempt
      await server.close(); // drops the client
      await client.when('waiting');
      expect(events).toEqual(['connect', 'close:done']);
      expect(client.nextDelayMs).toBe(100);

      clock.advance(100); // server is down: refused, back off
      await client.when('waiting');
      expect(client.failures).toBe(1);
      expect(client.nextDelayMs).toBe(100);
      clock.advance(100);
      await client.when('waiting');
      expect(client.failures).toBe(2);
      expect(client.nextDelayMs).toBe(200);
      expect(client.lastError).toBeInstanceOf(ConnectError);

      second = await startServer(port);
      clock.advance(200);
      await client.when('connected');
      expect(client.failures).toBe(0);
      expect(client.connections).toBe(2);
      expect(events).toEqual(['connect', 'close:done', 'connect']);

      // A drop after a success (one that lasted) waits initialDelayMs again, not the last backoff.
      clock.advance(100);
      for (const conn of Echo.live) conn.destroy();
      await client.when('waiting');
      expect(client.nextDelayMs).toBe(100);
      clock.advance(100);
      await client.when('connected');
    } finally {
      await app.close();
      await second?.close();
    }
    expect(app.client(Upstream).state).toBe('stopped');
    expect(app.metrics().pendingTimers).toBe(0);
  });

  it('gives up after maxRetries consecutive failures', async () => {
    const states: string[] = [];
    @Connect({ port: await freePort(), reconnect: { initialDelayMs: 50, jitter: 0, maxRetries: 2 } })
    @Protocol()
    class Doomed {
      @OnData() data(): void {}
    }
    @Module({ protocols: [Doomed] })
    class ClientModule {}
    const clock = new VirtualClock();
    const app = await bootstrap(ClientModule, { ...opts, clock });
    try {
      const client = app.client(Doomed);
      client.onChange((state) => states.push(state));
      await client.when('waiting');
      clock.advance(50);
      await client.when('waiting');
      clock.advance(100);
      await client.when('gave-up');
      expect(client.failures).toBe(3);
      expect((client.lastError as ConnectError).code).toBe('TORSION_ERR_CONNECT_REFUSED');
      expect(states).toEqual(['waiting', 'connecting', 'waiting', 'connecting', 'gave-up']);
      expect(clock.pending).toBe(0);
    } finally {
      await app.close();
    }
  });

  it('with reconnect: false, connects once and reports disconnected when dropped', async () => {
    const server = await startServer();
    @Connect({ port: server.address(Echo).port, reconnect: false })
    @Protocol()
    class Once {
      @OnData() data(): void {}
    }
    @Module({ protocols: [Once] })
    class ClientModule {}
    const app = await bootstrap(ClientModule, opts);
    try {
      const client = app.client(Once);
      await client.when('connected');
      await server.close();
      await client.when('disconnected');
      expect(client.connection).toBeUndefined();
    } finally {
      await app.close();
    }
  });

  it('stops a waiting client on app.close(), cancelling its timer', async () => {
    @Connect({ port: await freePort(), reconnect: { initialDelayMs: 60_000 } })
    @Protocol()
    class Waiting {
      @OnData() data(): void {}
    }
    @Module({ protocols: [Waiting] })
    class ClientModule {}
    const clock = new VirtualClock();
    const app = await bootstrap(ClientModule, { ...opts, clock });
    await app.client(Waiting).when('waiting');
    expect(clock.pending).toBe(1);
    await app.close();
    expect(app.client(Waiting).state).toBe('stopped');
    expect(clock.pending).toBe(0);
  });

  it('fails bootstrap on invalid @Connect options, naming the class', async () => {
    @Connect({ port: 7, reconnect: { factor: 0 } })
    @Protocol()
    class Bad {
      @OnData() data(): void {}
    }
    @Module({ protocols: [Bad] })
    class ClientModule {}
    const error = (await bootstrap(ClientModule, opts).catch((e: unknown) => e)) as BootstrapError;
    expect(error).toBeInstanceOf(BootstrapError);
    expect(error.message).toMatch(/@Connect on Bad: reconnect factor must be/);
  });

  it('fails bootstrap on a @Connect timeoutMs that could never work', async () => {
    @Connect({ port: 7, timeoutMs: 0 })
    @Protocol()
    class NoTime {
      @OnData() data(): void {}
    }
    @Module({ protocols: [NoTime] })
    class ClientModule {}
    await expect(bootstrap(ClientModule, opts)).rejects.toMatchObject({ code: 'TORSION_ERR_INVALID_OPTION', message: expect.stringContaining('@Connect on NoTime: timeoutMs must be a positive number') });
  });

  it('talks to the server through the connected protocol', async () => {
    const server = await startServer();
    const got: string[] = [];
    @Connect({ port: server.address(Echo).port })
    @Protocol()
    class Talker {
      constructor(private readonly conn: Connection) {}
      @OnConnect() hello(): string {
        return 'ping';
      }
      @OnData() data(chunk: Buffer): void {
        got.push(chunk.toString());
        this.conn.end();
      }
    }
    @Module({ protocols: [Talker] })
    class ClientModule {}
    const app = await bootstrap(ClientModule, opts);
    try {
      await eventually(() => got.join('') === 'ping', 5000, 'the echo of ping');
      expect(got.join('')).toBe('ping');
    } finally {
      await app.close();
      await server.close();
    }
  });
});
