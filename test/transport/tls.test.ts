import * as tls from 'node:tls';
import * as fs from 'node:fs';
import * as net from 'node:net';
import {
  Module,
  Protocol,
  Listen,
  OnData,
  OnConnect,
  Connection,
  ConsoleLogger,
  bootstrap,
  silentLogger,
  BootstrapError,
  ConnectError,
  type Application,
  type TlsInfo,
} from '../../src';
import { destroySocket, eventually } from '../support/peer';
import { makeTestCerts } from './support/certs';
import { captureLines, runPeer } from './support/process-peer';

const certs = makeTestCerts();
afterAll(() => certs.cleanup());

/** What each TLS connection negotiated, as the protocol saw it. */
const seen: Array<TlsInfo | undefined> = [];
const TLS_SOURCE = Symbol('tls source');

@Listen({ port: 0, host: '127.0.0.1', transport: 'tls' })
@Protocol()
class TlsEcho {
  constructor(private readonly conn: Connection) {}
  @OnConnect() opened(): void {
    seen.push(this.conn.tls);
  }
  @OnData() echo(data: Buffer): Buffer {
    return data;
  }
}

@Module({ protocols: [TlsEcho] })
class EchoModule {}

const material = { key: certs.server.key, cert: certs.server.cert };
const opts = { logger: silentLogger };

/** Connects with node:tls (trusting the test server cert) and resolves with the socket once secure. */
function tlsConnect(port: number, options: tls.ConnectionOptions = {}): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: certs.server.cert, ...options });
    socket.once('error', reject);
    socket.once('secureConnect', () => resolve(socket));
  });
}

function roundtrip(socket: tls.TLSSocket, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = '';
    socket.on('data', (chunk: Buffer) => {
      got += chunk.toString();
      if (got.length >= text.length) resolve(got);
    });
    socket.once('error', reject);
    socket.write(text);
  });
}

describe('TLS listener against openssl s_client', () => {
  let app: Application;
  const log = captureLines();
  beforeAll(async () => {
    app = await bootstrap(EchoModule, { ...opts, tls: material, logger: new ConsoleLogger({ level: 'warn', write: log.write }) });
  });
  afterAll(async () => {
    await app.close();
  });

  const sClient = (version: string, extra: string[] = []): string[] => [
    's_client', '-connect', `127.0.0.1:${app.address(TlsEcho).port}`, '-servername', 'localhost', '-CAfile', certs.server.certPath, '-quiet', version, ...extra,
  ];

  it.each(['-tls1_2', '-tls1_3'])('echoes over %s and the protocol sees the negotiated version', async (version) => {
    const before = seen.length;
    const result = await runPeer('openssl', sClient(version), { input: 'ping over tls\n', until: (out) => out.includes('ping over tls') });
    expect(result.stdout).toContain('ping over tls');
    await eventually(() => seen.length > before);
    expect(seen.at(-1)?.protocol).toBe(version === '-tls1_2' ? 'TLSv1.2' : 'TLSv1.3');
    expect(seen.at(-1)?.servername).toBe('localhost');
    expect(seen.at(-1)?.cipher).toEqual(expect.any(String));
  });

  it('refuses TLS 1.1 at the handshake (minVersion defaults to TLSv1.2), logs the peer, never opens a protocol', async () => {
    const before = seen.length;
    // SECLEVEL=0 lets the client offer TLS 1.1 at all, so the refusal is the server's.
    const result = await runPeer('openssl', sClient('-tls1_1', ['-cipher', 'DEFAULT@SECLEVEL=0']), { input: 'nope\n', endInput: true });
    expect(result.code).not.toBe(0);
    expect(result.stdout).not.toContain('nope');
    await eventually(() => log.lines.some((l) => l.includes('TLS handshake failed')));
    expect(log.lines.find((l) => l.includes('TLS handshake failed'))).toMatch(/peer=127\.0\.0\.1:\d+/);
    expect(seen.length).toBe(before);
    expect(app.metrics().connections).toBe(0);
  });
});

