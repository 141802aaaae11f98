import 'reflect-metadata';
import { Connection, Listen, Module, OnConnect, OnData, Protocol, bootstrap, lines, silentLogger, type Application, type ModuleImport } from '../../../src';
import {
  DeliveryError,
  MemoryDelivery,
  SmtpClientModule,
  SmtpSender,
  SmtpServerModule,
  SmtpSession,
  dotStuff,
  sendMail,
  type SmtpServerModuleOptions,
} from 'torsion/smtp';
import { makeTestCerts } from '../../transport/support/certs';

const certs = makeTestCerts();
afterAll(() => certs.cleanup());

let app: Application | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** An application with our SMTP server on a free port and the SMTP client. */
async function serve(options: Partial<SmtpServerModuleOptions> = {}, extra: ModuleImport[] = []): Promise<{ app: Application; port: number; delivery: MemoryDelivery }> {
  const delivery = new MemoryDelivery();
  const server = SmtpServerModule.configure({ hostname: 'mx.example.test', localDomains: ['example.test'], delivery, port: 0, host: '127.0.0.1', ...options });
  @Module({ imports: [server, SmtpClientModule, ...extra] })
  class Root {}
  app = await bootstrap(Root, { logger: silentLogger });
  return { app, port: app.address(SmtpSession).port, delivery };
}

const MESSAGE = 'Subject: test\n\n.leading dot\nline two\r\n..two dots\n';

describe('SmtpSender against torsion’s SMTP server', () => {
  it('sends with EHLO and PIPELINING, dot-stuffed, line endings made CRLF', async () => {
    const { app, port, delivery } = await serve();
    const result = await new SmtpSender(app).send({ port, from: 'a@b.test', to: ['u@example.test', 'v@example.test'], message: MESSAGE, heloName: 'client.test' });
    expect(result).toMatchObject({ accepted: ['u@example.test', 'v@example.test'], refused: [], tls: false, authenticated: false, pipelined: true });
    expect(result.reply.code).toBe(250);
    expect(result.reply.status).toBe('2.0.0');
    const { envelope, data } = delivery.messages[0];
    expect(result.reply.text).toContain(envelope.id);
    expect(envelope).toMatchObject({ from: 'a@b.test', to: ['u@example.test', 'v@example.test'], heloName: 'client.test' });
    const text = data.toString();
    expect(text.slice(text.indexOf('Subject'))).toBe('Subject: test\r\n\r\n.leading dot\r\nline two\r\n..two dots\r\n');
  });

  it('upgrades with STARTTLS, authenticates (AUTH PLAIN), pipelines, and relays as the user', async () => {
    const { app, port, delivery } = await serve({
      tls: { key: certs.server.key, cert: certs.server.cert },
      authenticate: ({ username, password }) => username === 'alice' && password === 's3cret',
    });
    const result = await sendMail(app, {
      host: 'localhost',
      port,
      from: 'alice@example.test',
      to: 'bob@elsewhere.test',
      message: 'Subject: over TLS\r\n\r\nhello\r\n',
      tls: 'required',
      tlsOptions: { ca: certs.server.cert },
      auth: { username: 'alice', password: 's3cret' },
    });
    expect(result).toMatchObject({ accepted: ['bob@elsewhere.test'], tls: true, authenticated: true, pipelined: true });
    expect(delivery.messages[0].envelope).toMatchObject({ tls: true, authenticatedUser: 'alice', to: ['bob@elsewhere.test'] });
    expect(delivery.messages[0].data.toString()).toContain('with ESMTPSA id');
    // AUTH LOGIN when asked for (three steps of 334), on another connection.
    const login = await sendMail(app, { host: 'localhost', port, from: 'alice@example.test', to: 'carol@example.test', message: 'x\r\n', tlsOptions: { ca: certs.server.cert }, auth: { username: 'alice', password: 's3cret' }, authMechanism: 'LOGIN' });
    expect(login.authenticated).toBe(true);
    expect(delivery.messages[1].envelope.authenticatedUser).toBe('alice');
  });

  it('fails with typed errors carrying the server’s reply code', async () => {
    const { app, port, delivery } = await serve({
      maxMessageBytes: 100,
      isLocalUser: (m) => m.localPart !== 'ghost',
      tls: { key: certs.server.key, cert: certs.server.cert },
      authenticate: () => false,
    });
    const sender = new SmtpSender(app);
    const base = { host: 'localhost', port, from: 'a@b.test', message: 'hi\r\n', tlsOptions: { ca: certs.server.cert } };

    await expect(sender.send({ ...base, to: 'ghost@example.test' })).rejects.toMatchObject({
      code: 'TORSION_ERR_SMTP_REPLY',
      command: 'RCPT',
      replyCode: 550,
      transient: false,
      refused: [{ recipient: 'ghost@example.test', reply: { code: 550, status: '5.1.1' } }],
    });
    const partly = await sender.send({ ...base, to: ['ghost@example.test', 'u@example.test', 'x@elsewhere.test'] });
    expect(partly.accepted).toEqual(['u@example.test']);
    expect(partly.refused.map((r) => [r.recipient, r.reply.code])).toEqual([['ghost@example.test', 550], ['x@elsewhere.test', 554]]);
    await expect(sender.send({ ...base, to: 'u@example.test', message: 'x'.repeat(200) })).rejects.toMatchObject({ command: 'MAIL', replyCode: 552 });
    await expect(sender.send({ ...base, to: 'u@example.test', auth: { username: 'a', password: 'b' } })).rejects.toMatchObject({ command: 'AUTH', replyCode: 535 });
    expect(delivery.messages).toHaveLength(1);
  });

  it('maps a delivery refusal at the end of the message to a SmtpReplyError (554 permanent, 451 transient)', async () => {
    const errors = [new DeliveryError('quota exceeded', { permanent: true, status: '5.2.2' }), new DeliveryError('try later')];
    const { app, port } = await serve({ delivery: { deliver: () => Promise.reject(errors.shift()) } });
    const base = { port, from: 'a@b.test', to: 'u@example.test', message: 'hi\r\n' };
    await expect(sendMail(app, base)).rejects.toMatchObject({ command: 'end of data', replyCode: 554, reply: { status: '5.2.2' } });
    await expect(sendMail(app, base)).rejects.toMatchObject({ command: 'end of data', replyCode: 451, transient: true });
  });

  it('refuses to send credentials in plaintext, and requires TLS when told to', async () => {
    const { app, port } = await serve({ authenticate: () => true, authRequiresTls: false });
    const base = { port, from: 'a@b.test', to: 'u@example.test', message: 'hi\r\n' };
    await expect(sendMail(app, { ...base, auth: { username: 'a', password: 'b' } })).rejects.toMatchObject({ code: 'TORSION_ERR_SMTP_AUTH' });
    await expect(sendMail(app, { ...base, tls: 'required' })).rejects.toMatchObject({ code: 'TORSION_ERR_SMTP_TLS_REQUIRED' });
    const ok = await sendMail(app, { ...base, auth: { username: 'a', password: 'b' }, allowPlaintextAuth: true });
    expect(ok).toMatchObject({ authenticated: true, tls: false });
    await expect(sendMail(app, { ...base, to: [] })).rejects.toMatchObject({ code: 'TORSION_ERR_INVALID_OPTION' });
  });
});

