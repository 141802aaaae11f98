import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { once } from 'node:events';
import { BootstrapError, Connection, Listen, Module, OnConnect, OnData, Protocol, bootstrap, lines, silentLogger, type Application, type ProxyInfo } from '../../src';
import { MemoryLogger, VirtualClock } from '../../src/testing';
import { V2_SIGNATURE } from '../../src/transport/proxy-header';
import { crc32c } from '../../src/transport/proxy-tlv';
import { Peer, eventually } from '../support/peer';
import { makeTestCerts } from '../transport/support/certs';
import { haproxyBinary, startHaproxy } from '../support/haproxy';

const certs = makeTestCerts();
afterAll(() => certs.cleanup());

/** What each served connection saw in @OnConnect (so a refused one is seen never to have been built). */
const seen: Array<{ remote: string; local: string; proxy: ProxyInfo | undefined }> = [];

function describeConn(conn: Connection): string {
  return `${conn.remoteAddress}:${conn.remotePort} ${conn.localAddress}:${conn.localPort}`;
}

/** Answers `who` with the connection's ends as torsion reports them; echoes anything else. */
@Protocol({ codec: lines() })
class Whoami {
  constructor(private readonly conn: Connection) {}

  @OnConnect() connected(): void {
    seen.push({ remote: `${this.conn.remoteAddress}:${this.conn.remotePort}`, local: `${this.conn.localAddress}:${this.conn.localPort}`, proxy: this.conn.proxy });
  }

  @OnData() line(line: string): string {
    if (line === 'who') return describeConn(this.conn);
    return `echo ${line}`;
  }
}

/** Pauses in @OnConnect: bytes that came with the header must wait for its resume, in order. */
@Protocol({ codec: lines() })
class SlowStart {
  constructor(private readonly conn: Connection) {}

  private paused = false;

  @OnConnect() hold(): void {
    this.conn.pause();
    this.paused = true;
    setTimeout(() => {
      this.paused = false;
      this.conn.resume();
    }, 30);
  }

  @OnData() line(line: string): string {
    return `${this.paused ? 'while paused' : 'got'} ${line}`;
  }
}

const v1Header = (client = '203.0.113.7', port = 40_001): string => `PROXY TCP4 ${client} 198.51.100.1 ${port} 7000\r\n`;

function v2Header(command: 0 | 1, address: Buffer, tlvs: Buffer = Buffer.alloc(0), crc = false): Buffer {
  const crcTlv = crc ? Buffer.from([0x03, 0x00, 0x04, 0, 0, 0, 0]) : Buffer.alloc(0);
  const body = Buffer.concat([address, tlvs, crcTlv]);
  const header = Buffer.concat([V2_SIGNATURE, Buffer.from([0x20 | command, address.length === 12 ? 0x11 : 0x00, body.length >> 8, body.length & 0xff]), body]);
  if (crc) header.writeUInt32BE(crc32c(header), header.length - 4);
  return header;
}
/** 192.0.2.55:51000 -> 10.1.2.3:443 */
const inet = Buffer.from([192, 0, 2, 55, 10, 1, 2, 3, 0xc7, 0x38, 0x01, 0xbb]);

