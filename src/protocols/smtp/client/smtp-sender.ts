import { isIP } from 'node:net';
import * as os from 'node:os';
import { injectable } from 'tsyringe';
import { Application } from '../../../application/application';
import { OptionError } from '../../../errors';
import type { StartTlsOptions } from '../../../transport/connection';
import { parseMailbox } from '../address';
import { dotStuff } from './dot-stuff';
import { SmtpClientError, SmtpReplyError, type RefusedRecipient } from './errors';
import { extensionsOf, type SmtpReply } from './reply';
import { SmtpClientSession } from './smtp-client-session';

/** What `SmtpSender.send` sends, where, and how. */
export interface SendMailOptions {
  /** The server's host. Default '127.0.0.1'. */
  host?: string;
  /** Default 25. */
  port?: number;
  /** The reverse-path (`MAIL FROM`); `''` for the null sender `<>`. */
  from: string;
  /** One recipient or several (`RCPT TO`). */
  to: string | readonly string[];
  /** The message (headers, blank line, body). Line endings are sent as CRLF whatever they are here. */
  message: Buffer | string;
  /** Our name in EHLO. Default `os.hostname()`. */
  heloName?: string;
  /**
   * 'opportunistic' (default): STARTTLS when the server offers it; 'required': fail with
   * `TORSION_ERR_SMTP_TLS_REQUIRED` when it does not; 'none': never.
   */
  tls?: 'opportunistic' | 'required' | 'none';
  /** node:tls options for STARTTLS (`ca`, `rejectUnauthorized`...); `servername` defaults to `host` unless it is an IP. */
  tlsOptions?: StartTlsOptions;
  /** Credentials for AUTH (PLAIN if offered, else LOGIN). */
  auth?: {
    /** The user name (PLAIN's authentication identity). */
    username: string;
    /** The password; sent over TLS only, unless `allowPlaintextAuth`. */
    password: string;
  };
  /** Use this AUTH mechanism only (it must be offered). Default: PLAIN if offered, else LOGIN. */
  authMechanism?: 'PLAIN' | 'LOGIN';
  /** Send credentials over a plaintext connection. Default false: `TORSION_ERR_SMTP_AUTH` instead. */
  allowPlaintextAuth?: boolean;
  /** How long to wait for each reply. Default 5 minutes (RFC 5321 section 4.5.3.2). */
  timeoutMs?: number;
  /** How long to wait for the connection. Default 10 s. */
  connectTimeoutMs?: number;
}

/** What a sent message came to. */
export interface SendResult {
  /** Recipients the server accepted. */
  readonly accepted: readonly string[];
  /** Recipients it refused, with its replies (the message went to the others). */
  readonly refused: readonly RefusedRecipient[];
  /** The server's reply to the end of the message (its `250`, often naming a queue id). */
  readonly reply: SmtpReply;
  /** The message went over TLS. */
  readonly tls: boolean;
  /** AUTH succeeded. */
  readonly authenticated: boolean;
  /** MAIL, RCPT and DATA were pipelined (RFC 2920). */
  readonly pipelined: boolean;
}

const HIGH_BIT = /[\x80-\xff]/;

function expect(reply: SmtpReply, code: number, command: string): SmtpReply {
  if (reply.code !== code) throw new SmtpReplyError(command, reply);
  return reply;
}

function base64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

/**
 * The SMTP client (Twisted's ESMTPSenderFactory): sends one message per `send` over its own
 * connection, with EHLO (HELO if the server knows no EHLO), STARTTLS when offered (or required),
 * AUTH PLAIN/LOGIN when given credentials (over TLS unless told otherwise), PIPELINING of MAIL,
 * RCPT and DATA when offered, SIZE and BODY=8BITMIME when they apply, and dot-stuffing. A
 * refusal is a `SmtpReplyError` carrying the server's reply code; anything else a
 * `SmtpClientError`. Inject it (import `SmtpClientModule`), or call `sendMail(app, options)`.
 */
@injectable()
export class SmtpSender {
  constructor(private readonly app: Application) {}

  /** Sends one message; resolves once the server took it (its 250 to the end of the message). */
  async send(options: SendMailOptions): Promise<SendResult> {
    const recipients = typeof options.to === 'string' ? [options.to] : [...options.to];
    if (recipients.length === 0) throw new OptionError('smtp client: `to` names no recipient');
    for (const address of [...recipients, ...(options.from === '' ? [] : [options.from])]) {
      if (parseMailbox(address) === undefined) throw new OptionError(`smtp client: ${JSON.stringify(address)} is not a mailbox (local@domain)`);
    }
    const host = options.host ?? '127.0.0.1';
    const { protocol: session, connection } = await this.app.connect(SmtpClientSession, { host, port: options.port ?? 25, timeoutMs: options.connectTimeoutMs ?? 10_000 });
    try {
      return await this.converse(session, host, recipients, options);
    } finally {
      connection.end();
    }
  }

