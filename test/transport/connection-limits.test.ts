import { injectable } from 'tsyringe';
import { BootstrapError, Connection, Listen, Module, OnData, Protocol, lines, silentLogger } from '../../src';
import { compileApplication } from '../../src/application/bootstrap';
import { ConnectionLimiter } from '../../src/transport/connection-limiter';
import { createTestingApp, type TestConnection, type TestingApp } from '../../src/testing';

/** Counts protocol instances built, to show a refused connection builds none. */
@injectable()
class Built {
  count = 0;
  /** When set, the next protocol constructor throws (a protocol that fails to build). */
  failNext = false;
}

const REFUSE = '-ERR max number of clients reached\r\n';

/** "quit" ends, "kill" destroys, "boom" throws (closing with reason error), anything else is echoed. */
@Listen({ port: 6379, maxConnections: 3, maxConnectionsPerPeer: 2, refuseMessage: REFUSE })
@Protocol({ codec: lines(), idle: { readMs: 1000 } })
class Limited {
  constructor(
    private readonly conn: Connection,
    built: Built,
  ) {
    if (built.failNext) {
      built.failNext = false;
      throw new Error('cannot build');
    }
    built.count++;
  }

  @OnData() line(text: string): string | undefined {
    if (text === 'quit') return void this.conn.end();
    if (text === 'kill') return void this.conn.destroy();
    if (text === 'boom') throw new Error('boom');
    return text;
  }
}

/** Only a total limit, and no refuse message: a refused peer reads nothing, then EOF. */
@Listen({ port: 7000, maxConnections: 1 })
@Protocol({ codec: lines() })
class Silent {
  @OnData() line(text: string): string {
    return text;
  }
}

@Module({ protocols: [Limited, Silent], providers: [Built] })
class LimitsModule {}

