import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Peer } from '../../test/support/peer';
import { makeTestCerts } from '../../test/transport/support/certs';
import { spawnExample, type ExampleProcess } from '../test-support/example-process';
import { greetingOf, listeningPorts, run, runOk, splitReceived } from './test/support';

/**
 * examples/mail-server started as a process (SMTP_PORT=0, IMAP_PORT=0, MAIL_ROOT a fresh temp
 * dir, TLS_KEY/TLS_CERT a test certificate for 127.0.0.1, the default account user/secret),
 * driven by real clients: curl (smtp:// and imap://), Python's smtplib and imaplib, and a raw
 * IMAP socket in IDLE. "Byte for byte" means: the message IMAP serves as BODY[] is exactly our
 * `Received:` header (one header, with its folded lines, checked by a pattern) followed by every
 * byte the client uploaded, unchanged; and it is the very file in MAIL_ROOT/user/.
 */
const certs = makeTestCerts();
let root: string;
let server: ExampleProcess;
let smtpPort: number;
let imapPort: number;
let dir: string;

/** Our trace header for a message from 127.0.0.1 to user@torsion.test; `protocol` per RFC 3848. */
const received = (helo: string, protocol: string): RegExp =>
  new RegExp(`^Received: from ${helo.replace(/\./g, '\\.')} \\(\\[127\\.0\\.0\\.1\\]\\)\\r\\n\\tby mail\\.torsion\\.test with ${protocol} id \\w+\\r\\n\\tfor <user@torsion\\.test>;\\r\\n\\t[A-Z][a-z]{2}, \\d{1,2} [A-Z][a-z]{2} \\d{4} \\d\\d:\\d\\d:\\d\\d \\+0000\\r\\n$`);

function writeMessage(name: string, subject: string): { file: string; bytes: Buffer } {
  // CRLF lines (as SMTP carries them), a line starting with a dot (stuffed by curl, unstuffed by
  // the server) and 8-bit UTF-8 text (8BITMIME): all must come back unchanged.
  const bytes = Buffer.from(`From: Carol <carol@elsewhere.test>\r\nTo: user@torsion.test\r\nSubject: ${subject}\r\n\r\nHello from curl.\r\n.a dotted line\r\nGrüße, ünïcödé\r\n`, 'utf8');
  const file = path.join(dir, name);
  fs.writeFileSync(file, bytes);
  return { file, bytes };
}

function curlSend(file: string, rcpt = 'user@torsion.test'): Promise<Buffer> {
  return runOk('curl', ['-sS', '--max-time', '50', `smtp://127.0.0.1:${smtpPort}/client.example`, '--mail-from', 'carol@elsewhere.test', '--mail-rcpt', rcpt, '-T', file]);
}

function curlImap(target: string, ...args: string[]): Promise<Buffer> {
  return runOk('curl', ['-sS', '--max-time', '50', '-u', 'user:secret', `imap://127.0.0.1:${imapPort}/${target}`, ...args]);
}

/** The UID of the message with `subject` in user's INBOX, asked over IMAP (UID SEARCH). */
async function uidOf(subject: string): Promise<number> {
  const reply = (await curlImap('INBOX', '-X', `UID SEARCH SUBJECT "${subject}"`)).toString('latin1');
  const match = /^\* SEARCH (\d+)\r\n$/.exec(reply);
  if (match === null) throw new Error(`UID SEARCH for ${subject} answered ${JSON.stringify(reply)}`);
  return Number(match[1]);
}

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'torsion-mail-root-'));
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'torsion-mail-msgs-'));
  server = spawnExample('mail-server', {
    SMTP_PORT: '0',
    IMAP_PORT: '0',
    HOST: '127.0.0.1',
    PORT: '',
    MAIL_ROOT: root,
    MAIL_USER: '',
    MAIL_PASSWORD: '',
    TLS_KEY: certs.server.keyPath,
    TLS_CERT: certs.server.certPath,
  });
  // Generous: the example is transpiled from source on start, slow on a loaded machine.
  const out = await server.waitForStdout((o) => listeningPorts(o).length === 2, 120_000);
  expect(out).toMatch(/^listening tcp 127\.0\.0\.1:\d+\nlistening tcp 127\.0\.0\.1:\d+\n$/);
  const ports = listeningPorts(out);
  // SMTP's line comes first; each listener's greeting confirms which is which.
  expect(await Promise.all(ports.map((p) => greetingOf(p)))).toEqual(['smtp', 'imap']);
  [smtpPort, imapPort] = ports;
}, 180_000);

