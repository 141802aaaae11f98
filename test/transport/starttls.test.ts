import * as net from 'node:net';
import * as tls from 'node:tls';
import { Connection, Listen, Module, OnConnect, OnData, Protocol, bootstrap, lines, silentLogger, type Application } from '../../src';
import { destroySocket, eventually } from '../support/peer';
import { makeTestCerts } from './support/certs';
import { runPeer } from './support/process-peer';

const certs = makeTestCerts();
const seen: string[] = [];

/**
 * A small SMTP-like line protocol (RFC 3207's shape): a 220 greeting, EHLO advertises STARTTLS,
 * STARTTLS answers 220 and upgrades the same connection, and the instance keeps its state.
 */
@Listen({ port: 0, host: '127.0.0.1' })
@Protocol({ codec: lines() })
class Smtpish {
  private commands = 0;

  constructor(private readonly conn: Connection) {}

  @OnConnect() greet(): string {
    return '220 torsion ESMTP\r';
  }

  @OnData() command(line: string): string | undefined {
    this.commands++;
    seen.push(line);
    const verb = line.split(' ')[0].toUpperCase();
    if (verb === 'EHLO') {
      if (this.conn.tls) return '250 torsion\r';
      this.conn.send('250-torsion\r');
      return '250 STARTTLS\r';
    }
    if (verb === 'STARTTLS') {
      this.conn.send('220 ready to start TLS\r');
      void this.conn.startTls({ key: certs.server.key, cert: certs.server.cert }).catch(() => undefined);
      return undefined;
    }
    if (verb === 'QUIT') {
      this.conn.end();
      return '221 bye\r';
    }
    return `250 ${verb} ok (${this.commands} commands, ${this.conn.tls?.protocol ?? 'plaintext'})\r`;
  }
}

/** The client side of the same dance, written with torsion too. */
@Protocol({ codec: lines() })
class SmtpishClient {
  readonly received: string[] = [];
  constructor(readonly conn: Connection) {}
  @OnData() line(line: string): void {
    this.received.push(line);
  }
}

@Module({ protocols: [Smtpish, SmtpishClient] })
class M {}

describe('STARTTLS', () => {
  let app: Application;
  let port: number;
  beforeAll(async () => {
    app = await bootstrap(M, { logger: silentLogger });
    port = app.address(Smtpish).port;
  });
  afterAll(async () => {
    await app.close();
    certs.cleanup();
  });

  it('upgrades in place for openssl s_client -starttls smtp; the protocol keeps its state', async () => {
    const result = await runPeer('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-starttls', 'smtp', '-quiet', '-verify_quiet'], {
      input: 'NOOP\r\n',
      until: (out) => out.includes('250 NOOP ok'),
      timeoutMs: 15_000,
    });
    // EHLO (from s_client, in plaintext), STARTTLS, then NOOP over TLS: the third command.
    expect(`${result.stdout}${result.stderr}`).toContain('NOOP');
    expect(result.stdout).toMatch(/250 NOOP ok \(3 commands, TLSv1\.3\)/);
  });

  it('drops plaintext pipelined after STARTTLS instead of reading it after the upgrade (command injection)', async () => {
    seen.length = 0;
    const socket = net.connect({ port, host: '127.0.0.1' });
    let plain = '';
    socket.on('data', (d: Buffer) => (plain += d.toString('latin1')));
    await eventually(() => plain.includes('220 torsion'), 5000, 'greeting');
    socket.write('STARTTLS\r\nRSET injected\r\n'); // the attack: RSET rides in the plaintext packet
    await eventually(() => plain.includes('220 ready'), 5000, '220 ready');
    socket.removeAllListeners('data');
    const secure = tls.connect({ socket, ca: certs.server.cert, servername: 'localhost' });
    let text = '';
    secure.on('data', (d: Buffer) => (text += d.toString()));
    await new Promise((resolve) => secure.once('secureConnect', resolve));
    secure.write('NOOP\r\n');
    await eventually(() => text.includes('250 NOOP'), 5000, 'NOOP over TLS');
    expect(text).toBe('250 NOOP ok (2 commands, TLSv1.3)\r\n');
    expect(seen).toEqual(['STARTTLS', 'NOOP']);
    await destroySocket(secure);
  });

  it('upgrades a torsion client too (role client)', async () => {
    const { protocol } = await app.connect(SmtpishClient, { host: '127.0.0.1', port });
    await eventually(() => protocol.received.length === 1);
    protocol.conn.send('STARTTLS\r');
    await eventually(() => protocol.received.length === 2);
    expect(protocol.received[1]).toBe('220 ready to start TLS');
    const info = await protocol.conn.startTls({ ca: certs.server.cert, servername: 'localhost' });
    expect(info.protocol).toMatch(/^TLSv1\.[23]$/);
    expect(info.authorized).toBe(true);
    protocol.conn.send('EHLO me\r');
    await eventually(() => protocol.received.length === 3);
    expect(protocol.received[2]).toBe('250 torsion');
    protocol.conn.send('QUIT\r');
    await eventually(() => protocol.conn.state === 'closed');
    expect(protocol.received.at(-1)).toBe('221 bye');
  });

  it('a failed handshake closes the connection with reason "error"', async () => {
    const { protocol } = await app.connect(SmtpishClient, { host: '127.0.0.1', port });
    await eventually(() => protocol.received.length === 1);
    protocol.conn.send('STARTTLS\r');
    await eventually(() => protocol.received.length === 2);
    // No CA: the server's self-signed certificate is not trusted.
    await expect(protocol.conn.startTls({ servername: 'localhost' })).rejects.toMatchObject({ code: 'TORSION_ERR_TLS' });
    await eventually(() => protocol.conn.state === 'closed');
    expect(protocol.conn.closeReason?.kind).toBe('error');
  });
});
