import 'reflect-metadata';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as net from 'node:net';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { bootstrap, silentLogger, type Application } from '../../../src';
import { MemoryDelivery, SmtpServerModule, SmtpSession } from 'torsion/smtp';
import { makeTestCerts } from '../../transport/support/certs';
import { runPeer } from '../../transport/support/process-peer';
import { eventually } from '../../support/peer';

/** Real clients (Python's smtplib and raw sockets, curl) against the SMTP server. */
const certs = makeTestCerts();
const script = path.join(__dirname, 'fixtures', 'smtp_peer.py');
const delivery = new MemoryDelivery();
let app: Application;
let port: number;
let dir: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'torsion-smtp-'));
  app = await bootstrap(
    SmtpServerModule.configure({
      hostname: 'mx.example.test',
      localDomains: ['example.test'],
      isLocalUser: (m) => m.localPart !== 'nobody',
      delivery,
      port: 0,
      host: '127.0.0.1',
      maxMessageBytes: 2 * 1024 * 1024,
      tls: { key: certs.server.key, cert: certs.server.cert },
      authenticate: ({ username, password }) => username === 'alice' && password === 's3cret',
    }),
    { logger: silentLogger },
  );
  port = app.address(SmtpSession).port;
});

afterAll(async () => {
  await app.close();
  certs.cleanup();
  fs.rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  delivery.messages.length = 0;
});

async function python(scenario: string, ...args: string[]): Promise<Record<string, unknown>> {
  const result = await runPeer('python3', [script, scenario, String(port), ...args], { timeoutMs: 30_000, endInput: true });
  if (result.code !== 0) throw new Error(`smtp_peer.py ${scenario} exited ${result.code}: ${result.stderr}`);
  return JSON.parse(result.stdout) as Record<string, unknown>;
}

function bodyOf(data: Buffer): string {
  const text = data.toString('latin1');
  return text.slice(text.indexOf('Subject'));
}