async function start(protocol: new (...args: never[]) => unknown, options: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<Application> {
  @Module({ protocols: [protocol as never] })
  class M {}
  Listen({ port: 0, host: '127.0.0.1', ...options })(protocol as never);
  return bootstrap(M, { logger: silentLogger, ...extra });
}

async function lineFrom(peer: Peer, n: number): Promise<string[]> {
  await peer.until((p) => p.text.split('\n').length > n, 10_000, `${n} line(s)`);
  return peer.text.split('\n').slice(0, n);
}

describe('PROXY protocol listeners (real sockets)', () => {
  let app: Application | undefined;
  const peers: Peer[] = [];
  beforeEach(() => (seen.length = 0));
  afterEach(async () => {
    for (const p of peers.splice(0)) await p.close();
    await app?.close();
    app = undefined;
  });

  async function connect(): Promise<Peer> {
    const peer = await Peer.connect((app as Application).addresses[0].port);
    peers.push(peer);
    return peer;
  }

  it('v1: @OnConnect and handlers see the client and the address it reached; the socket stays in conn.proxy.socket', async () => {
    @Protocol({ codec: lines() })
    class V1 extends Whoami {}
    app = await start(V1, { proxyProtocol: 'v1' });
    const peer = await connect();
    peer.send(`${v1Header()}who\n`);
    expect(await lineFrom(peer, 1)).toEqual(['203.0.113.7:40001 198.51.100.1:7000']);
    expect(seen).toHaveLength(1);
    expect(seen[0].remote).toBe('203.0.113.7:40001');
    expect(seen[0].proxy).toMatchObject({ version: 1, command: 'PROXY', family: 'tcp4', socket: { remoteAddress: '127.0.0.1', remotePort: peer.socket.localPort, localAddress: '127.0.0.1', localPort: app.addresses[0].port } });
  });

  it('v2: the header cut into single bytes (one write each), TLVs exposed, CRC32C checked', async () => {
    @Protocol({ codec: lines() })
    class V2 extends Whoami {}
    app = await start(V2, { proxyProtocol: 'v2' });
    const peer = await connect();
    peer.socket.setNoDelay(true);
    const header = v2Header(1, inet, Buffer.from([0x01, 0x00, 0x02, 0x68, 0x32]), true);
    for (const byte of header) await peer.write(Buffer.from([byte]));
    await peer.write('who\n');
    expect(await lineFrom(peer, 1)).toEqual(['192.0.2.55:51000 10.1.2.3:443']);
    expect(seen[0].proxy).toMatchObject({ version: 2, alpn: 'h2', checksumVerified: true });
  });

  it('any: takes v1 and v2; LOCAL (a health check) and v1 UNKNOWN keep the socket addresses', async () => {
    @Protocol({ codec: lines() })
    class Any extends Whoami {}
    app = await start(Any, { proxyProtocol: 'any' });
    const a = await connect();
    a.send(Buffer.concat([v2Header(0, Buffer.alloc(0), Buffer.alloc(0), true), Buffer.from('who\n')]));
    const b = await connect();
    b.send('PROXY UNKNOWN\r\nwho\n');
    const c = await connect();
    c.send(`${v1Header('198.51.100.9', 1)}who\n`);
    const port = app.addresses[0].port;
    expect(await lineFrom(a, 1)).toEqual([`127.0.0.1:${a.socket.localPort} 127.0.0.1:${port}`]);
    expect(await lineFrom(b, 1)).toEqual([`127.0.0.1:${b.socket.localPort} 127.0.0.1:${port}`]);
    expect(await lineFrom(c, 1)).toEqual(['198.51.100.9:1 198.51.100.1:7000']);
    expect(seen.map((s) => s.proxy?.command)).toEqual(expect.arrayContaining(['LOCAL', 'PROXY']));
  });

  it('bytes that follow the header in the same segment reach a protocol that paused in @OnConnect, after its resume, in order', async () => {
    app = await start(SlowStart, { proxyProtocol: 'v1' });
    const peer = await connect();
    peer.send(`${v1Header()}one\ntwo\n`);
    peer.send('three\n');
    expect(await lineFrom(peer, 3)).toEqual(['got one', 'got two', 'got three']);
  });

  it.each([
    ['missing (plain bytes)', 'v1', 'hello\r\n', 'missing'],
    ['a v2 header on a v1 listener', 'v1', v2Header(1, inet), 'missing'],
    ['malformed v1', 'any', 'PROXY TCP4 1.2.3.4 5.6.7.8 99999 1\r\nwho\n', 'malformed'],
    ['oversized v1', 'v1', `PROXY UNKNOWN ${'x'.repeat(120)}`, 'oversized'],
    ['a bad CRC32C', 'v2', (() => { const h = v2Header(1, inet, Buffer.alloc(0), true); h[h.length - 1] ^= 1; return h; })(), 'checksum'],
  ])('%s: closes the connection, builds no protocol, logs a ProxyProtocolError and counts it', async (_what, version, bytes, reason) => {
    const logger = new MemoryLogger();
    @Protocol({ codec: lines() })
    class Strict extends Whoami {}
    app = await start(Strict, { proxyProtocol: version }, { logger, metrics: { port: 0 } });
    const peer = await connect();
    peer.send(bytes);
    await peer.waitClosed(10_000);
    expect(seen).toHaveLength(0);
    expect(app.listenerStats(Strict).refused.proxyProtocol).toBe(1);
    expect(app.listenerStats(Strict).accepted).toBe(0);
    const record = logger.records.find((r) => r.msg.includes('PROXY protocol'));
    expect(record?.fields.err).toMatchObject({ code: 'TORSION_ERR_PROXY_PROTOCOL', reason });
    const metrics = await fetchText(`http://127.0.0.1:${app.metricsAddress?.port}/metrics`);
    expect(metrics).toMatch(/torsion_connections_refused_total\{[^}]*reason="proxy_protocol"[^}]*\} 1/);
    // The listener goes on serving.
    const good = await connect();
    good.send(`${v1Header()}who\n`);
    if (version !== 'v2') expect(await lineFrom(good, 1)).toEqual(['203.0.113.7:40001 198.51.100.1:7000']);
  });

  it('a header not complete within timeoutMs (reactor clock: virtual here) closes the connection', async () => {
    const clock = new VirtualClock();
    @Protocol({ codec: lines() })
    class Timed extends Whoami {}
    app = await start(Timed, { proxyProtocol: { version: 'v1', timeoutMs: 3000 } }, { clock });
    const peer = await connect();
    await peer.write('PROXY TCP4 1.2.3.4');
    await eventually(() => clock.pending > 0, 10_000, 'the header timer');
    clock.advance(2999);
    expect(peer.closed).toBe(false);
    clock.advance(1);
    await peer.waitClosed(10_000);
    expect(app.listenerStats(Timed).refused.proxyProtocol).toBe(1);
    expect(seen).toHaveLength(0);
  });

  it('a peer closing before its header is counted; app.close() does not wait for a pending header', async () => {
    @Protocol({ codec: lines() })
    class Pending extends Whoami {}
    app = await start(Pending, { proxyProtocol: 'v2' });
    const quitter = await connect();
    await quitter.write(V2_SIGNATURE.subarray(0, 5));
    quitter.socket.end();
    await eventually(() => (app as Application).listenerStats(Pending).refused.proxyProtocol === 1, 10_000, 'the refusal');
    const waiting = await connect();
    await waiting.write(V2_SIGNATURE.subarray(0, 3));
    const closing = app.close({ timeoutMs: 60_000 });
    await waiting.waitClosed(10_000);
    await closing;
    app = undefined;
  });

  it('connection limits count the client the header names', async () => {
    @Protocol({ codec: lines() })
    class PerPeer extends Whoami {}
    app = await start(PerPeer, { proxyProtocol: 'v1', maxConnectionsPerPeer: 1 });
    const first = await connect();
    first.send(`${v1Header('203.0.113.1', 1)}who\n`);
    await lineFrom(first, 1);
    const other = await connect();
    other.send(`${v1Header('203.0.113.2', 2)}who\n`);
    expect(await lineFrom(other, 1)).toEqual(['203.0.113.2:2 198.51.100.1:7000']);
    const same = await connect();
    same.send(`${v1Header('203.0.113.1', 3)}who\n`);
    await same.waitClosed(10_000);
    expect(app.listenerStats(PerPeer).refused.maxConnectionsPerPeer).toBe(1);
  });

  it('a Unix listener reads the header too', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'torsion-proxy-'));
    @Protocol({ codec: lines() })
    class OnUnix extends Whoami {}
    app = await start(OnUnix, { transport: 'unix', path: path.join(dir, 's.sock'), port: undefined, host: undefined, proxyProtocol: 'v1' });
    const socket = net.connect(path.join(dir, 's.sock'));
    const text = await new Promise<string>((resolve, reject) => {
      let got = '';
      socket.on('data', (chunk) => {
        got += chunk.toString();
        if (got.includes('\n')) resolve(got);
      });
      socket.on('error', reject);
      socket.write(`${v1Header()}who\n`);
    });
    socket.destroy();
    expect(text).toBe('203.0.113.7:40001 198.51.100.1:7000\n');
  });

  it('TLS: the header comes first in plaintext, then the handshake (ClientHello in the same segment as the header or not)', async () => {
    @Protocol({ codec: lines() })
    class OverTls extends Whoami {}
    app = await start(OverTls, { transport: 'tls', tls: { key: certs.server.key, cert: certs.server.cert, ALPNProtocols: ['whoami'] }, proxyProtocol: 'any' });
    const port = app.addresses[0].port;
    for (const together of [false, true]) {
      const raw = net.connect(port, '127.0.0.1');
      await once(raw, 'connect');
      const header = v2Header(1, inet);
      // Corked: the header and the ClientHello leave in one write, as HAProxy relays them.
      if (together) raw.cork();
      raw.write(header);
      const secure = tls.connect({ socket: raw, ca: certs.server.cert, servername: 'localhost', ALPNProtocols: ['whoami'] });
      if (together) process.nextTick(() => raw.uncork());
      await once(secure, 'secureConnect');
      expect(secure.alpnProtocol).toBe('whoami');
      secure.write('who\n');
      const [answer] = await once(secure, 'data');
      expect(String(answer)).toBe('192.0.2.55:51000 10.1.2.3:443\n');
      secure.destroy();
    }
    expect(seen[0].proxy).toMatchObject({ version: 2, socket: { remoteAddress: '127.0.0.1' } });
  });

  it('TLS: a failed handshake after a valid header is a TLS refusal, not a PROXY one', async () => {
    @Protocol({ codec: lines() })
    class OverTls2 extends Whoami {}
    app = await start(OverTls2, { transport: 'tls', tls: { key: certs.server.key, cert: certs.server.cert }, proxyProtocol: 'v1' });
    const peer = await connect();
    peer.send(`${v1Header()}this is no ClientHello\r\n`);
    await peer.waitClosed(10_000);
    await eventually(() => (app as Application).metrics().connections === 0, 10_000, 'no connection');
    expect(app.listenerStats(OverTls2).refused.proxyProtocol).toBe(0);
    expect(seen).toHaveLength(0);
  });

  it('is refused at bootstrap on UDP listeners, and with a bad version or limit', async () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ transport: 'udp', proxyProtocol: 'v2' }, /stream listeners \(tcp, tls, unix\) only/],
      [{ proxyProtocol: 'v3' }, /'v1', 'v2' or 'any'/],
      [{ proxyProtocol: { version: 'v2', maxHeaderBytes: 100 } }, /maxHeaderBytes must be an integer from 232 to 65551/],
      [{ proxyProtocol: { version: 'v2', timeoutMs: 0 } }, /timeoutMs must be a positive number/],
      [{ proxyProtocol: { version: 'v2', timeout: 5 } }, /unknown option\(s\) timeout/],
    ];
    for (const [options, message] of cases) {
      @Protocol({ codec: lines() })
      class Bad extends Whoami {}
      const failed = await start(Bad, options).then(
        (a) => a.close().then(() => undefined),
        (error: unknown) => error,
      );
      expect(failed).toBeInstanceOf(BootstrapError);
      expect((failed as BootstrapError).message).toMatch(message);
    }
  });
});

