import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { bootstrap, silentLogger, type Application } from 'torsion';
import { ImapServerModule, ImapSession, MaildirStore } from 'torsion/imap';
import { makeTestCerts } from '../transport/support/certs';
import { runPeer } from '../transport/support/process-peer';

/**
 * The IMAP server against real clients on 127.0.0.1: Python's imaplib (plaintext on loopback,
 * and with STARTTLS when plaintext LOGIN is refused) and curl's imap:// (LIST, FETCH by index
 * and by UID, SEARCH, APPEND). Every peer process is bounded in time and stopped by PID.
 */
const certs = makeTestCerts();
const message = (subject: string): Buffer => Buffer.from(`From: Ann <ann@x.test>\nTo: bob@y.test\nSubject: ${subject}\n\nhello ${subject}\n`);

interface Server {
  app: Application;
  port: number;
  store: MaildirStore;
  root: string;
}

async function start(options: { plaintextLogin?: 'never' | 'loopback' } = {}): Promise<Server> {
  const root = mkdtempSync(path.join(tmpdir(), 'torsion-imap-e2e-'));
  const store = new MaildirStore({ root });
  const app = await bootstrap(
    ImapServerModule.configure({
      port: 0,
      host: '127.0.0.1',
      store,
      authenticate: (user, password) => user === 'ann' && password === 'pw',
      tls: { key: certs.server.key, cert: certs.server.cert },
      ...options,
    }),
    { logger: silentLogger },
  );
  return { app, port: app.address(ImapSession).port, store, root };
}

async function stop(server: Server | undefined): Promise<void> {
  if (server === undefined) return;
  await server.app.close();
  rmSync(server.root, { recursive: true, force: true });
}

/** Runs the imaplib script; delivers a message when it says it is idling; its JSON report. */
function imaplib(server: Server, cafile?: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const script = path.join(__dirname, 'fixtures', 'imaplib-client.py');
    const child = spawn('python3', [script, String(server.port), ...(cafile === undefined ? [] : [cafile])], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let delivered = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`imaplib timed out: ${stdout} ${stderr}`));
    }, 20_000);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (!delivered && stdout.includes('IDLING\n')) {
        delivered = true;
        server.store.deliver('ann', message('while idling')).catch(reject);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => {
      clearTimeout(timer);
      const last = stdout.trim().split('\n').pop() ?? '';
      if (code !== 0) reject(new Error(`imaplib exited ${code}: ${stdout} ${stderr}`));
      else resolve(JSON.parse(last) as Record<string, unknown>);
    });
  });
}

function curl(server: Server, args: string[], input?: string): Promise<string> {
  return runPeer('curl', ['-sS', '--max-time', '15', '-u', 'ann:pw', ...args], { input, timeoutMs: 20_000 }).then((r) => {
    if (r.code !== 0) throw new Error(`curl ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return r.stdout;
  });
}

afterAll(() => certs.cleanup());

describe('IMAP with Python imaplib', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await stop(server);
    server = undefined;
  });

  it('LOGIN, SELECT, APPEND, SEARCH, FETCH, STORE, UID SEARCH and IDLE with new mail pushed', async () => {
    server = await start();
    await server.store.deliver('ann', message('first'));
    const out = await imaplib(server);
    expect(out.capabilities).toEqual(expect.arrayContaining(['IMAP4REV1', 'IDLE', 'LITERAL+', 'STARTTLS']));
    expect(out.login).toBe('OK');
    expect(out.select).toEqual(['OK', '1']);
    expect(out.append).toBe('OK');
    expect(out.search).toBe('2');
    expect(out.fetch_body).toBe('From: Py <py@x.test>\r\nTo: ann@x.test\r\nSubject: from python\r\n\r\nline 1\r\nline 2\r\n');
    expect(out.fetch_flags).toMatch(/FLAGS \(\\Flagged( \\Recent)?\)/);
    expect(out.uid_search).toBe('1 2');
    expect(out.store).toMatch(/^2 \(FLAGS \(\\Flagged \\Seen/);
    expect(out.fetch_header).toBe('Subject: from python\r\n\r\n');
    expect(out.unseen).toBe('1');
    expect(out.idle_start).toBe('+ idling');
    expect(out.idle_push).toBe('* 3 EXISTS');
    expect((out.idle_end as string[]).at(-1)).toMatch(/ OK IDLE terminated$/);
    expect(out.logout).toBe('BYE');
    const appended = (await server.store.messages('ann', 'INBOX')).messages[1];
    expect(appended.flags).toEqual(['\\Flagged', '\\Seen']);
    expect(appended.internalDate.getTime()).toBe(1_700_000_000_000);
  });

  it('upgrades with STARTTLS when plaintext LOGIN is refused (LOGINDISABLED before, not after)', async () => {
    server = await start({ plaintextLogin: 'never' });
    const out = await imaplib(server, certs.server.certPath);
    expect(out.capabilities).toEqual(expect.arrayContaining(['STARTTLS', 'LOGINDISABLED']));
    expect(out.starttls).toBe('OK');
    expect(out.capabilities_tls).not.toContain('LOGINDISABLED');
    expect(out.capabilities_tls).not.toContain('STARTTLS');
    expect(out.login).toBe('OK');
    expect(out.idle_push).toBe('* 2 EXISTS');
  });
});

describe('IMAP with curl', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    server = await start();
    base = `imap://127.0.0.1:${server.port}`;
    await server.store.deliver('ann', message('one'));
    await server.store.deliver('ann', message('lunch on friday'));
    await server.store.createMailbox('ann', 'Archive');
  });
  afterAll(() => stop(server));

  it('lists the mailboxes', async () => {
    expect(await curl(server, [`${base}/`])).toBe('* LIST () "." "INBOX"\r\n* LIST () "." "Archive"\r\n');
  });

  it('fetches a message by index and by UID, byte exact, LF-stored served with CRLF', async () => {
    const crlf = (subject: string): string => message(subject).toString().replace(/\n/g, '\r\n');
    expect(await curl(server, [`${base}/INBOX;MAILINDEX=1`])).toBe(crlf('one'));
    expect(await curl(server, [`${base}/INBOX;UID=2`])).toBe(crlf('lunch on friday'));
  });

  it('searches with -X', async () => {
    expect(await curl(server, [`${base}/INBOX`, '-X', 'SEARCH SUBJECT lunch'])).toBe('* SEARCH 2\r\n');
    expect(await curl(server, [`${base}/INBOX`, '-X', 'UID SEARCH ALL'])).toBe('* SEARCH 1 2\r\n');
  });

  it('appends a file with -T', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'torsion-curl-'));
    try {
      const file = path.join(dir, 'msg.eml');
      writeFileSync(file, 'Subject: uploaded\r\n\r\nby curl\r\n');
      await curl(server, ['-T', file, `${base}/Archive`]);
      const [stored] = (await server.store.messages('ann', 'Archive')).messages;
      expect((await server.store.read('ann', 'Archive', stored.uid))?.toString()).toBe(readFileSync(file, 'utf8'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fetches over STARTTLS (--ssl-reqd)', async () => {
    expect(await curl(server, ['--ssl-reqd', '--cacert', certs.server.certPath, `${base}/INBOX;UID=1`])).toContain('hello one');
  });
});

// Fail loudly, not silently, when a peer is missing.
test('the peers are installed', () => {
  expect(spawnSync('python3', ['-c', 'import imaplib']).status).toBe(0);
  expect(spawnSync('curl', ['--version']).status).toBe(0);
});