describe('SMTP server with real clients', () => {
  it('smtplib: EHLO features, sendmail, NOOP, VRFY', async () => {
    const out = await python('plain');
    expect(out).toMatchObject({ ehlo: 250, refused: {}, noop: 250, vrfy: 252 });
    expect(out.features).toEqual(['8bitmime', 'enhancedstatuscodes', 'pipelining', 'size', 'starttls']);
    expect(delivery.messages).toHaveLength(1);
    expect(bodyOf(delivery.messages[0].data)).toBe('Subject: plain\r\n\r\nhello from smtplib\r\n.dot line\r\n');
    expect(delivery.messages[0].envelope).toMatchObject({ from: 'a@b.test', to: ['u@example.test'], heloName: 'py.test', tls: false });
  });

  it('smtplib: a 1 MiB message arrives whole', async () => {
    const out = await python('large');
    expect(out.sent).toBe(1024 * 1024);
    const body = bodyOf(delivery.messages[0].data);
    expect(body.length).toBe('Subject: large\r\n\r\n'.length + 1024 * 1024);
    expect(body.endsWith(`${'x'.repeat(1022)}\r\n`)).toBe(true);
  });

  it('smtplib: STARTTLS (not offered again after), AUTH over TLS, relaying as the user', async () => {
    const out = await python('starttls', certs.server.certPath);
    expect(out.before).toEqual(['8bitmime', 'enhancedstatuscodes', 'pipelining', 'size', 'starttls']);
    expect(out.starttls).toBe(220);
    expect(out.after).toEqual(['8bitmime', 'auth', 'enhancedstatuscodes', 'pipelining', 'size']);
    expect(out.login).toBe(235);
    expect(delivery.messages[0].envelope).toMatchObject({ tls: true, authenticatedUser: 'alice', to: ['bob@elsewhere.test'] });
  });

  it('a raw socket: PIPELINING, the terminator split across writes, commands pipelined after it', async () => {
    const out = await python('pipelining');
    expect(out).toMatchObject({ greeting: 220, pipelining: true, replies: [250, 250, 550, 354], early: '', end: 250, after: [250, 221] });
    expect(bodyOf(delivery.messages[0].data)).toBe('Subject: split\r\n\r\nbody\r\n');
    expect(delivery.messages[0].envelope.to).toEqual(['u@example.test']);
  });

  it('drops plaintext pipelined after STARTTLS, and the session starts over after the handshake', async () => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    let plain = '';
    socket.on('data', (d: Buffer) => (plain += d.toString('latin1')));
    await eventually(() => plain.includes('220 mx.example.test'), 10_000, 'greeting');
    socket.write('EHLO attacker.test\r\n');
    await eventually(() => plain.includes('250 '), 10_000, 'EHLO');
    // The attack: a command riding in the same packet as STARTTLS, to be read after the upgrade.
    socket.write('STARTTLS\r\nMAIL FROM:<injected@evil.test>\r\n');
    await eventually(() => plain.includes('220 2.0.0 Ready to start TLS'), 10_000, '220 ready');
    socket.removeAllListeners('data');
    const secure = tls.connect({ socket, ca: certs.server.cert, servername: 'localhost' });
    let text = '';
    secure.on('data', (d: Buffer) => (text += d.toString('latin1')));
    await new Promise((resolve) => secure.once('secureConnect', resolve));
    secure.write('MAIL FROM:<a@b.test>\r\nEHLO again.test\r\n');
    await eventually(() => text.includes('250 AUTH PLAIN LOGIN'), 10_000, 'EHLO over TLS');
    // No EHLO yet over TLS (the plaintext one is forgotten): MAIL is out of sequence; STARTTLS is not offered again.
    // Had the injected MAIL been read after the handshake, it would have been answered too (a second 503).
    const lines = text.split('\r\n');
    expect(lines[0]).toBe('503 5.5.1 Bad sequence of commands');
    expect(lines[1]).toBe('250-mx.example.test');
    expect(lines.filter((line) => line.startsWith('503'))).toHaveLength(1);
    expect(text).not.toContain('STARTTLS');
    expect(text).not.toContain('injected');
    secure.destroy();
  });

  it('curl: an smtp:// upload, in plaintext and with --ssl-reqd (STARTTLS)', async () => {
    const file = path.join(dir, 'msg.eml');
    fs.writeFileSync(file, 'From: a@b.test\r\nTo: u@example.test\r\nSubject: curl\r\n\r\nsent by curl\r\n.hidden dot\r\n');
    const args = [`smtp://127.0.0.1:${port}/curl.test`, '-sS', '--mail-from', 'a@b.test', '--mail-rcpt', 'u@example.test', '-T', file, '--max-time', '20'];
    const plain = await runPeer('curl', args, { timeoutMs: 30_000, endInput: true });
    expect(plain.stderr).toBe('');
    expect(plain.code).toBe(0);
    const secure = await runPeer('curl', [...args, '--ssl-reqd', '-k'], { timeoutMs: 30_000, endInput: true });
    expect(secure.stderr).toBe('');
    expect(secure.code).toBe(0);
    expect(delivery.messages.map((m) => [m.envelope.heloName, m.envelope.tls])).toEqual([['curl.test', false], ['curl.test', true]]);
    for (const message of delivery.messages) expect(bodyOf(message.data)).toBe('Subject: curl\r\n\r\nsent by curl\r\n.hidden dot\r\n');
    // A refused recipient makes curl fail with the server's reply.
    const refused = await runPeer('curl', args.map((a) => (a === 'u@example.test' ? 'nobody@example.test' : a)), { timeoutMs: 30_000, endInput: true });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('550');
  });

  it('a message over maxMessageBytes is answered 552 and nothing is delivered', async () => {
    await app.close();
    app = await bootstrap(SmtpServerModule.configure({ hostname: 'mx.example.test', localDomains: ['example.test'], delivery, port: 0, host: '127.0.0.1', maxMessageBytes: 1000 }), { logger: silentLogger });
    port = app.address(SmtpSession).port;
    const out = await python('oversize');
    expect(out).toEqual({ mail: 250, rcpt: 250, data: [552, '5.3.4 Message size exceeds fixed maximum message size'] });
    expect(delivery.messages).toHaveLength(0);
  });
});
