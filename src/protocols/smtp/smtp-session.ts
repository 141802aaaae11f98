import { randomBytes } from 'node:crypto';
import { inject } from 'tsyringe';
import { FrameTimeoutError, FrameTooLargeError } from '../../errors';
import { OnConnect, OnError, OnIdle, OnShutdown } from '../../decorators/handlers';
import { Listen } from '../../decorators/listen';
import { Protocol } from '../../decorators/protocol';
import { OnCommand, OnUnknownCommand, UseFilters } from '../../decorators/routing';
import { isThenable } from '../../thenable';
import { Connection } from '../../transport/connection';
import { parsePath, type Mailbox } from './address';
import { SMTP_AUTHENTICATOR, decodeBase64, parsePlain, type SmtpAuthenticator, type SmtpCredentials } from './auth';
import { MESSAGE_DELIVERY, type MailEnvelope, type MessageDelivery } from './delivery';
import { MessageBuffer } from './mail-message';
import { SMTP_SERVER_CONFIG, type SmtpServerConfig } from './options';
import { RECIPIENT_POLICY, RELAY_POLICY, type RecipientPolicy, type RelayPolicy } from './policies';
import { receivedHeader } from './received-header';
import { SmtpFailureReplies } from './reply-filter';
import { DATA_BODY_ROUTE, DATA_END_ROUTE, SASL_RESPONSE_ROUTE, SmtpSynchronizationError, smtpCodec, type DataEnd, type SmtpLine } from './smtp-codec';
import { SmtpRouter } from './smtp-router';

/** The injection token of the session's `ProtocolOptions` (codec, router, timeouts), made from `SMTP_SERVER_CONFIG`. */
export const SMTP_PROTOCOL_OPTIONS = Symbol('SMTP_PROTOCOL_OPTIONS');

/**
 * Where a session is: 'fresh' before EHLO/HELO, 'ready' between transactions, 'mail' after an
 * accepted MAIL, 'rcpt' once a recipient is accepted, 'data' while the message arrives.
 */
export type SmtpPhase = 'fresh' | 'ready' | 'mail' | 'rcpt' | 'data';

/** A SASL exchange in progress (the client owes a response to our 334). */
interface SaslExchange {
  readonly mechanism: 'PLAIN' | 'LOGIN';
  /** LOGIN: the user name, once sent. */
  username: string | undefined;
}

const SIZE_PARAM = /^[0-9]{1,15}$/;
/** Failed AUTH attempts a connection may make before it is closed (a password-guessing brake). */
const MAX_AUTH_FAILURES = 3;
/**
 * Commands of other SMTP extensions this server does not offer (EXPN is optional in RFC 5321
 * 3.5.3; TURN, ETRN, BDAT, ATRN belong to extensions it does not advertise): RFC 5321 4.2.4 answers
 * a recognised command that is not offered with 502, an unrecognised one with 500.
 */
const UNOFFERED_COMMANDS = new Set(['EXPN', 'TURN', 'ETRN', 'BDAT', 'ATRN']);
/**
 * NOOP, RSET, VRFY, HELP and unknown commands a connection may send without delivering a
 * message (Postfix's smtpd_junk_command_limit): they reset no timeout, so a client could
 * otherwise hold a connection open forever.
 */
const MAX_JUNK_COMMANDS = 100;
const TOO_MUCH_JUNK = '421 4.7.0 Too many commands without a message, closing connection';

/**
 * One SMTP server connection (RFC 5321 with ESMTP): EHLO/HELO, MAIL/RCPT/DATA, RSET, NOOP,
 * QUIT, VRFY (252), HELP; PIPELINING, 8BITMIME, SIZE, STARTTLS, ENHANCEDSTATUSCODES and
 * AUTH PLAIN/LOGIN. Commands are `@OnCommand` routes of the `SmtpRouter`; `when` gives the 503
 * of a command out of sequence; the message is read by the SMTP codec (see smtp-codec.ts) into
 * a bounded `MessageBuffer` and handed to the `MessageDelivery` with a `Received:` header.
 *
 * Replies carry RFC 3463 enhanced status codes, also after HELO (as Postfix does).
 */