/** A server of the old school: no EHLO (502), no extensions; what it received is kept. */
const oldSchool: { lines: string[]; data: string } = { lines: [], data: '' };

@Listen({ port: 0, host: '127.0.0.1' })
@Protocol({ codec: lines() })
class OldSchoolServer {
  private inData = false;
  constructor(private readonly conn: Connection) {}
  @OnConnect() greet(): string {
    return '220 old.test\r';
  }
  @OnData() line(line: string): string | undefined {
    if (this.inData) {
      if (line === '.') {
        this.inData = false;
        return '250 ok\r';
      }
      oldSchool.data += `${line}\n`;
      return undefined;
    }
    oldSchool.lines.push(line);
    const verb = line.split(' ')[0].toUpperCase();
    if (verb === 'EHLO') return '502 5.5.1 what?\r';
    if (verb === 'DATA') {
      this.inData = true;
      return '354 go\r';
    }
    if (verb === 'QUIT') {
      this.conn.end();
      return '221 bye\r';
    }
    if (verb === 'NOREPLY') return undefined;
    return '250-first line\r\n250 ok\r';
  }
}

/** A server that greets and then never answers. */
@Listen({ port: 0, host: '127.0.0.1' })
@Protocol({ codec: lines() })
class SilentServer {
  @OnConnect() greet(): string {
    return '220 silent.test\r';
  }
  @OnData() line(): void {}
}

@Module({ protocols: [OldSchoolServer, SilentServer] })
class FakeServers {}

describe('SmtpSender against other servers', () => {
  it('falls back to HELO and sends command by command without PIPELINING', async () => {
    const { app } = await serve({}, [FakeServers]);
    const result = await sendMail(app, { port: app.address(OldSchoolServer).port, from: '', to: ['a@old.test', 'b@old.test'], message: '.x\r\ny', heloName: 'me.test' });
    expect(result).toMatchObject({ pipelined: false, accepted: ['a@old.test', 'b@old.test'] });
    expect(oldSchool.lines).toEqual(['EHLO me.test', 'HELO me.test', 'MAIL FROM:<>', 'RCPT TO:<a@old.test>', 'RCPT TO:<b@old.test>', 'DATA', 'QUIT']);
    expect(oldSchool.data).toBe('..x\ny\n');
  });

  it('gives up with TORSION_ERR_SMTP_TIMEOUT when the server stops answering', async () => {
    const { app } = await serve({}, [FakeServers]);
    await expect(sendMail(app, { port: app.address(SilentServer).port, from: 'a@b.test', to: 'c@d.test', message: 'x', timeoutMs: 200 })).rejects.toMatchObject({ code: 'TORSION_ERR_SMTP_TIMEOUT' });
  });
});

describe('dotStuff', () => {
  it('doubles leading dots, makes every line ending CRLF, ends with CRLF.CRLF', () => {
    expect(dotStuff(Buffer.from('.a\n..b\rc\r\n.')).toString()).toBe('..a\r\n...b\r\nc\r\n..\r\n.\r\n');
    expect(dotStuff(Buffer.alloc(0)).toString()).toBe('.\r\n');
    expect(dotStuff(Buffer.from('x\r\n')).toString()).toBe('x\r\n.\r\n');
  });
});