describe('TLS listener options', () => {
  it('takes its key material from a provider token', async () => {
    @Listen({ port: 0, host: '127.0.0.1', transport: 'tls', tls: { provider: TLS_SOURCE } })
    @Protocol()
    class FromProvider {
      @OnData() echo(data: Buffer): Buffer {
        return data;
      }
    }
    @Module({ protocols: [FromProvider], providers: [{ provide: TLS_SOURCE, useFactory: () => material }] })
    class M {}
    const app = await bootstrap(M, opts);
    try {
      const socket = await tlsConnect(app.address(FromProvider).port);
      expect(await roundtrip(socket, 'abc')).toBe('abc');
      await destroySocket(socket);
    } finally {
      await app.close();
    }
  });

  it('fails bootstrap, naming the fix, when no key material is given', async () => {
    const error = (await bootstrap(EchoModule, opts).catch((e: unknown) => e)) as BootstrapError;
    expect(error).toBeInstanceOf(BootstrapError);
    expect(error.message).toMatch(/TlsEcho.*no TLS key and certificate.*provider/);
  });

  it('passes ALPN through and, with requestCert, exposes the verified client certificate', async () => {
    @Listen({ port: 0, host: '127.0.0.1', transport: 'tls', tls: { requestCert: true, rejectUnauthorized: true, ca: certs.client.cert, ALPNProtocols: ['torsion/1'] } })
    @Protocol()
    class Mutual {
      constructor(private readonly conn: Connection) {}
      @OnData() who(): string {
        const info = this.conn.tls;
        return `${String(info?.peerCertificate?.subject.CN)} ${String(info?.authorized)} ${String(info?.alpnProtocol)}`;
      }
    }
    @Module({ protocols: [Mutual] })
    class M {}
    const app = await bootstrap(M, { ...opts, tls: material });
    try {
      const port = app.address(Mutual).port;
      const socket = await tlsConnect(port, { key: certs.client.key, cert: certs.client.cert, ALPNProtocols: ['torsion/1'] });
      expect(socket.alpnProtocol).toBe('torsion/1');
      expect(await roundtrip(socket, '?')).toBe('client true torsion/1');
      await destroySocket(socket);
      // Without a client certificate the handshake fails (TLS 1.3 reports it on first read).
      const anonymous = await tlsConnect(port).catch((e: Error) => e);
      const outcome = anonymous instanceof Error ? anonymous : await roundtrip(anonymous, '?').catch((e: Error) => e);
      if (!(anonymous instanceof Error)) await destroySocket(anonymous);
      expect(String((outcome as Error).message)).toMatch(/certificate/i);
    } finally {
      await app.close();
    }
  });
});

describe('app.connect over TLS', () => {
  let server: Application;
  beforeAll(async () => {
    server = await bootstrap(EchoModule, { ...opts, tls: material });
  });
  afterAll(async () => {
    await server.close();
  });

  @Protocol()
  class Client {
    readonly got: string[] = [];
    @OnData() data(chunk: Buffer): void {
      this.got.push(chunk.toString());
    }
  }
  @Module({ protocols: [Client] })
  class ClientModule {}

  it('resolves once the handshake is done and exchanges data', async () => {
    const app = await bootstrap(ClientModule, opts);
    try {
      const client = await app.connect(Client, { transport: 'tls', port: server.address(TlsEcho).port, tls: { ca: certs.server.cert, servername: 'localhost' } });
      expect(client.connection.transport).toBe('tls');
      expect(client.connection.tls?.protocol).toBe('TLSv1.3');
      client.connection.write('hi');
      await eventually(() => client.protocol.got.join('') === 'hi');
    } finally {
      await app.close();
    }
  });

  it('rejects with a ConnectError when the server certificate is not trusted', async () => {
    const app = await bootstrap(ClientModule, opts);
    try {
      const error = await app.connect(Client, { transport: 'tls', port: server.address(TlsEcho).port }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConnectError);
      expect((error as ConnectError).code).toBe('TORSION_ERR_CONNECT');
      expect(app.metrics().connections).toBe(0);
    } finally {
      await app.close();
    }
  });
});

describe('TLS handshakes that never finish', () => {
  @Listen({ port: 0, host: '127.0.0.1', transport: 'tls', tls: { handshakeTimeout: 150 } })
  @Protocol()
  class SlowTls {
    @OnData() echo(data: Buffer): Buffer {
      return data;
    }
  }
  @Module({ protocols: [SlowTls] })
  class SlowModule {}

  /** Sockets this process holds open (each TCP connection end is one). */
  const openFds = (): number => fs.readdirSync('/proc/self/fd').length;

  it('closes the socket at the handshake timeout, so silent connects do not hold file descriptors', async () => {
    const app = await bootstrap(SlowModule, { ...opts, tls: material });
    try {
      const port = app.address(SlowTls).port;
      const baseline = openFds();
      const closedByServer: boolean[] = [];
      const sockets = Array.from({ length: 20 }, (_, i) => {
        const socket = net.connect({ host: '127.0.0.1', port });
        closedByServer[i] = false;
        socket.on('error', () => undefined);
        // The server ending our connection (FIN or RST) is how a closed server-side socket shows.
        socket.on('end', () => (closedByServer[i] = true));
        socket.on('close', () => (closedByServer[i] = true));
        return socket;
      });
      await eventually(() => closedByServer.every(Boolean), 10_000, 'the server to close every silent TLS connection');
      for (const socket of sockets) socket.destroy();
      // Both ends are gone: this process (client and server) is back to its baseline.
      await eventually(() => openFds() <= baseline, 5000, 'file descriptors back to the baseline');
      expect(openFds()).toBeLessThanOrEqual(baseline);
    } finally {
      await app.close({ timeoutMs: 1000 });
    }
  });
});