@Listen(25)
// The codec and router in place are the defaults; SMTP_PROTOCOL_OPTIONS (the configured limits) wins.
@Protocol({ options: SMTP_PROTOCOL_OPTIONS, codec: smtpCodec(), router: new SmtpRouter() })
@UseFilters(SmtpFailureReplies)
export class SmtpSession {
  /** The state `when` compares (the router's state field). */
  phase: SmtpPhase = 'fresh';
  /** The EHLO/HELO argument; '' before it. */
  heloName = '';
  /** The client greeted with EHLO (ESMTP). */
  esmtp = false;
  /** The user AUTH authenticated. */
  user: string | undefined;
  private from = '';
  private recipients: string[] = [];
  private body: '7BIT' | '8BITMIME' = '7BIT';
  private readonly message: MessageBuffer;
  private sasl: SaslExchange | undefined;
  private authFailures = 0;
  private junk = 0;

  constructor(
    private readonly conn: Connection,
    @inject(SMTP_SERVER_CONFIG) private readonly config: SmtpServerConfig,
    @inject(MESSAGE_DELIVERY) private readonly delivery: MessageDelivery,
    @inject(RECIPIENT_POLICY) private readonly recipientPolicy: RecipientPolicy,
    @inject(RELAY_POLICY) private readonly relayPolicy: RelayPolicy,
    @inject(SMTP_AUTHENTICATOR) private readonly authenticator: SmtpAuthenticator | null,
  ) {
    this.message = new MessageBuffer(config.maxMessageBytes);
  }

  /** 220: who we are. */
  @OnConnect()
  greet(): string {
    return `220 ${this.config.hostname} ${this.config.greeting}`;
  }

  /** EHLO: starts over (ends any transaction) and lists the ESMTP extensions. */
  @OnCommand('EHLO', { minArgs: 1, maxArgs: 1 })
  ehlo(name: string): string[] {
    this.greeted(name, true);
    const lines = [this.config.hostname, 'PIPELINING', `SIZE ${this.config.maxMessageBytes}`, '8BITMIME', 'ENHANCEDSTATUSCODES'];
    if (this.config.tls !== undefined && this.conn.tls === undefined) lines.push('STARTTLS');
    if (this.authAvailable()) lines.push('AUTH PLAIN LOGIN');
    return lines.map((line, i) => `250${i === lines.length - 1 ? ' ' : '-'}${line}`);
  }

  /** HELO: plain SMTP, no extensions. */
  @OnCommand('HELO', { minArgs: 1, maxArgs: 1 })
  helo(name: string): string {
    this.greeted(name, false);
    return `250 ${this.config.hostname}`;
  }

  /** MAIL FROM:<path> [SIZE=n] [BODY=7BIT|8BITMIME] [AUTH=...]: starts a transaction. */
  @OnCommand('MAIL', { minArgs: 1, when: 'ready' })
  mail(...words: string[]): string {
    const parsed = parsePath('FROM', words.join(' '));
    if ('error' in parsed) return `501 5.5.4 ${parsed.error}`;
    let body: '7BIT' | '8BITMIME' = '7BIT';
    for (const [key, value] of parsed.params) {
      if (!this.esmtp) return '555 5.5.4 MAIL parameters need EHLO';
      if (key === 'SIZE') {
        if (!SIZE_PARAM.test(value)) return '501 5.5.4 Bad SIZE parameter';
        if (Number(value) > this.config.maxMessageBytes) return '552 5.3.4 Message size exceeds fixed maximum message size';
      } else if (key === 'BODY') {
        const kind = value.toUpperCase();
        if (kind !== '7BIT' && kind !== '8BITMIME') return '501 5.5.4 BODY must be 7BIT or 8BITMIME';
        body = kind;
      } else if (key !== 'AUTH') {
        // AUTH=<> (RFC 4954 section 5) is accepted and ignored: we relay to no one on its strength.
        return `555 5.5.4 Unsupported parameter ${key}`;
      }
    }
    this.from = parsed.mailbox?.address ?? '';
    this.body = body;
    this.phase = 'mail';
    return `250 2.1.0 Sender <${this.from}> OK`;
  }

