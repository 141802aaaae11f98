import {
  Module,
  Protocol,
  Listen,
  Connect,
  OnData,
  OnConnect,
  Connection,
  bootstrap,
  silentLogger,
  ClientEndedError,
  ConnectError,
  TorsionError,
} from '../../src';
import { VirtualClock } from '../../src/testing';
import { freePort } from '../support/free-port';

// What a @Connect client rejects with and records is a TorsionError with a code, never a bare Error.
const opts = { logger: silentLogger, unlistedListen: 'ignore' as const };

describe('ReconnectingClient errors', () => {
  it('when() rejects with a ClientEndedError (TORSION_ERR_CLIENT_ENDED) when the client ends in another state, caused by its last error', async () => {
    @Connect({ host: '127.0.0.1', port: await freePort(), reconnect: false })
    @Protocol()
    class Refused {
      @OnData() data(): void {}
    }
    @Module({ protocols: [Refused] })
    class ClientModule {}
    const app = await bootstrap(ClientModule, { ...opts, clock: new VirtualClock() });
    try {
      const client = app.client(Refused);
      const waiting = client.when('connected');
      await expect(waiting).rejects.toBeInstanceOf(ClientEndedError);
      const ended = (await waiting.catch((error: unknown) => error)) as ClientEndedError;
      expect(ended).toBeInstanceOf(TorsionError);
      expect(ended).toMatchObject({ code: 'TORSION_ERR_CLIENT_ENDED', client: 'Refused', state: 'gave-up', awaited: 'connected' });
      expect(ended.cause).toBe(client.lastError);
      expect(ended.cause).toBeInstanceOf(ConnectError);

      // Asked again once final: rejected at once, the same way.
      await expect(client.when('connected')).rejects.toMatchObject({ code: 'TORSION_ERR_CLIENT_ENDED', state: 'gave-up', awaited: 'connected' });
    } finally {
      await app.close();
    }
    await expect(app.client(Refused).when('connected')).rejects.toMatchObject({ code: 'TORSION_ERR_CLIENT_ENDED', state: 'stopped' });
  });

  it('a connection that closes right after it opens is a failed attempt whose lastError is a ConnectError (TORSION_ERR_CONNECT_DROPPED)', async () => {
    @Listen({ port: 0, host: '127.0.0.1' })
    @Protocol()
    class SlamsTheDoor {
      constructor(private readonly conn: Connection) {}
      @OnConnect() bye(): void {
        this.conn.destroy();
      }
      @OnData() data(): void {}
    }
    @Module({ protocols: [SlamsTheDoor] })
    class ServerModule {}
    const server = await bootstrap(ServerModule, opts);
    try {
      // The virtual clock never moves, so every drop is "right after it opened" (< initialDelayMs).
      @Connect({ host: '127.0.0.1', port: server.address(SlamsTheDoor).port, reconnect: { initialDelayMs: 1000, jitter: 0, maxRetries: 0 } })
      @Protocol()
      class Dropped {
        @OnData() data(): void {}
      }
      @Module({ protocols: [Dropped] })
      class ClientModule {}
      const app = await bootstrap(ClientModule, { ...opts, clock: new VirtualClock() });
      try {
        const client = app.client(Dropped);
        await client.when('gave-up');
        expect(client.connections).toBe(1);
        expect(client.lastError).toBeInstanceOf(ConnectError);
        expect(client.lastError).toMatchObject({ code: 'TORSION_ERR_CONNECT_DROPPED' });
        expect(client.lastError?.message).toMatch(/^the connection to 127\.0\.0\.1:\d+ closed right after it opened/);
      } finally {
        await app.close();
      }
    } finally {
      await server.close();
    }
  });
});
