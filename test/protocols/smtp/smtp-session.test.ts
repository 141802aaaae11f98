import 'reflect-metadata';
import { BootstrapError, Module, OptionError, bootstrap, injectable, silentLogger } from '../../../src';
import { createTestingApp, type TestConnection, type TestingApp } from 'torsion/testing';
import {
  DeliveryError,
  MemoryDelivery,
  SmtpServerModule,
  SmtpSession,
  type MailEnvelope,
  type MailMessage,
  type LocalUsers,
  type Mailbox,
  type MessageDelivery,
  type RelayPolicy,
  type SmtpServerModuleOptions,
} from 'torsion/smtp';

let t: TestingApp;
let delivery: MemoryDelivery;

function start(options: Partial<SmtpServerModuleOptions> = {}): TestingApp {
  delivery = new MemoryDelivery();
  t = createTestingApp(SmtpServerModule.configure({ hostname: 'mx.example.test', localDomains: ['example.test'], delivery, ...options }), { logger: silentLogger });
  return t;
}

/** The replies written since the last call, one string per line. */
function replies(c: TestConnection): string[] {
  const text = c.text();
  c.clear();
  return text === '' ? [] : text.replace(/\r\n$/, '').split('\r\n');
}

/** A session past the greeting and EHLO. */
function greeted(options: { peer?: { address: string } } = {}): TestConnection<SmtpSession> {
  const c = t.connect(SmtpSession, options);
  c.send('EHLO client.test\r\n');
  c.clear();
  return c;
}

afterEach(async () => {
  await t?.close();
});