  /** RCPT TO:<path>: a local user (550 if unknown), or relaying if the relay policy allows it (else 554). */
  @OnCommand('RCPT', { minArgs: 1, when: ['mail', 'rcpt'] })
  rcpt(...words: string[]): string | Promise<string> {
    const parsed = parsePath('TO', words.join(' '));
    if ('error' in parsed) return `501 5.1.3 ${parsed.error}`;
    if (parsed.params.size > 0) return `555 5.5.4 Unsupported parameter ${[...parsed.params.keys()][0]}`;
    if (parsed.mailbox === undefined) return '501 5.1.3 A recipient cannot be <>';
    if (this.recipients.length >= this.config.maxRecipients) return '452 4.5.3 Too many recipients';
    let mailbox: Mailbox = parsed.mailbox;
    // <postmaster> without a domain must be accepted (RFC 5321 section 4.5.1): ours.
    if (mailbox.domain === '') {
      const domain = this.config.localDomains[0] ?? this.config.hostname;
      mailbox = { localPart: mailbox.localPart, domain, address: `${mailbox.localPart}@${domain}` };
    }
    const target = mailbox;
    if (this.recipientPolicy.isLocalDomain(target.domain)) {
      return settle(this.recipientPolicy.isLocalUser(target), (ok) => (ok ? this.accept(target) : `550 5.1.1 <${target.address}>: Recipient address rejected: User unknown`));
    }
    const request = { recipient: target, from: this.from, remoteAddress: this.conn.remoteAddress, tls: this.conn.tls !== undefined, authenticatedUser: this.user };
    return settle(this.relayPolicy.allowRelay(request), (ok) => (ok ? this.accept(target) : `554 5.7.1 <${target.address}>: Relay access denied`));
  }

  /** DATA: 354 and the codec reads the message, or why not; the codec's input is told either way. */
  @OnCommand('DATA')
  data(line: SmtpLine, ...extra: string[]): string {
    if (!line.opensData) return '503 5.5.1 Bad sequence of commands';
    let accepted = false;
    try {
      if (extra.length > 0) return '501 5.5.4 Syntax: DATA (no arguments)';
      // RFC 5321 section 3.3: all recipients refused (a pipelined transaction): 554.
      if (this.phase === 'mail') return '554 5.5.1 No valid recipients';
      if (this.phase !== 'rcpt') return '503 5.5.1 Bad sequence of commands';
      line.input.acceptData();
      accepted = true;
      this.phase = 'data';
      this.message.reset();
      return '354 End data with <CR><LF>.<CR><LF>';
    } finally {
      // Whatever the answer (an exception included), the decoder must know what follows.
      if (!accepted) line.input.rejectData();
    }
  }

  /** A piece of the message: copied into the bounded message buffer (counted only, once over the limit). */
  @OnCommand(DATA_BODY_ROUTE)
  chunk(chunk: Buffer): void {
    this.message.append(chunk);
  }

  /** The end of the message: 552 / 550 / the delivery's verdict (250 with the queue id); the transaction ends. */
  @OnCommand(DATA_END_ROUTE)
  endOfData(end: DataEnd): string | Promise<string> {
    if (this.message.overflowed) {
      this.resetTransaction();
      return '552 5.3.4 Message size exceeds fixed maximum message size';
    }
    if (end.bareLineEnds > 0 && this.config.bareLineEnds === 'reject') {
      this.resetTransaction();
      return '550 5.6.0 Message contains bare CR or LF characters; end lines with CRLF (RFC 5321 section 2.3.8)';
    }
    const id = randomBytes(6).toString('hex').toUpperCase();
    const receivedAt = new Date();
    const tls = this.conn.tls !== undefined;
    const envelope: MailEnvelope = {
      id,
      from: this.from,
      to: this.recipients,
      heloName: this.heloName,
      remoteAddress: this.conn.remoteAddress,
      tls,
      authenticatedUser: this.user,
      body: this.body,
      receivedAt,
    };
    const header = receivedHeader({
      heloName: this.heloName,
      remoteAddress: this.conn.remoteAddress,
      hostname: this.config.hostname,
      esmtp: this.esmtp,
      tls,
      authenticated: this.user !== undefined,
      id,
      recipients: this.recipients,
      date: receivedAt,
    });
    const message = this.message.finish(header);
    this.resetTransaction();
    const queued = `250 2.0.0 Ok: queued as ${id}`;
    this.junk = 0;
    const delivered = this.delivery.deliver(envelope, message);
    return isThenable(delivered) ? Promise.resolve(delivered).then(() => queued) : queued;
  }

  /** RSET: ends the transaction. */
  @OnCommand('RSET', { maxArgs: 0 })
  rset(): string {
    if (this.tooMuchJunk()) return TOO_MUCH_JUNK;
    this.resetTransaction();
    return '250 2.0.0 Ok';
  }