afterAll(async () => {
  await server?.stop();
  certs.cleanup();
  fs.rmSync(root, { recursive: true, force: true });
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('examples/mail-server', () => {
  it('a message sent with curl over SMTP (no AUTH, from 127.0.0.1) lands in MAIL_ROOT/user/new/ and is read back byte for byte with curl over IMAP', async () => {
    const { file, bytes } = writeMessage('curl.eml', 'by curl');
    await curlSend(file);

    // The file is in MAIL_ROOT/user/new/ (nobody has read it yet): our header, then the upload.
    const fresh = fs.readdirSync(path.join(root, 'user', 'new'));
    expect(fresh).toHaveLength(1);
    const onDisk = fs.readFileSync(path.join(root, 'user', 'new', fresh[0]));
    const parts = splitReceived(onDisk);
    expect(parts?.header).toMatch(received('client.example', 'ESMTP'));
    expect(parts?.rest.equals(bytes)).toBe(true);

    // UID FETCH n BODY[] over IMAP: the same bytes as the file.
    const fetched = await curlImap(`INBOX;UID=${await uidOf('by curl')}`);
    expect(fetched.toString('latin1')).toBe(onDisk.toString('latin1'));
    expect(fetched.equals(onDisk)).toBe(true);
    // Read (not peeked) by curl: \Seen, so the file moved to cur/ with flag S.
    expect(fs.readdirSync(path.join(root, 'user', 'new'))).toEqual([]);
    expect(fs.readdirSync(path.join(root, 'user', 'cur'))).toEqual([`${fresh[0]}:2,S`]);
  }, 120_000);

  it('refuses unknown local users (550) and relaying (554), and lets postmaster reach the account', async () => {
    const { file } = writeMessage('refused.eml', 'refused');
    const unknown = await run('curl', ['-sS', '--max-time', '50', `smtp://127.0.0.1:${smtpPort}/client.example`, '--mail-from', 'carol@elsewhere.test', '--mail-rcpt', 'nobody@torsion.test', '-T', file]);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('RCPT failed: 550');
    const relay = await run('curl', ['-sS', '--max-time', '50', `smtp://127.0.0.1:${smtpPort}/client.example`, '--mail-from', 'carol@elsewhere.test', '--mail-rcpt', 'someone@elsewhere.example', '-T', file]);
    expect(relay.code).not.toBe(0);
    expect(relay.stderr).toContain('RCPT failed: 554');

    const { file: toPostmaster, bytes } = writeMessage('postmaster.eml', 'to postmaster');
    await curlSend(toPostmaster, 'postmaster@torsion.test');
    const fetched = await curlImap(`INBOX;UID=${await uidOf('to postmaster')}`);
    const parts = splitReceived(fetched);
    expect(parts?.header).toMatch(/\tfor <postmaster@torsion\.test>;/);
    expect(parts?.rest.equals(bytes)).toBe(true);
  }, 120_000);

  it('Python smtplib (STARTTLS, AUTH as the account) to imaplib (STARTTLS, LOGIN): the message comes back byte for byte', async () => {
    const script = path.join(__dirname, 'fixtures', 'mail_client.py');
    const report = await runOk('python3', [script, String(smtpPort), String(imapPort), certs.server.certPath, 'from python'], 90_000);
    const out = JSON.parse(report.toString('utf8')) as Record<string, unknown>;
    expect(out.features_plain).not.toContain('auth'); // AUTH only over TLS
    expect(out.features_plain).toContain('starttls');
    expect(out.starttls).toBe(220);
    expect(out.features_tls).toContain('auth');
    expect(out.auth).toEqual(expect.arrayContaining(['PLAIN', 'LOGIN']));
    expect(out.login).toBe(235);
    expect(out.refused).toEqual({});
    expect(out.bad_recipients).toEqual({ 'someone@elsewhere.example': 554, 'nobody@torsion.test': 550 });
    expect(out.imap_starttls).toBe('OK');
    expect(out.imap_login).toBe('OK');
    expect(out.uids).toHaveLength(1);
    const fetched = Buffer.from(out.fetched as string, 'base64');
    const parts = splitReceived(fetched);
    expect(parts?.header).toMatch(received('py.test', 'ESMTPSA'));
    expect(parts?.rest.equals(Buffer.from(out.sent as string, 'base64'))).toBe(true);
  }, 120_000);

  it('an IMAP client in IDLE sees a message delivered over SMTP (* n EXISTS)', async () => {
    const imap = await Peer.connect(imapPort);
    try {
      const wait = (pattern: RegExp, what: string): Promise<void> => imap.until((p) => pattern.test(p.text), 30_000, what);
      await wait(/^\* OK/, 'the greeting');
      imap.send('a1 LOGIN user secret\r\n');
      await wait(/\r\na1 OK/, 'a1 OK (LOGIN)');
      imap.send('a2 SELECT INBOX\r\n');
      await wait(/\r\na2 OK/, 'a2 OK (SELECT)');
      const exists = Number(/\* (\d+) EXISTS\r\n/.exec(imap.text)?.[1]);
      expect(exists).toBeGreaterThan(0);
      imap.send('a3 IDLE\r\n');
      await wait(/\r\n\+ [^\r\n]*\r\n$/, 'the IDLE continuation');

      const { file } = writeMessage('idle.eml', 'while idling');
      await curlSend(file);
      await wait(new RegExp(`\\+ [^\\r\\n]*\\r\\n\\* ${exists + 1} EXISTS\\r\\n`), `* ${exists + 1} EXISTS during IDLE`);

      imap.send('DONE\r\n');
      await wait(/\r\na3 OK/, 'a3 OK (IDLE ended)');
      imap.send('a4 LOGOUT\r\n');
      await imap.waitClosed(30_000);
    } finally {
      await imap.close();
    }
  }, 120_000);
});

// Fail loudly, not silently, when a peer is missing.
test('the peers are installed', () => {
  expect(spawnSync('python3', ['-c', 'import smtplib, imaplib']).status).toBe(0);
  expect(spawnSync('curl', ['--version']).status).toBe(0);
});