describe('@Connect / app.connect proxyProtocol (torsion to torsion)', () => {
  let server: Application | undefined;
  let client: Application | undefined;
  afterEach(async () => {
    await client?.close();
    await server?.close();
    client = server = undefined;
  });

  @Protocol({ codec: lines() })
  class Asker {
    constructor(readonly conn: Connection) {}
    answers: string[] = [];
    @OnData() got(line: string): void {
      this.answers.push(line);
    }
  }
  @Module({ protocols: [Asker] })
  class ClientModule {}

  it.each(['v1', 'v2'] as const)('%s: the string form names this connection; { client } relays another connection\'s client', async (version) => {
    seen.length = 0;
    @Protocol({ codec: lines() })
    class Server extends Whoami {}
    server = await start(Server, { proxyProtocol: version });
    client = await bootstrap(ClientModule, { logger: silentLogger });
    const port = server.addresses[0].port;
    const own = await client.connect(Asker, { port, proxyProtocol: version });
    own.connection.send('who');
    await eventually(() => own.protocol.answers.length === 1, 10_000, 'an answer');
    expect(own.protocol.answers[0]).toBe(`127.0.0.1:${own.connection.localPort} 127.0.0.1:${port}`);
    expect(seen[0].proxy?.version).toBe(version === 'v1' ? 1 : 2);
    const relayed = await client.connect(Asker, { port, proxyProtocol: { version, client: { remoteAddress: '2001:db8::9', remotePort: 4242, localAddress: '2001:db8::1', localPort: 443 } } });
    relayed.connection.send('who');
    await eventually(() => relayed.protocol.answers.length === 1, 10_000, 'an answer');
    expect(relayed.protocol.answers[0]).toBe('2001:db8::9:4242 2001:db8::1:443');
  });

  it('a bad proxyProtocol is an OptionError before dialling; over TLS it is refused', async () => {
    client = await bootstrap(ClientModule, { logger: silentLogger });
    await expect(client.connect(Asker, { port: 1, proxyProtocol: 'v3' as never })).rejects.toMatchObject({ code: 'TORSION_ERR_INVALID_OPTION' });
    await expect(client.connect(Asker, { port: 1, transport: 'tls', proxyProtocol: 'v2' })).rejects.toThrow(/tcp and unix connections only/);
  });
});