describe('connection limits in memory (the limiter of the first @Listen, through t.connect)', () => {
  let t: TestingApp;
  beforeEach(() => {
    t = createTestingApp(LimitsModule);
  });
  afterEach(() => t.close({ timeoutMs: 0 }));

  const peer = (address: string) => ({ peer: { address } });

  it('refuses past maxConnections: the refuseMessage, then closed, with no protocol instance built; the others go on', () => {
    const open = [t.connect(Limited, peer('10.0.0.1')), t.connect(Limited, peer('10.0.0.2')), t.connect(Limited, peer('10.0.0.3'))];
    const refused = t.connect(Limited, peer('10.0.0.4'));
    expect(refused.refused).toBe('maxConnections');
    expect(refused.protocol).toBeUndefined();
    expect(refused.text()).toBe(REFUSE);
    expect(refused.connection.state).toBe('closed');
    expect(t.get(Built).count).toBe(3);
    for (const c of open) {
      expect(c.refused).toBeUndefined();
      c.send('still here\n');
      expect(c.frames()).toEqual(['still here']);
    }
    expect(t.app.listenerStats(Limited)).toEqual({ accepted: 3, refused: { maxConnections: 1, maxConnectionsPerPeer: 0, proxyProtocol: 0 }, open: 3 });
  });

  it('refuses past maxConnectionsPerPeer by address, an IPv4-mapped IPv6 address counting as its IPv4 one', () => {
    t.connect(Limited, peer('192.0.2.7'));
    t.connect(Limited, peer('::ffff:192.0.2.7'));
    const third = t.connect(Limited, peer('192.0.2.7'));
    const mapped = t.connect(Limited, peer('::FFFF:192.0.2.7'));
    expect([third.refused, mapped.refused]).toEqual(['maxConnectionsPerPeer', 'maxConnectionsPerPeer']);
    expect(third.text()).toBe(REFUSE);
    // Another peer still gets in (the total limit is 3).
    expect(t.connect(Limited, peer('192.0.2.8')).refused).toBeUndefined();
    expect(t.app.listenerStats(Limited)).toEqual({ accepted: 3, refused: { maxConnections: 0, maxConnectionsPerPeer: 2, proxyProtocol: 0 }, open: 3 });
  });

  it('gives a place back whatever the close reason: done, lost, aborted, error, timeout, and a protocol that failed to build (twisted#12183)', async () => {
    const stats = t.app.listenerStats(Limited);
    const from = peer('198.51.100.1');
    // Each round: fill the peer's two places, close one by the given means, and show a third
    // connection from that peer is admitted again (it would be refused had the count not gone down).
    const closers: Array<[string, (c: TestConnection<Limited>) => Promise<void> | void]> = [
      ['done (peer FIN)', (c) => c.peerClose()],
      ['lost (peer RST)', (c) => c.connection.peerReset()],
      ['done (protocol ends)', (c) => c.send('quit\n')],
      ['aborted (protocol destroys)', (c) => c.send('kill\n')],
      ['error (handler throws)', (c) => c.send('boom\n')],
      ['timeout (idle)', () => t.advance(2000)],
    ];
    for (const [kind, close] of closers) {
      const a = t.connect(Limited, from);
      const b = t.connect(Limited, from);
      expect(t.connect(Limited, from).refused).toBe('maxConnectionsPerPeer');
      await close(a);
      await t.settle();
      expect(a.connection.state).toBe('closed');
      const again = t.connect(Limited, from);
      expect({ kind, refused: again.refused }).toEqual({ kind, refused: undefined });
      b.connection.destroy();
      again.connection.destroy();
      await t.settle();
      expect({ kind, open: stats.open }).toEqual({ kind, open: 0 });
    }
    // A protocol whose constructor throws: the connection was counted, then closed with the error.
    t.get(Built).failNext = true;
    expect(() => t.connect(Limited, from)).toThrow(expect.objectContaining({ code: 'TORSION_ERR_PROTOCOL_FAILED' }));
    await t.settle();
    expect(stats.open).toBe(0);
    const x = t.connect(Limited, from);
    const y = t.connect(Limited, from);
    expect([x.refused, y.refused]).toEqual([undefined, undefined]);
    expect(stats.refused).toEqual({ maxConnections: 0, maxConnectionsPerPeer: closers.length, proxyProtocol: 0 });
  });

  it('admits again after a close frees a place under maxConnections', async () => {
    const first = t.connect(Silent);
    const second = t.connect(Silent);
    expect(second.refused).toBe('maxConnections');
    // No refuseMessage: closed without a word.
    expect(second.written().length).toBe(0);
    expect(second.connection.state).toBe('closed');
    first.peerClose();
    await t.settle();
    const third = t.connect(Silent);
    expect(third.refused).toBeUndefined();
    third.send('hi\n');
    expect(third.frames()).toEqual(['hi']);
    expect(t.app.listenerStats(Silent)).toEqual({ accepted: 2, refused: { maxConnections: 1, maxConnectionsPerPeer: 0, proxyProtocol: 0 }, open: 1 });
  });

  it('logs refusals, rate-limited', () => {
    t.connect(Silent);
    for (let i = 0; i < 50; i++) t.connect(Silent);
    const refusals = t.logs.records.filter((r) => r.msg.includes('refused a connection to Silent'));
    expect(refusals.length).toBeGreaterThan(0);
    expect(refusals.length).toBeLessThan(50);
  });
});

describe('ConnectionLimiter', () => {
  it('is unlimited by default and counts nothing per peer', () => {
    const limiter = new ConnectionLimiter({}, 'here');
    expect(limiter.limited).toBe(false);
    expect(limiter.peerKey('10.0.0.1')).toBeUndefined();
    for (let i = 0; i < 1000; i++) expect(limiter.admit(undefined)).toBeUndefined();
    expect(limiter.stats.open).toBe(1000);
  });

  it('keys IPv4-mapped IPv6 addresses as IPv4, and leaves other IPv6 addresses alone', () => {
    const limiter = new ConnectionLimiter({ maxConnectionsPerPeer: 1 }, 'here');
    expect(limiter.peerKey('::ffff:10.1.2.3')).toBe('10.1.2.3');
    expect(limiter.peerKey('10.1.2.3')).toBe('10.1.2.3');
    expect(limiter.peerKey('2001:db8::1')).toBe('2001:db8::1');
    expect(limiter.peerKey('::ffff:abcd')).toBe('::ffff:abcd');
  });

  it('forgets a peer once its last connection is released (the map stays as small as the open peers)', () => {
    const limiter = new ConnectionLimiter({ maxConnectionsPerPeer: 2 }, 'here');
    const peers = (limiter as unknown as { peers: Map<string, number> }).peers;
    for (let i = 0; i < 100; i++) {
      const address = i % 2 === 0 ? `10.0.0.${i}` : `::ffff:10.0.0.${i}`;
      expect(limiter.admit(address)).toBeUndefined();
      limiter.release({ remoteAddress: address });
    }
    expect(peers.size).toBe(0);
    expect(limiter.stats).toEqual({ accepted: 100, refused: { maxConnections: 0, maxConnectionsPerPeer: 0, proxyProtocol: 0 }, open: 0 });
  });
});

