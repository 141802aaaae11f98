import 'reflect-metadata';
import { Connection, Listen, Module, OnConnect, OnData, Protocol, ProxyProtocolError, lines, type ProxyInfo } from 'torsion';
import { createTestingApp } from 'torsion/testing';

const seen: Array<ProxyInfo | undefined> = [];

@Listen({ port: 7000, proxyProtocol: 'any', maxConnectionsPerPeer: 1 })
@Protocol({ codec: lines() })
class Behind {
  constructor(private readonly conn: Connection) {}
  @OnConnect() hello(): void {
    seen.push(this.conn.proxy);
  }
  @OnData() who(line: string): string {
    return `${line} ${this.conn.remoteAddress}:${this.conn.remotePort} -> ${this.conn.localAddress}:${this.conn.localPort}`;
  }
}

@Listen(7001)
@Protocol({ codec: lines() })
class Plain {
  @OnData() echo(line: string): string {
    return line;
  }
}

@Module({ protocols: [Behind, Plain] })
class AppModule {}

/** HAProxy's health-check header with send-proxy-v2: LOCAL, length 7, one CRC32C TLV. */
const LOCAL_WITH_CRC = Buffer.from('0d0a0d0a000d0a515549540a20000007030004a9b87e8f', 'hex');

describe('t.connect({ proxyHeader }): the listener reads the PROXY header in memory', () => {
  beforeEach(() => (seen.length = 0));

  it('the header names the client; the proxy stays in conn.proxy.socket; bytes after the header are the first input', async () => {
    const t = createTestingApp(AppModule);
    const c = t.connect(Behind, { peer: { address: '10.0.0.5', port: 5000 }, proxyHeader: 'PROXY TCP4 203.0.113.7 192.0.2.1 40001 443\r\nwho\n' });
    expect(c.frames()).toEqual(['who 203.0.113.7:40001 -> 192.0.2.1:443']);
    expect(seen[0]).toMatchObject({ version: 1, source: { address: '203.0.113.7', port: 40001 }, socket: { remoteAddress: '10.0.0.5', remotePort: 5000, localAddress: '127.0.0.1', localPort: 7000 } });
    await t.close();
  });

  it('a v2 LOCAL header (a health check) keeps the peer as the remote end', async () => {
    const t = createTestingApp(AppModule);
    const c = t.connect(Behind, { peer: { address: '10.0.0.5', port: 5001 }, proxyHeader: LOCAL_WITH_CRC });
    c.send('who\n');
    expect(c.frames()).toEqual(['who 10.0.0.5:5001 -> 127.0.0.1:7000']);
    expect(seen[0]).toMatchObject({ version: 2, command: 'LOCAL', checksumVerified: true });
    await t.close();
  });

  it('a header the listener refuses gives a closed connection, refused "proxyProtocol", no protocol built, counted and logged', async () => {
    const t = createTestingApp(AppModule);
    const c = t.connect(Behind, { proxyHeader: 'HELLO\r\n' });
    expect(c.refused).toBe('proxyProtocol');
    expect(c.protocol).toBeUndefined();
    expect(c.connection.state).toBe('closed');
    expect(seen).toHaveLength(0);
    expect(t.app.listenerStats(Behind).refused.proxyProtocol).toBe(1);
    expect(t.logs.records.some((r) => r.fields.err instanceof ProxyProtocolError && r.fields.err.reason === 'missing')).toBe(true);
    await t.close();
  });

  it('per-peer limits count the header client, not the proxy', async () => {
    const t = createTestingApp(AppModule);
    const header = (client: string): string => `PROXY TCP4 ${client} 192.0.2.1 1 443\r\n`;
    expect(t.connect(Behind, { proxyHeader: header('203.0.113.1') }).refused).toBeUndefined();
    expect(t.connect(Behind, { proxyHeader: header('203.0.113.2') }).refused).toBeUndefined();
    expect(t.connect(Behind, { proxyHeader: header('203.0.113.1') }).refused).toBe('maxConnectionsPerPeer');
    await t.close();
  });

  it('an incomplete header, or one for a listener without proxyProtocol, is a mistake in the test: OptionError', async () => {
    const t = createTestingApp(AppModule);
    expect(() => t.connect(Behind, { proxyHeader: 'PROXY TCP4 1.2.3.4' })).toThrow(/not a whole PROXY header/);
    expect(() => t.connect(Plain, { proxyHeader: 'PROXY UNKNOWN\r\n' })).toThrow(/has no proxyProtocol/);
    await t.close();
  });
});