function fetchText(url: string): Promise<string> {
  return fetch(url).then((r) => r.text());
}

const haproxy = haproxyBinary();
if (haproxy === undefined) {
  // eslint-disable-next-line no-console
  console.warn('test/e2e/proxy-protocol: haproxy is not installed (apt-get install haproxy); the TLS pass-through test behind it is skipped');
}

(haproxy === undefined ? describe.skip : describe)('a TLS listener behind a real HAProxy passing TLS through (mode tcp, send-proxy-v2)', () => {
  it('the handshake follows the header; the protocol sees the client and the frontend it reached; health checks are no PROXY refusals', async () => {
    seen.length = 0;
    @Protocol({ codec: lines() })
    class Passthrough extends Whoami {}
    const app = await start(Passthrough, { transport: 'tls', tls: { key: certs.server.key, cert: certs.server.cert }, proxyProtocol: 'v2' }, { metrics: { port: 0 } });
    const proxy = await startHaproxy(haproxy as string, app.addresses[0].port, 'send-proxy-v2 check inter 200ms');
    try {
      const secure = tls.connect({ port: proxy.port, host: '127.0.0.1', ca: certs.server.cert, servername: 'localhost' });
      await once(secure, 'secureConnect');
      secure.write('who\n');
      const [answer] = await once(secure, 'data');
      expect(String(answer)).toBe(`127.0.0.1:${secure.localPort} 127.0.0.1:${proxy.port}\n`);
      secure.destroy();
      // A plain `check` opens, sends its LOCAL header and closes: its header is read, and the
      // TLS handshake that never comes is what fails (use check-ssl for a real TLS check).
      const url = `http://127.0.0.1:${app.metricsAddress?.port}/metrics`;
      let metrics = '';
      const deadline = Date.now() + 15_000;
      while (!/reason="tls_handshake"[^}]*\} [1-9]/.test(metrics) && Date.now() < deadline) {
        metrics = await fetchText(url);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(metrics).toMatch(/reason="tls_handshake"[^}]*\} [1-9]/);
      expect(app.listenerStats(Passthrough).refused.proxyProtocol).toBe(0);
    } finally {
      await proxy.stop();
      await app.close();
    }
  });
});
