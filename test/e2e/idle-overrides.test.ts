import { Connection, Listen, Module, OnClose, OnData, Protocol, bootstrap, lines, silentLogger, type CloseReason } from '../../src';
import { Peer, eventually } from '../support/peer';

const closes: CloseReason[] = [];

/** The protocol's own idle timeout is long; the listener and the client override it. */
@Listen({ port: 0, host: '127.0.0.1', idle: { readMs: 200 } })
@Protocol({ codec: lines(), idle: { readMs: 600_000 } })
class Quiet {
  constructor(readonly conn: Connection) {}
  @OnData() echo(line: string): string {
    return line;
  }
  @OnClose() closed(reason: CloseReason): void {
    closes.push(reason);
  }
}

@Module({ protocols: [Quiet] })
class QuietModule {}

describe('idle timeouts overridden by a listener and by a client', () => {
  it('a listener idle.readMs replaces the protocol one for the connections it accepts', async () => {
    const app = await bootstrap(QuietModule, { logger: silentLogger });
    try {
      const peer = await Peer.connect(app.address(Quiet).port);
      await peer.waitClosed();
      expect(peer.ended).toBe(true);
      await eventually(() => closes.some((r) => r.kind === 'timeout'), 5000, 'the server side to close with reason timeout');
      expect(closes.filter((r) => r.kind === 'timeout')).toHaveLength(1);
    } finally {
      await app.close();
    }
  });

  it('app.connect({ idle }) replaces it for that client, and a bad value is an OptionError', async () => {
    const server = await bootstrap(QuietModule, { logger: silentLogger, listen: [[Quiet, { port: 0, host: '127.0.0.1', idle: { readMs: 0 } }]] });
    const client = await bootstrap(QuietModule, { logger: silentLogger, listen: [[Quiet, { port: 0, host: '127.0.0.1' }]] });
    try {
      const port = server.address(Quiet).port;
      await expect(client.connect(Quiet, { port, idle: { readMs: -5 } })).rejects.toMatchObject({ code: 'TORSION_ERR_INVALID_OPTION', message: expect.stringContaining('idle.readMs must be a number of ms >= 0') });
      const dialled = await client.connect(Quiet, { port, idle: { readMs: 150 } });
      const reason = await dialled.closed;
      expect(reason.kind).toBe('timeout');
    } finally {
      await client.close();
      await server.close();
    }
  });

  it('refuses idle on a UDP listener at bootstrap', async () => {
    @Listen({ port: 0, transport: 'udp', idle: { readMs: 10 } })
    @Protocol()
    class Udp {
      @OnData() d(): void {}
    }
    @Module({ protocols: [Udp] })
    class UdpModule {}
    await expect(bootstrap(UdpModule, { logger: silentLogger })).rejects.toMatchObject({ code: 'TORSION_ERR_INVALID_OPTION', target: 'Udp' });
  });
});
