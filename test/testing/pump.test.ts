import { Connection, Module, OnClose, OnConnect, OnData, Protocol, type CloseReason } from 'torsion';
import { createTestingApp, pump, PumpError, type TestingApp } from 'torsion/testing';
import { textLines } from './fixtures/text-lines';

/** Answers `ping N` with `pong N`, asynchronously; anything else with an echo. */
@Protocol({ codec: textLines() })
class PongServer {
  reason: CloseReason | undefined;
  constructor(readonly conn: Connection) {}
  @OnConnect() banner(): string {
    return `ready ${this.conn.remoteAddress}:${this.conn.remotePort}`;
  }
  @OnData() async line(line: string): Promise<string> {
    await Promise.resolve();
    return line.startsWith('ping ') ? `pong ${line.slice(5)}` : line;
  }
  @OnClose() closed(reason: CloseReason): void {
    this.reason = reason;
  }
}

/** Waits for the banner, sends three pings one after another, then ends. */
@Protocol({ codec: textLines() })
class PingClient {
  readonly heard: string[] = [];
  reason: CloseReason | undefined;
  private sent = 0;
  constructor(readonly conn: Connection) {}
  @OnData() line(line: string): string | undefined {
    this.heard.push(line);
    if (this.sent === 3) {
      this.conn.end();
      return undefined;
    }
    return `ping ${++this.sent}`;
  }
  @OnClose() closed(reason: CloseReason): void {
    this.reason = reason;
  }
}

/** Echoes everything back, as does its peer: a conversation that never ends. */
@Protocol({ codec: textLines() })
class Parrot {
  @OnConnect() start(): string {
    return 'polly';
  }
  @OnData() line(line: string): string {
    return line;
  }
}

@Module({ protocols: [PongServer, PingClient, Parrot] })
class AppModule {}

describe('pump and connectPair (a torsion client and server in memory)', () => {
  let t: TestingApp;
  beforeEach(() => {
    t = createTestingApp(AppModule);
  });
  afterEach(() => t.close());

  it('moves bytes both ways until quiet, through async handlers, and carries the FIN across', async () => {
    const { client, server } = t.connectPair(PingClient, PongServer);
    const report = await pump(client, server);
    expect(client.protocol.heard).toEqual([`ready 127.0.0.1:${client.connection.localPort}`, 'pong 1', 'pong 2', 'pong 3']);
    expect(server.frames()).toEqual([expect.stringMatching(/^ready /), 'pong 1', 'pong 2', 'pong 3']);
    expect(client.frames()).toEqual(['ping 1', 'ping 2', 'ping 3']);
    expect(report.rounds).toBeGreaterThanOrEqual(8);
    expect(report.bytes).toBe(client.written().length + server.written().length);
    // The client ended; the server saw the FIN, ended too, and both closed cleanly.
    expect(client.closeReason?.kind).toBe('done');
    expect(server.closeReason?.kind).toBe('done');
    expect(server.protocol.reason?.kind).toBe('done');
  });

  it('gives each side the other as its peer address', () => {
    const { client, server } = t.connectPair(PingClient, PongServer);
    expect(client.connection.remotePort).toBe(server.connection.localPort);
    expect(server.connection.remotePort).toBe(client.connection.localPort);
  });

  it('delivers a reset as a lost connection on the other side', async () => {
    const pair = t.connectPair(PingClient, PongServer);
    pair.client.protocol.conn.destroy();
    await pair.pump();
    expect(pair.client.closeReason?.kind).toBe('aborted');
    expect(pair.server.closeReason?.kind).toBe('lost');
  });

  it('throws a PumpError when the two sides never go quiet', async () => {
    const pair = t.connectPair(Parrot, Parrot);
    const error = await pair.pump({ maxRounds: 20 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PumpError);
    expect(error).toMatchObject({ code: 'TORSION_ERR_PUMP_NOT_QUIET', rounds: 20 });
    expect((error as PumpError).bytes).toBeGreaterThan(0);
  });

  it('connects a client of one application to a server of another', async () => {
    const serverApp = createTestingApp(AppModule);
    const pair = t.connectPair(PingClient, PongServer, { server: serverApp });
    await pair.pump();
    expect(pair.client.protocol.heard.at(-1)).toBe('pong 3');
    expect(serverApp.app.metrics().connections).toBe(0);
    await serverApp.close();
  });

  it('closes an application with open pairs: both sides drain and close cleanly', async () => {
    const pair = t.connectPair(Parrot, PongServer);
    await pair.pump({ maxRounds: 3 }).catch(() => undefined); // the parrot and the server echo each other forever
    await t.close();
    expect(pair.client.closed && pair.server.closed).toBe(true);
    expect(pair.server.protocol.reason?.kind).toBe('done');
  });
});