describe('SmtpSession (in memory)', () => {
  it('greets, and EHLO lists the extensions (no STARTTLS without TLS material, no AUTH without an authenticator)', () => {
    start({ maxMessageBytes: 1000 });
    const c = t.connect(SmtpSession);
    expect(replies(c)).toEqual(['220 mx.example.test ESMTP torsion']);
    c.send('EHLO client.test\r\n');
    expect(replies(c)).toEqual(['250-mx.example.test', '250-PIPELINING', '250-SIZE 1000', '250-8BITMIME', '250 ENHANCEDSTATUSCODES']);
    c.send('HELO client.test\r\n');
    expect(replies(c)).toEqual(['250 mx.example.test']);
  });

  it('offers STARTTLS with TLS material, and AUTH on plaintext only when authRequiresTls is false', () => {
    start({ tls: { key: 'k', cert: 'c' }, authenticate: () => true, authRequiresTls: false });
    const c = t.connect(SmtpSession);
    c.send('EHLO client.test\r\n');
    expect(replies(c).slice(-2)).toEqual(['250-STARTTLS', '250 AUTH PLAIN LOGIN']);
  });

  it('answers commands out of sequence with 503, bad arguments with 501, unknown verbs with 500', () => {
    start();
    const c = t.connect(SmtpSession);
    c.clear();
    c.send('MAIL FROM:<a@b.test>\r\n');
    expect(replies(c)).toEqual(['503 5.5.1 Bad sequence of commands']);
    c.send('EHLO\r\nEHLO a b\r\nEHLO c.test\r\n');
    expect(replies(c).filter((r) => !r.startsWith('250'))).toEqual(['501 5.5.4 Syntax error in parameters or arguments', '501 5.5.4 Syntax error in parameters or arguments']);
    c.send('RCPT TO:<u@example.test>\r\nDATA\r\n');
    expect(replies(c)).toEqual(['503 5.5.1 Bad sequence of commands', '503 5.5.1 Bad sequence of commands']);
    c.send('MAIL FROM:<a@b.test>\r\nMAIL FROM:<a@b.test>\r\n');
    expect(replies(c)).toEqual(['250 2.1.0 Sender <a@b.test> OK', '503 5.5.1 Bad sequence of commands']);
    c.send('FOO bar\r\nEXPN list\r\n\r\nRSET x\r\n');
    expect(replies(c)).toEqual(['500 5.5.2 Syntax error, command unrecognized', '502 5.5.1 Command not implemented', '500 5.5.2 Syntax error, empty command', '501 5.5.4 Syntax error in parameters or arguments']);
    c.send('VRFY someone\r\nVRFY\r\nNOOP\r\nHELP\r\n');
    expect(replies(c)).toEqual([
      '252 2.5.0 Cannot VRFY user, but will accept message and attempt delivery',
      '501 5.5.4 Syntax error in parameters or arguments',
      '250 2.0.0 Ok',
      '214 2.0.0 Commands: EHLO HELO MAIL RCPT DATA RSET NOOP QUIT VRFY HELP STARTTLS AUTH',
    ]);
  });

  it('checks MAIL FROM: syntax, the null sender, SIZE (552 when declared too large), BODY and unknown parameters', () => {
    start({ maxMessageBytes: 1000 });
    const c = greeted();
    c.send('MAIL FROM:a@b.test\r\nMAIL TO:<a@b.test>\r\nMAIL FROM:<a b@c>\r\nMAIL FROM:<a@b.test> SIZE=1001\r\nMAIL FROM:<a@b.test> SIZE=x\r\nMAIL FROM:<a@b.test> FOO=1\r\nMAIL FROM:<a@b.test> BODY=9BIT\r\n');
    expect(replies(c)).toEqual([
      '501 5.5.4 The address must be enclosed in <>',
      '501 5.5.4 Syntax: MAIL FROM:<address>',
      '501 5.5.4 Bad address syntax',
      '552 5.3.4 Message size exceeds fixed maximum message size',
      '501 5.5.4 Bad SIZE parameter',
      '555 5.5.4 Unsupported parameter FOO',
      '501 5.5.4 BODY must be 7BIT or 8BITMIME',
    ]);
    c.send('MAIL FROM: <> SIZE=1000 BODY=8BITMIME AUTH=<>\r\n');
    expect(replies(c)).toEqual(['250 2.1.0 Sender <> OK']);
  });

  it('refuses ESMTP parameters after HELO', () => {
    start();
    const c = t.connect(SmtpSession);
    c.send('HELO client.test\r\n');
    c.clear();
    c.send('MAIL FROM:<a@b.test> SIZE=10\r\n');
    expect(replies(c)).toEqual(['555 5.5.4 MAIL parameters need EHLO']);
  });

  it('accepts local users, refuses unknown ones (550) and relaying (554), completes <postmaster>, caps recipients (452)', async () => {
    const known = new Set(['alice', 'postmaster']);
    start({ maxRecipients: 3, isLocalUser: async (m: Mailbox) => known.has(m.localPart.toLowerCase()) });
    const c = greeted();
    c.send('MAIL FROM:<a@b.test>\r\nRCPT TO:<alice@EXAMPLE.test>\r\nRCPT TO:<bob@example.test>\r\nRCPT TO:<x@elsewhere.test>\r\nRCPT TO:<Postmaster>\r\nRCPT TO:<>\r\nRCPT TO:<alice@example.test> NOTIFY=NEVER\r\n');
    await c.settle();
    expect(replies(c)).toEqual([
      '250 2.1.0 Sender <a@b.test> OK',
      '250 2.1.5 Recipient <alice@example.test> OK',
      '550 5.1.1 <bob@example.test>: Recipient address rejected: User unknown',
      '554 5.7.1 <x@elsewhere.test>: Relay access denied',
      '250 2.1.5 Recipient <Postmaster@example.test> OK',
      '501 5.1.3 A recipient cannot be <>',
      '555 5.5.4 Unsupported parameter NOTIFY',
    ]);
    // A recipient given again is accepted again, and kept once.
    c.send('RCPT TO:<alice@example.test>\r\nDATA\r\n');
    await c.settle();
    c.send('x\r\n.\r\n');
    await c.settle();
    expect(replies(c)[0]).toBe('250 2.1.5 Recipient <alice@example.test> OK');
    expect(delivery.messages[0].envelope.to).toEqual(['alice@example.test', 'Postmaster@example.test']);
  });

  it('takes its providers as classes built by the container, injecting what imported modules export', async () => {
    @injectable()
    class Directory {
      readonly users = new Set(['carol']);
      readonly stored: string[] = [];
    }
    @Module({ providers: [Directory], exports: [Directory] })
    class DirectoryModule {}
    @injectable()
    class DirectoryUsers implements LocalUsers {
      constructor(private readonly directory: Directory) {}
      isLocalUser(mailbox: Mailbox): boolean {
        return this.directory.users.has(mailbox.localPart);
      }
    }
    @injectable()
    class DirectoryDelivery implements MessageDelivery {
      constructor(private readonly directory: Directory) {}
      async deliver(envelope: MailEnvelope): Promise<void> {
        this.directory.stored.push(...envelope.to);
      }
    }
    start({ localUsers: DirectoryUsers, delivery: DirectoryDelivery, imports: [DirectoryModule] });
    const c = greeted();
    c.send('MAIL FROM:<a@b.test>\r\nRCPT TO:<carol@example.test>\r\nRCPT TO:<dave@example.test>\r\nDATA\r\n');
    c.send('x\r\n.\r\n');
    await c.settle();
    expect(replies(c).slice(1)).toEqual([
      '250 2.1.5 Recipient <carol@example.test> OK',
      '550 5.1.1 <dave@example.test>: Recipient address rejected: User unknown',
      '354 End data with <CR><LF>.<CR><LF>',
      expect.stringMatching(/^250 2\.0\.0 Ok: queued as/),
    ]);
    expect(t.get(Directory).stored).toEqual(['carol@example.test']);
  });

  it('refuses recipients past maxRecipients with 452', () => {
    start({ maxRecipients: 2 });
    const c = greeted();
    c.send('MAIL FROM:<a@b.test>\r\nRCPT TO:<a@example.test>\r\nRCPT TO:<b@example.test>\r\nRCPT TO:<c@example.test>\r\n');
    expect(replies(c).slice(1)).toEqual(['250 2.1.5 Recipient <a@example.test> OK', '250 2.1.5 Recipient <b@example.test> OK', '452 4.5.3 Too many recipients']);
  });

  it('relays when the relay policy allows it', () => {
    const relay: RelayPolicy = { allowRelay: (r) => r.remoteAddress === '192.0.2.7' && r.recipient.domain === 'partner.test' };
    start({ relay });
    const c = greeted({ peer: { address: '192.0.2.7' } });
    c.send('MAIL FROM:<a@b.test>\r\nRCPT TO:<x@partner.test>\r\nRCPT TO:<x@other.test>\r\n');
    expect(replies(c).slice(1)).toEqual(['250 2.1.5 Recipient <x@partner.test> OK', '554 5.7.1 <x@other.test>: Relay access denied']);
  });

  it('receives a message: 354, dot-unstuffed body, Received: header, 250 with the queue id, then a new transaction', () => {
    start();
    const c = greeted({ peer: { address: '192.0.2.1' } });
    c.send('MAIL FROM:<a@b.test>\r\nRCPT TO:<u@example.test>\r\nDATA\r\n');
    expect(replies(c)).toEqual(['250 2.1.0 Sender <a@b.test> OK', '250 2.1.5 Recipient <u@example.test> OK', '354 End data with <CR><LF>.<CR><LF>']);
    expect(c.protocol.phase).toBe('data');
    c.send('Subject: hi\r\n\r\n..dot\r\nend\r\n.\r\n', { split: 3 });
    const [queued] = replies(c);
    expect(queued).toMatch(/^250 2\.0\.0 Ok: queued as [0-9A-F]{12}$/);
    expect(delivery.messages).toHaveLength(1);
    const { envelope, data } = delivery.messages[0];
    expect(envelope).toMatchObject({ from: 'a@b.test', to: ['u@example.test'], heloName: 'client.test', remoteAddress: '192.0.2.1', tls: false, authenticatedUser: undefined, body: '7BIT' });
    expect(queued.endsWith(envelope.id)).toBe(true);
    const text = data.toString('latin1');
    expect(text).toMatch(new RegExp(`^Received: from client\\.test \\(\\[192\\.0\\.2\\.1\\]\\)\\r\\n\\tby mx\\.example\\.test with ESMTP id ${envelope.id}\\r\\n\\tfor <u@example\\.test>;\\r\\n\\t\\w{3}, \\d\\d \\w{3} \\d{4} \\d\\d:\\d\\d:\\d\\d \\+0000\\r\\n`));
    expect(text.slice(text.indexOf('Subject'))).toBe('Subject: hi\r\n\r\n.dot\r\nend\r\n');
    expect(c.protocol.phase).toBe('ready');
    c.send('DATA\r\n');
    expect(replies(c)).toEqual(['503 5.5.1 Bad sequence of commands']);
  });

  it('answers pipelined MAIL, RCPTs and DATA in order, with async recipient checks; DATA with no valid recipient is 554', async () => {
    start({ isLocalUser: async (m: Mailbox) => m.localPart === 'u' });
    const c = greeted();
    c.send('MAIL FROM:<a@b.test>\r\nRCPT TO:<nobody@example.test>\r\nDATA\r\n');
    await c.settle();
    expect(replies(c)).toEqual(['250 2.1.0 Sender <a@b.test> OK', '550 5.1.1 <nobody@example.test>: Recipient address rejected: User unknown', '554 5.5.1 No valid recipients']);
    c.send('RSET\r\nMAIL FROM:<a@b.test>\r\nRCPT TO:<u@example.test>\r\nRCPT TO:<v@example.test>\r\nDATA\r\n');
    await c.settle();
    expect(replies(c)).toEqual(['250 2.0.0 Ok', '250 2.1.0 Sender <a@b.test> OK', '250 2.1.5 Recipient <u@example.test> OK', '550 5.1.1 <v@example.test>: Recipient address rejected: User unknown', '354 End data with <CR><LF>.<CR><LF>']);
    c.send('x\r\n.\r\nQUIT\r\n');
    await c.settle();
    expect(replies(c)[1]).toBe('221 2.0.0 Bye');
    expect(delivery.messages[0].envelope.to).toEqual(['u@example.test']);
    expect(c.closeReason?.kind).toBe('done');
  });

  it('a message over maxMessageBytes gets 552 at its end, nothing is delivered, and the session goes on', () => {
    start({ maxMessageBytes: 100 });
    const c = greeted();
    c.send('MAIL FROM:<a@b.test>\r\nRCPT TO:<u@example.test>\r\nDATA\r\n');
    c.clear();
    c.send(`${'x'.repeat(60)}\r\n`);
    c.send(`${'y'.repeat(60)}\r\n`);
    expect(replies(c)).toEqual([]);
    c.send('.\r\n');
    expect(replies(c)).toEqual(['552 5.3.4 Message size exceeds fixed maximum message size']);
    expect(delivery.messages).toHaveLength(0);
    c.send('MAIL FROM:<a@b.test>\r\nRCPT TO:<u@example.test>\r\nDATA\r\n');
    c.send(`${'z'.repeat(98)}\r\n.\r\n`);
    expect(replies(c).at(-1)).toMatch(/^250 2\.0\.0 Ok/);
    expect(delivery.messages).toHaveLength(1);
  });

  it('refuses a message with bare LF (550 5.6.0) unless bareLineEnds is accept', () => {
    start();
    const c = greeted();
    c.send('MAIL FROM:<a@b.test>\r\nRCPT TO:<u@example.test>\r\nDATA\r\n');
    c.clear();
    c.send('a\n.\nb\r\n.\r\n');
    expect(replies(c)).toEqual(['550 5.6.0 Message contains bare CR or LF characters; end lines with CRLF (RFC 5321 section 2.3.8)']);
    expect(delivery.messages).toHaveLength(0);
    void t.close();
    start({ bareLineEnds: 'accept' });
    const d = greeted();
    d.send('MAIL FROM:<a@b.test>\r\nRCPT TO:<u@example.test>\r\nDATA\r\n');
    d.send('a\n.\nb\r\n.\r\n');
    expect(delivery.messages[0].data.toString('latin1')).toMatch(/\r\na\n\.\nb\r\n$/);
  });

  it('maps delivery failures: DeliveryError permanent 554, temporary 451, any other error 451 4.3.0', async () => {
    const outcomes: Array<() => Promise<void>> = [
      () => Promise.reject(new DeliveryError('mailbox full', { permanent: true, status: '5.2.2' })),
      () => Promise.reject(new DeliveryError('disk busy\r\ninjected')),
      () => Promise.reject(new Error('boom')),
    ];
    const flaky: MessageDelivery = { deliver: () => (outcomes.shift() as () => Promise<void>)() };
    start({ delivery: flaky });
    const c = greeted();
    for (let i = 0; i < 3; i++) {
      c.send('MAIL FROM:<a@b.test>\r\nRCPT TO:<u@example.test>\r\nDATA\r\n');
      c.send('x\r\n.\r\n');
      await c.settle();
    }
    expect(replies(c).filter((r) => !r.startsWith('250') && !r.startsWith('354'))).toEqual(['554 5.2.2 mailbox full', '451 4.3.0 disk busy  injected', '451 4.3.0 Temporary local problem, please try again later']);
    expect(c.closed).toBe(false);
  });

  it('passes the message to the delivery in chunks, the Received: header first', async () => {
    const seen: Array<{ envelope: MailEnvelope; message: MailMessage }> = [];
    start({ delivery: { deliver: async (envelope, message) => void seen.push({ envelope, message }) } });
    const c = greeted();
    c.send('MAIL FROM:<a@b.test> BODY=8BITMIME\r\nRCPT TO:<u@example.test>\r\nRCPT TO:<v@example.test>\r\nDATA\r\n');
    c.send(Buffer.concat([Buffer.from('caf'), Buffer.from([0xc3, 0xa9]), Buffer.from('\r\n'), Buffer.alloc(70_000, 0x61), Buffer.from('\r\n.\r\n')]));
    await c.settle();
    const { envelope, message } = seen[0];
    expect(envelope.body).toBe('8BITMIME');
    expect(envelope.to).toEqual(['u@example.test', 'v@example.test']);
    expect(message.chunks[0].toString()).toMatch(/^Received: .*\r\n\t.*\r\n\t.*\d\r\n$/); // no `for` with two recipients
    expect(message.chunks.length).toBeGreaterThan(2);
    expect(message.size).toBe(message.toBuffer().length);
    expect(message.toBuffer().subarray(message.chunks[0].length, message.chunks[0].length + 7)).toEqual(Buffer.from([0x63, 0x61, 0x66, 0xc3, 0xa9, 0x0d, 0x0a]));
  });

  it('a client that disconnects mid-DATA delivers nothing', () => {
    start();
    const c = greeted();
    c.send('MAIL FROM:<a@b.test>\r\nRCPT TO:<u@example.test>\r\nDATA\r\n');
    c.send('Subject: half\r\n\r\nno end');
    c.peerReset();
    expect(c.closed).toBe(true);
    expect(delivery.messages).toHaveLength(0);
  });

  it('closes with 554 on input pipelined after DATA before its 354 (synchronization error)', () => {
    start();
    const c = greeted();
    c.send('MAIL FROM:<a@b.test>\r\nRCPT TO:<u@example.test>\r\nDATA\r\nSubject: eager\r\n\r\n.\r\n');
    expect(replies(c).slice(-2)).toEqual(['354 End data with <CR><LF>.<CR><LF>', '554 5.5.0 SMTP synchronization error (input sent before the reply to DATA)']);
    expect(c.closeReason?.kind).toBe('error');
    expect(delivery.messages).toHaveLength(0);
  });

  it('answers an overlong command line with 500 5.5.6 and goes on', () => {
    start({ maxCommandLength: 600 });
    const c = greeted();
    c.send(`NOOP ${'x'.repeat(1000)}\r\nNOOP\r\n`);
    expect(replies(c)).toEqual(['500 5.5.6 Line too long', '250 2.0.0 Ok']);
  });

  it('RSET ends the transaction; QUIT says 221 and closes', () => {
    start();
    const c = greeted();
    c.send('MAIL FROM:<a@b.test>\r\nRSET\r\nRCPT TO:<u@example.test>\r\nQUIT\r\nNOOP\r\n');
    expect(replies(c)).toEqual(['250 2.1.0 Sender <a@b.test> OK', '250 2.0.0 Ok', '503 5.5.1 Bad sequence of commands', '221 2.0.0 Bye']);
    expect(c.closeReason?.kind).toBe('done');
  });

  it('STARTTLS: 454 without TLS material, 501 with arguments, 503 inside a transaction', () => {
    start();
    const c = greeted();
    c.send('STARTTLS\r\n');
    expect(replies(c)).toEqual(['454 4.7.0 TLS not available']);
    void t.close();
    start({ tls: { key: 'k', cert: 'c' } });
    const d = greeted();
    d.send('STARTTLS now\r\nMAIL FROM:<a@b.test>\r\nSTARTTLS\r\n');
    expect(replies(d)).toEqual(['501 5.5.4 Syntax error in parameters or arguments', '250 2.1.0 Sender <a@b.test> OK', '503 5.5.1 STARTTLS not permitted during a mail transaction']);
  });

  it('AUTH is refused on plaintext (538) and not offered without an authenticator (503)', () => {
    start({ authenticate: () => true });
    const c = greeted();
    c.send('AUTH PLAIN AGFsaWNlAHNlY3JldA==\r\n');
    expect(replies(c)).toEqual(['538 5.7.11 Encryption required for requested authentication mechanism']);
    void t.close();
    start();
    const d = greeted();
    d.send('AUTH PLAIN AGFsaWNlAHNlY3JldA==\r\n');
    expect(replies(d)).toEqual(['503 5.5.1 AUTH not available']);
  });

  describe('AUTH (authRequiresTls: false, as over TLS)', () => {
    const b64 = (s: string): string => Buffer.from(s).toString('base64');
    const check = async ({ username, password }: { username: string; password: string }): Promise<boolean> => username === 'alice' && password === 'secret';

    it('PLAIN with an initial response, then relays as the authenticated user (ESMTPA)', () => {
      start({ authenticate: (cr) => cr.username === 'alice' && cr.password === 'secret', authRequiresTls: false });
      const c = greeted();
      c.send(`AUTH PLAIN ${b64('\0alice\0secret')}\r\nAUTH PLAIN x\r\nMAIL FROM:<alice@example.test>\r\nRCPT TO:<bob@elsewhere.test>\r\nDATA\r\n`);
      expect(replies(c)).toEqual(['235 2.7.0 Authentication successful', '503 5.5.1 Already authenticated', '250 2.1.0 Sender <alice@example.test> OK', '250 2.1.5 Recipient <bob@elsewhere.test> OK', '354 End data with <CR><LF>.<CR><LF>']);
      c.send('hi\r\n.\r\n');
      expect(delivery.messages[0].envelope.authenticatedUser).toBe('alice');
      expect(delivery.messages[0].data.toString()).toContain('with ESMTPA id');
    });

    it('PLAIN and LOGIN through 334 challenges, with an async authenticator; a "DATA" response is no command', async () => {
      start({ authenticate: check, authRequiresTls: false });
      const c = greeted();
      c.send('AUTH PLAIN\r\n');
      expect(replies(c)).toEqual(['334 ']);
      c.send(`${b64('\0alice\0secret')}\r\n`);
      await c.settle();
      expect(replies(c)).toEqual(['235 2.7.0 Authentication successful']);
      expect(c.protocol.user).toBe('alice');

      const d = greeted();
      d.send('AUTH LOGIN\r\n');
      expect(replies(d)).toEqual(['334 VXNlcm5hbWU6']);
      d.send(`${b64('alice')}\r\n`);
      expect(replies(d)).toEqual(['334 UGFzc3dvcmQ6']);
      d.send('DATA\r\n'); // valid base64 (not alice's password): answered as a response, then commands go on
      await d.settle();
      d.send('NOOP\r\n');
      expect(replies(d)).toEqual(['535 5.7.8 Authentication credentials invalid', '250 2.0.0 Ok']);
    });

    it('cancels with *, refuses bad base64 and unknown mechanisms, needs EHLO, and closes after 3 failures', async () => {
      start({ authenticate: check, authRequiresTls: false });
      const fresh = t.connect(SmtpSession);
      fresh.clear();
      fresh.send('AUTH PLAIN\r\n');
      expect(replies(fresh)).toEqual(['503 5.5.1 Send EHLO first']);
      const c = greeted();
      c.send('AUTH LOGIN\r\n*\r\nAUTH PLAIN\r\n!!!\r\nAUTH CRAM-MD5\r\nAUTH\r\n');
      expect(replies(c)).toEqual(['334 VXNlcm5hbWU6', '501 5.0.0 Authentication cancelled', '334 ', '501 5.5.2 Cannot decode response', '504 5.5.4 Unrecognized authentication type', '501 5.5.4 Syntax: AUTH mechanism [initial-response]']);
      for (let i = 0; i < 3; i++) c.send(`AUTH PLAIN ${b64('\0alice\0wrong')}\r\n`);
      await c.settle();
      expect(replies(c)).toEqual(['535 5.7.8 Authentication credentials invalid', '535 5.7.8 Authentication credentials invalid', '421 4.7.0 Too many failed authentication attempts, closing connection']);
      expect(c.closed).toBe(true);
    });

    it('an authenticator that throws is a temporary failure (454), not a closed connection', async () => {
      start({ authenticate: () => Promise.reject(new Error('db down')), authRequiresTls: false });
      const c = greeted();
      c.send(`AUTH PLAIN ${b64('\0alice\0secret')}\r\n`);
      await c.settle();
      expect(replies(c)).toEqual(['454 4.7.0 Temporary authentication failure']);
      expect(c.closed).toBe(false);
    });
  });

  it('says 421 and closes when the client is idle too long, and 421 at shutdown', async () => {
    start({ idleTimeoutMs: 60_000 });
    const c = greeted();
    await t.advance(61_000);
    expect(replies(c)).toEqual(['421 4.4.2 Timeout exceeded, closing connection']);
    expect(c.closed).toBe(true);
    const d = greeted();
    const closing = t.close();
    await d.settle();
    expect(replies(d)).toEqual(['421 4.3.2 Service shutting down, closing connection']);
    d.peerClose();
    await closing;
  });

  it('closes a command line trickled too slowly (frame timeout = idleTimeoutMs) with 421', async () => {
    start({ idleTimeoutMs: 60_000 });
    const c = greeted();
    // One byte every 20 s: never idle, but the line is not finished within 60 s.
    for (let i = 0; i < 4 && !c.closed; i++) {
      c.send('N');
      await t.advance(20_000);
    }
    expect(replies(c)).toEqual(['421 4.4.2 Timeout exceeded, closing connection']);
    expect(c.closeReason?.kind).toBe('timeout');
  });

  it('closes a connection after 100 NOOP/RSET/VRFY/HELP/unknown commands without a message', () => {
    start();
    const c = greeted();
    c.send('NOOP\r\nRSET\r\nVRFY x\r\nHELP\r\nJUNK\r\n'.repeat(20));
    expect(replies(c)).toHaveLength(100);
    c.send('NOOP\r\n');
    expect(replies(c)).toEqual(['421 4.7.0 Too many commands without a message, closing connection']);
    expect(c.closeReason?.kind).toBe('done');
  });

  it('refuses connections past maxConnectionsPerPeer with 421', () => {
    start({ maxConnectionsPerPeer: 1 });
    const peer = { peer: { address: '198.51.100.1' } };
    t.connect(SmtpSession, peer);
    const refused = t.connect(SmtpSession, peer);
    expect(refused.refused).toBe('maxConnectionsPerPeer');
    expect(refused.text()).toBe('421 4.7.0 Too many connections, try again later\r\n');
  });

  it('configure needs a delivery; bootstrapping the bare module fails naming MESSAGE_DELIVERY', async () => {
    expect(() => SmtpServerModule.configure({} as SmtpServerModuleOptions)).toThrow(OptionError);
    expect(() => SmtpServerModule.configure({ delivery: {} as MessageDelivery })).toThrow(/deliver\(\) method/);
    expect(() => SmtpServerModule.configure({ delivery: new MemoryDelivery(), maxMessageBytes: 0 })).toThrow(/maxMessageBytes/);
    const failure = await bootstrap(SmtpServerModule, { logger: silentLogger, listen: [[SmtpSession, { port: 0, host: '127.0.0.1' }]] }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(BootstrapError);
    expect(String((failure as Error).message)).toContain('MESSAGE_DELIVERY');
  });
});