  /** NOOP: 250. */
  @OnCommand('NOOP')
  noop(): string {
    if (this.tooMuchJunk()) return TOO_MUCH_JUNK;
    return '250 2.0.0 Ok';
  }

  /** QUIT: 221, then the connection ends. */
  @OnCommand('QUIT')
  quit(): string {
    this.conn.end();
    return '221 2.0.0 Bye';
  }

  /** VRFY: 252 (RFC 5321 section 3.5.3), never a user list. */
  @OnCommand('VRFY', { minArgs: 1 })
  vrfy(): string {
    if (this.tooMuchJunk()) return TOO_MUCH_JUNK;
    // RFC 5321 section 3.5.3: 252 rather than disclose which users exist.
    return '252 2.5.0 Cannot VRFY user, but will accept message and attempt delivery';
  }

  /** HELP: the commands we know. */
  @OnCommand('HELP')
  help(): string {
    if (this.tooMuchJunk()) return TOO_MUCH_JUNK;
    return '214 2.0.0 Commands: EHLO HELO MAIL RCPT DATA RSET NOOP QUIT VRFY HELP STARTTLS AUTH';
  }

  /** STARTTLS (RFC 3207): 220, then the TLS handshake on this connection; everything learned before is forgotten. */
  @OnCommand('STARTTLS', { maxArgs: 0 })
  startTls(): string | undefined {
    if (this.config.tls === undefined) return '454 4.7.0 TLS not available';
    if (this.conn.tls !== undefined) return '503 5.5.1 TLS already active';
    if (this.phase === 'mail' || this.phase === 'rcpt') return '503 5.5.1 STARTTLS not permitted during a mail transaction';
    this.conn.send('220 2.0.0 Ready to start TLS');
    // RFC 3207 section 4.2: everything learned before the handshake is forgotten.
    this.phase = 'fresh';
    this.heloName = '';
    this.esmtp = false;
    this.user = undefined;
    this.resetTransaction();
    // A failed handshake closes the connection (reason 'error'); nothing is left to answer.
    this.conn.startTls(this.config.tls).catch(() => undefined);
    return undefined;
  }

  /** AUTH PLAIN|LOGIN [initial-response] (RFC 4954): 334 challenges until 235, 535 or a cancel. */
  @OnCommand('AUTH')
  auth(line: SmtpLine, mechanism?: string, initial?: string, ...extra: string[]): string | Promise<string> {
    if (!this.authAvailable()) {
      if (this.authenticator !== null && this.conn.tls === undefined) return '538 5.7.11 Encryption required for requested authentication mechanism';
      return '503 5.5.1 AUTH not available';
    }
    if (!this.esmtp) return '503 5.5.1 Send EHLO first';
    if (this.user !== undefined) return '503 5.5.1 Already authenticated';
    if (this.phase === 'mail' || this.phase === 'rcpt') return '503 5.5.1 AUTH not permitted during a mail transaction';
    if (mechanism === undefined || extra.length > 0) return '501 5.5.4 Syntax: AUTH mechanism [initial-response]';
    const kind = mechanism.toUpperCase();
    if (kind !== 'PLAIN' && kind !== 'LOGIN') return '504 5.5.4 Unrecognized authentication type';
    this.sasl = { mechanism: kind, username: undefined };
    if (initial === undefined) return this.challenge(line, kind === 'PLAIN' ? '' : 'VXNlcm5hbWU6'); // "Username:"
    return this.saslStep(line, initial);
  }

  /** A line answering our 334. */
  @OnCommand(SASL_RESPONSE_ROUTE)
  saslResponse(line: SmtpLine): string | Promise<string> {
    line.input.saslResponseExpected = false;
    // A response that reads "DATA" made the decoder stop, as for the command: it is no command.
    if (line.opensData) line.input.rejectData();
    return this.saslStep(line, line.text.trim());
  }

  /** Anything else: 502 for commands of extensions this server does not offer, else 500. */
  @OnUnknownCommand()
  unknown(command: string | undefined): string {
    if (this.tooMuchJunk()) return TOO_MUCH_JUNK;
    if (command === undefined) return '500 5.5.2 Syntax error, empty command';
    if (UNOFFERED_COMMANDS.has(command.toUpperCase())) return '502 5.5.1 Command not implemented';
    return '500 5.5.2 Syntax error, command unrecognized';
  }