  private async converse(s: SmtpClientSession, host: string, recipients: string[], options: SendMailOptions): Promise<SendResult> {
    const timeout = options.timeoutMs ?? 300_000;
    const heloName = options.heloName ?? os.hostname();
    const ask = async (command: string, line: string, code: number): Promise<SmtpReply> => {
      s.send(line);
      return expect(await s.reply(timeout), code, command);
    };
    expect(await s.reply(timeout), 220, 'greeting');
    let extensions = await this.hello(s, heloName, timeout);
    if (s.conn.tls === undefined && options.tls !== 'none' && extensions.has('STARTTLS')) {
      await ask('STARTTLS', 'STARTTLS', 220);
      await s.conn.startTls({ ...(isIP(host) === 0 ? { servername: host } : {}), ...options.tlsOptions });
      extensions = await this.hello(s, heloName, timeout);
    } else if (options.tls === 'required' && s.conn.tls === undefined) {
      throw new SmtpClientError('TORSION_ERR_SMTP_TLS_REQUIRED', `TLS is required and ${host} offers no STARTTLS`);
    }
    let authenticated = false;
    if (options.auth !== undefined) {
      const { username, password } = options.auth;
      if (s.conn.tls === undefined && options.allowPlaintextAuth !== true) {
        throw new SmtpClientError('TORSION_ERR_SMTP_AUTH', 'refusing to send credentials over a plaintext connection (the server offers no STARTTLS); allowPlaintextAuth: true sends them anyway');
      }
      const offered = (extensions.get('AUTH') ?? '').toUpperCase().split(/\s+/);
      const mechanisms = options.authMechanism === undefined ? offered : offered.filter((m) => m === options.authMechanism);
      if (mechanisms.includes('PLAIN')) {
        await ask('AUTH', `AUTH PLAIN ${base64(`\0${username}\0${password}`)}`, 235);
      } else if (mechanisms.includes('LOGIN')) {
        await ask('AUTH', 'AUTH LOGIN', 334);
        await ask('AUTH', base64(username), 334);
        await ask('AUTH', base64(password), 235);
      } else {
        throw new SmtpClientError('TORSION_ERR_SMTP_AUTH', `${host} offers no AUTH ${options.authMechanism ?? 'PLAIN or LOGIN'} (it offers: ${extensions.get('AUTH') ?? 'no AUTH'})`);
      }
      authenticated = true;
    }

    const message = typeof options.message === 'string' ? Buffer.from(options.message, 'utf8') : options.message;
    const params: string[] = [];
    if (extensions.has('SIZE')) params.push(`SIZE=${message.length}`);
    if (extensions.has('8BITMIME') && HIGH_BIT.test(message.toString('latin1'))) params.push('BODY=8BITMIME');
    const mail = `MAIL FROM:<${options.from}>${params.map((p) => ` ${p}`).join('')}`;
    const rcpts = recipients.map((r) => `RCPT TO:<${r}>`);
    const pipelined = extensions.has('PIPELINING');
    const accepted: string[] = [];
    const refused: RefusedRecipient[] = [];
    let dataReply: SmtpReply | undefined;
    if (pipelined) {
      // RFC 2920: MAIL, the RCPTs and DATA in one write, DATA last; then the replies in order.
      s.send(mail, ...rcpts, 'DATA');
      expect(await s.reply(timeout), 250, 'MAIL');
      for (const recipient of recipients) this.sort(recipient, await s.reply(timeout), accepted, refused);
      dataReply = await s.reply(timeout);
    } else {
      await ask('MAIL', mail, 250);
      for (let i = 0; i < recipients.length; i++) {
        s.send(rcpts[i]);
        this.sort(recipients[i], await s.reply(timeout), accepted, refused);
      }
    }
    if (accepted.length === 0) {
      // A server that said 354 all the same gets an empty message to end the DATA.
      if (dataReply?.code === 354) s.conn.write('.\r\n');
      throw new SmtpReplyError('RCPT', refused[0].reply, refused);
    }
    if (dataReply === undefined) {
      s.send('DATA');
      dataReply = await s.reply(timeout);
    }
    expect(dataReply, 354, 'DATA');
    s.conn.write(dotStuff(message));
    const reply = expect(await s.reply(timeout), 250, 'end of data');
    s.send('QUIT');
    await s.reply(timeout).catch(() => undefined);
    return { accepted, refused, reply, tls: s.conn.tls !== undefined, authenticated, pipelined };
  }

  /** EHLO, or HELO when the server refuses EHLO; the extensions it offers (none after HELO). */
  private async hello(s: SmtpClientSession, name: string, timeout: number): Promise<Map<string, string>> {
    s.send(`EHLO ${name}`);
    const reply = await s.reply(timeout);
    if (reply.code === 250) return extensionsOf(reply);
    if (reply.code < 500) throw new SmtpReplyError('EHLO', reply);
    s.send(`HELO ${name}`);
    expect(await s.reply(timeout), 250, 'HELO');
    return new Map();
  }

  private sort(recipient: string, reply: SmtpReply, accepted: string[], refused: RefusedRecipient[]): void {
    if (reply.code === 250 || reply.code === 251) accepted.push(recipient);
    else refused.push({ recipient, reply });
  }
}

/** Sends one message with a `SmtpSender` of `app` (whose modules must list `SmtpClientSession`: import `SmtpClientModule`). */
export function sendMail(app: Application, options: SendMailOptions): Promise<SendResult> {
  return new SmtpSender(app).send(options);
}
