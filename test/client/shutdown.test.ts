import * as net from 'node:net';
import { Connect, Listen, Module, OnConnect, OnData, Protocol, bootstrap, silentLogger, datagramRaw } from '../../src';
import { VirtualClock, createTestingApp, nextTurn } from '../../src/testing';
import { eventually } from '../support/peer';

@Protocol()
class Dialer {
  @OnData() d(): void {}
}

@Module({ protocols: [Dialer] })
class DialModule {}

describe('shutdown while dialling', () => {
  it('app.close() abandons a connection still being dialled (a TLS handshake that never completes)', async () => {
    // Accepts TCP but never speaks TLS: the client's handshake would wait until its timeout.
    const accepted: net.Socket[] = [];
    let serverSideClosed = false;
    const silent = net.createServer((s) => {
      accepted.push(s);
      s.on('error', () => undefined); // the abandoned client may reset
      s.once('close', () => (serverSideClosed = true));
      s.resume();
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as net.AddressInfo).port;
    const app = await bootstrap(DialModule, { logger: silentLogger });
    const dialling = app.connect(Dialer, { transport: 'tls', host: '127.0.0.1', port, timeoutMs: 60_000 }).catch((e: unknown) => e);
    // Once TCP is accepted the client is in its TLS handshake, which never completes.
    await eventually(() => accepted.length === 1, 5000, 'the silent server to accept the dial');
    await app.close({ timeoutMs: 100 });
    expect(await dialling).toMatchObject({ code: 'TORSION_ERR_CONNECT', message: expect.stringContaining('the application is closing') });
    // The client socket is gone: the server sees its side closed.
    await eventually(() => serverSideClosed, 5000, "the server side of the abandoned dial to close");
    expect(serverSideClosed).toBe(true);
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });

  it("a client's when() rejects at once when it already ended in another final state", async () => {
    @Connect({ host: '127.0.0.1', port: 1, reconnect: false, timeoutMs: 1000 })
    @Protocol()
    class Once {
      @OnData() d(): void {}
    }
    @Module({ protocols: [Once] })
    class M {}
    const app = await bootstrap(M, { logger: silentLogger });
    const client = app.client(Once);
    await client.when('connected').catch(() => undefined); // refused: ends 'disconnected' or 'gave-up'
    await app.close();
    await expect(client.when('connected')).rejects.toThrow(/already 'stopped'/);
  });
});

describe('UDP @OnConnect that rejects', () => {
  it('is logged, not left as an unhandled rejection', async () => {
    @Listen({ port: 0, transport: 'udp', codec: datagramRaw() })
    @Protocol()
    class Grumpy {
      @OnConnect() async bound(): Promise<void> {
        throw new Error('cannot warm up');
      }
      @OnData() d(): void {}
    }
    @Module({ protocols: [Grumpy] })
    class M {}
    const t = createTestingApp(M);
    t.bindDatagram(Grumpy);
    await nextTurn();
    expect(t.logs.records.some((r) => r.level === 'error' && r.msg.includes('Grumpy.bound failed'))).toBe(true);
    await t.close();
  });
});

describe('reconnecting to a server that drops every connection at once', () => {
  it('counts each quick drop as a failure: the delay grows and maxRetries ends it', async () => {
    const rude = net.createServer((s) => s.destroy());
    await new Promise<void>((resolve) => rude.listen(0, '127.0.0.1', resolve));
    const port = (rude.address() as net.AddressInfo).port;
    @Connect({ host: '127.0.0.1', port, reconnect: { initialDelayMs: 100, factor: 2, maxDelayMs: 10_000, jitter: 0, maxRetries: 3 } })
    @Protocol()
    class Persistent {
      @OnData() d(): void {}
    }
    @Module({ protocols: [Persistent] })
    class M {}
    const clock = new VirtualClock();
    const app = await bootstrap(M, { logger: silentLogger, clock });
    const client = app.client(Persistent);
    const delays: number[] = [];
    for (let i = 0; i < 10 && client.state !== 'gave-up'; i++) {
      await Promise.race([client.when('waiting'), client.when('gave-up')]).catch(() => undefined);
      if (client.state === 'waiting') {
        delays.push(client.nextDelayMs as number);
        clock.advance(client.nextDelayMs as number);
      }
    }
    expect(delays).toEqual([100, 200, 400]);
    expect(client.state).toBe('gave-up');
    await app.close();
    await new Promise<void>((resolve) => rude.close(() => resolve()));
  });
});