describe('limit and socket options are checked at bootstrap, naming the class', () => {
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ['maxConnections 0', { port: 0, maxConnections: 0 }, 'maxConnections must be a positive integer'],
    ['maxConnections 1.5', { port: 0, maxConnections: 1.5 }, 'maxConnections must be a positive integer'],
    ['maxConnectionsPerPeer "2"', { port: 0, maxConnectionsPerPeer: '2' }, 'maxConnectionsPerPeer must be a positive integer'],
    ['a refuseMessage without a limit', { port: 0, refuseMessage: 'no' }, 'refuseMessage is only sent to connections refused by a limit'],
    ['a refuseMessage too long', { port: 0, maxConnections: 1, refuseMessage: 'x'.repeat(1025) }, 'more than the 1024 allowed'],
    ['a refuseMessage of the wrong type', { port: 0, maxConnections: 1, refuseMessage: 42 }, 'refuseMessage must be a string or bytes'],
    ['limits on UDP', { port: 0, transport: 'udp', maxConnections: 5, keepAlive: true }, 'maxConnections, keepAlive concern connections and TCP sockets'],
    ['per-peer limit on a Unix socket', { path: '/tmp/torsion-limits-never.sock', maxConnectionsPerPeer: 1 }, 'Unix socket peers have none'],
    ['keepAlive on a Unix socket', { path: '/tmp/torsion-limits-never.sock', keepAlive: true }, 'a Unix socket has neither'],
    ['noDelay not a boolean', { port: 0, noDelay: 'yes' }, 'noDelay must be true or false'],
    ['keepAlive a number', { port: 0, keepAlive: 5 }, 'keepAlive must be true, false or { initialDelayMs }'],
    ['keepAlive delay under a second', { port: 0, keepAlive: { initialDelayMs: 500 } }, 'keepAlive.initialDelayMs must be a whole number of seconds'],
    ['keepAlive delay not whole seconds', { port: 0, keepAlive: { initialDelayMs: 1500 } }, 'keepAlive.initialDelayMs must be a whole number of seconds'],
    ['backlog 0', { port: 0, backlog: 0 }, 'backlog must be a positive integer'],
  ];
  it.each(cases)('%s', (_name, listen, message) => {
    @Listen(listen)
    @Protocol()
    class Checked {
      @OnData() data(): void {}
    }
    @Module({ protocols: [Checked] })
    class M {}
    let caught: unknown;
    try {
      compileApplication(M, { logger: silentLogger });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(BootstrapError);
    expect(caught).toMatchObject({ code: 'TORSION_ERR_INVALID_OPTION', target: 'Checked' });
    expect((caught as Error).message).toContain('Checked');
    expect((caught as Error).message).toContain(message);
  });

  it('accepts every option at its documented form', () => {
    @Listen({ port: 0, maxConnections: 10_000, maxConnectionsPerPeer: 32, refuseMessage: Buffer.from('busy\r\n'), noDelay: false, keepAlive: { initialDelayMs: 60_000 }, backlog: 511 })
    @Listen({ port: 0, keepAlive: true })
    @Protocol()
    class AllOptions {
      @OnData() data(): void {}
    }
    @Module({ protocols: [AllOptions] })
    class M {}
    const app = compileApplication(M, { logger: silentLogger });
    expect(app.listenerStats(AllOptions, 1)).toEqual({ accepted: 0, refused: { maxConnections: 0, maxConnectionsPerPeer: 0, proxyProtocol: 0 }, open: 0 });
    expect(() => app.listenerStats(AllOptions, 2)).toThrow(expect.objectContaining({ code: 'TORSION_ERR_NO_LISTENER' }));
  });
});