  /** The connection's failures: 500 for an overlong line (the connection goes on); 554 or 421 before it closes. */
  @OnError()
  failed(error: Error): string {
    if (error instanceof FrameTooLargeError) return '500 5.5.6 Line too long';
    if (error instanceof SmtpSynchronizationError) return '554 5.5.0 SMTP synchronization error (input sent before the reply to DATA)';
    if (error instanceof FrameTimeoutError) return '421 4.4.2 Timeout exceeded, closing connection';
    return '421 4.3.0 Internal error, closing connection';
  }

  /** The client was silent for `idleTimeoutMs`: 421 and close. */
  @OnIdle()
  idle(): string {
    this.conn.end();
    return '421 4.4.2 Timeout exceeded, closing connection';
  }

  /** The application is shutting down: 421. */
  @OnShutdown()
  shutdown(): string {
    return '421 4.3.2 Service shutting down, closing connection';
  }

  private greeted(name: string, esmtp: boolean): void {
    this.heloName = name;
    this.esmtp = esmtp;
    this.resetTransaction();
  }

  private authAvailable(): boolean {
    return this.authenticator !== null && (this.conn.tls !== undefined || !this.config.authRequiresTls);
  }

  private accept(mailbox: Mailbox): string {
    if (!this.recipients.includes(mailbox.address)) this.recipients.push(mailbox.address);
    this.phase = 'rcpt';
    return `250 2.1.5 Recipient <${mailbox.address}> OK`;
  }

  /** Ends the transaction (RSET, EHLO, the end of a message): phase back to 'ready' (or 'fresh'). */
  private resetTransaction(): void {
    this.phase = this.heloName === '' ? 'fresh' : 'ready';
    this.from = '';
    this.recipients = [];
    this.body = '7BIT';
    this.message.reset();
  }

  private challenge(line: SmtpLine, base64: string): string {
    line.input.saslResponseExpected = true;
    return `334 ${base64}`;
  }

  /** One client response of the SASL exchange in `this.sasl` (an initial response or an answer to 334). */
  private saslStep(line: SmtpLine, response: string): string | Promise<string> {
    const sasl = this.sasl;
    if (sasl === undefined) return '503 5.5.1 Bad sequence of commands';
    if (response === '*') {
      this.sasl = undefined;
      return '501 5.0.0 Authentication cancelled';
    }
    // "=" is an empty initial response (RFC 4954 section 4).
    const decoded = response === '=' ? '' : decodeBase64(response);
    if (decoded === undefined) {
      this.sasl = undefined;
      return '501 5.5.2 Cannot decode response';
    }
    if (sasl.mechanism === 'LOGIN' && sasl.username === undefined) {
      sasl.username = decoded;
      return this.challenge(line, 'UGFzc3dvcmQ6'); // "Password:"
    }
    this.sasl = undefined;
    let credentials: SmtpCredentials;
    if (sasl.mechanism === 'LOGIN') {
      credentials = { mechanism: 'LOGIN', username: sasl.username as string, password: decoded, authorizationId: '' };
    } else {
      const plain = parsePlain(decoded);
      if (plain === undefined) return this.authFailed();
      credentials = { mechanism: 'PLAIN', ...plain };
    }
    return settle((this.authenticator as SmtpAuthenticator).authenticate(credentials), (ok) => {
      if (!ok) return this.authFailed();
      this.user = credentials.username;
      return '235 2.7.0 Authentication successful';
    });
  }

  /** Counts a junk command; past the limit the connection ends (the caller answers 421). */
  private tooMuchJunk(): boolean {
    if (++this.junk <= MAX_JUNK_COMMANDS) return false;
    this.conn.end();
    return true;
  }

  private authFailed(): string {
    if (++this.authFailures >= MAX_AUTH_FAILURES) {
      this.conn.end();
      return '421 4.7.0 Too many failed authentication attempts, closing connection';
    }
    return '535 5.7.8 Authentication credentials invalid';
  }
}

/** `then` for a value that may or may not be a promise: sync stays sync (no Promise per command). */
function settle<T, R>(value: T | PromiseLike<T>, next: (value: T) => R): R | Promise<R> {
  return isThenable(value) ? Promise.resolve(value).then(next) : next(value as T);
}
