import { inject } from 'tsyringe';
import { FrameTimeoutError } from '../../errors';
import { Catch, OnCommand, OnUnknownCommand, UseFilters } from '../../decorators/routing';
import type { ExceptionFilter, RouteContext } from '../../decorators/enhancers';
import { OnClose, OnConnect, OnDrain, OnError, OnIdle } from '../../decorators/handlers';
import { Listen } from '../../decorators/listen';
import { Protocol } from '../../decorators/protocol';
import { Connection } from '../../transport/connection';
import { MailStoreError } from '../maildir/errors';
import type { DeliveryEvent } from '../maildir/mail-store';
import { ImapSyntaxError, ImapTooLargeError } from './errors';
import { parseDateTime } from './fetch-items';
import { fetch, search, store, type MailboxContext } from './mailbox-commands';
import { MailboxView } from './mailbox-view';
import { imapRouter } from './router';
import { IMAP_CONFIG, IMAP_PROTOCOL_OPTIONS, type ImapConfig } from './options';
import type { ImapCommand, ImapReply, ImapRequest, ImapToken } from './types';

/** The states of RFC 3501 section 3, and IDLE (RFC 2177) while it lasts. */
export type ImapState = 'not-authenticated' | 'authenticated' | 'selected' | 'idle' | 'logout';

const AUTHENTICATED: ImapState[] = ['authenticated', 'selected'];
const SYSTEM_FLAGS = '\\Answered \\Flagged \\Deleted \\Seen \\Draft';
/** Longest LIST reference + pattern matched (matching costs name length x pattern length). */
const MAX_PATTERN = 1024;
const STATUS_ITEMS = new Set(['MESSAGES', 'RECENT', 'UIDNEXT', 'UIDVALIDITY', 'UNSEEN']);

/** An astring argument as text (atoms as they are, strings as UTF-8). */
function astring(token: ImapToken | undefined): string | undefined {
  if (typeof token === 'string') return token;
  if (Buffer.isBuffer(token)) return token.toString('utf8');
  return undefined;
}

/** INBOX whatever its case. */
function mailboxName(token: ImapToken | undefined, tag: string): string {
  const name = astring(token);
  if (name === undefined) throw new ImapSyntaxError(tag, 'a mailbox name is expected');
  return name.toUpperCase() === 'INBOX' ? 'INBOX' : name;
}

function isLoopback(address: string): boolean {
  return address.startsWith('127.') || address === '::1' || address.startsWith('::ffff:127.');
}

/**
 * Store errors and bad arguments found by a handler become tagged replies: `NO` for what the
 * store refused (with RFC 5530 codes), `BAD` for arguments off the grammar. The connection goes on.
 */
@Catch(MailStoreError, ImapSyntaxError)
export class ImapReplyFilter implements ExceptionFilter {
  /** The tagged reply for `error`. */
  catch(error: unknown, context: RouteContext): ImapReply {
    const tag = (context.frame as ImapCommand).tag;
    if (error instanceof ImapSyntaxError) return `${tag} BAD ${error.message}`;
    const store = error as MailStoreError;
    const code = store.code === 'TORSION_ERR_NO_MAILBOX' ? (context.route === 'APPEND' ? '[TRYCREATE] ' : '[NONEXISTENT] ') : store.code === 'TORSION_ERR_MAILBOX_NAME' ? '[CANNOT] ' : '[SERVERBUG] ';
    return `${tag} NO ${code}${store.code === 'TORSION_ERR_MAILSTORE' ? 'the mail store failed' : store.message}`;
  }
}

/**
 * One IMAP4rev1 connection (RFC 3501): the commands of each state, routed by `imapRouter`
 * with `when` conditions on `state` (a command out of its state gets `tag BAD`). Replies keep
 * command order (torsion holds the next command while an async one runs). New mail delivered
 * to the selected mailbox, in this process, reaches an IDLE session at once (`* n EXISTS`) and
 * any other at its next command.
 */
@Listen(143)
@UseFilters(ImapReplyFilter)
// The router is given in place: routes are compiled before the options token is resolved.
@Protocol({ options: IMAP_PROTOCOL_OPTIONS, router: imapRouter() })
export class ImapSession {
  /** The RFC 3501 state (the router's `state` field). */
  state: ImapState = 'not-authenticated';
  /** The logged-in user. */
  user: string | undefined;
  private view: MailboxView | undefined;
  private idleTag: string | undefined;
  /** The state DONE returns to. */
  private idleFrom: ImapState = 'authenticated';
  private failures = 0;
  /** Untagged pushes while idling, one after another. */
  private updates: Promise<void> = Promise.resolve();
  private waitingForDrain: (() => void) | undefined;
  private readonly delivered = (event: DeliveryEvent): void => this.onDelivered(event);

  constructor(
    private readonly conn: Connection,
    @inject(IMAP_CONFIG) private readonly config: ImapConfig,
  ) {}

  /** The greeting, with the capabilities (RFC 3501 section 7.1.1). */
  @OnConnect() greet(): string {
    return `* OK [CAPABILITY ${this.capabilities()}] ${this.config.serverName} IMAP4rev1 ready`;
  }

  /** CAPABILITY: what this connection may use now (STARTTLS and LOGINDISABLED depend on it). */
  @OnCommand('CAPABILITY') capability(c: ImapCommand): ImapReply {
    return [`* CAPABILITY ${this.capabilities()}`, `${c.tag} OK CAPABILITY completed`];
  }

  /** NOOP: reports what changed in the selected mailbox. */
  @OnCommand('NOOP', { when: AUTHENTICATED.concat('not-authenticated') }) async noop(c: ImapCommand): Promise<ImapReply> {
    return [...(await this.sync(true)), `${c.tag} OK NOOP completed`];
  }

  /** CHECK: a NOOP for the selected mailbox (Maildir has nothing to flush). */
  @OnCommand('CHECK', { when: 'selected' }) async check(c: ImapCommand): Promise<ImapReply> {
    return [...(await this.sync(true)), `${c.tag} OK CHECK completed`];
  }

  /** LOGOUT: BYE, the tagged OK, then the connection ends. */
  @OnCommand('LOGOUT', { when: AUTHENTICATED.concat('not-authenticated') }) logout(c: ImapCommand): ImapReply {
    this.unselect();
    this.state = 'logout';
    this.conn.end();
    return ['* BYE IMAP4rev1 server logging out', `${c.tag} OK LOGOUT completed`];
  }

  /** STARTTLS (RFC 3501 section 6.2.1): OK, then the TLS handshake on the same connection. */
  @OnCommand('STARTTLS', { when: 'not-authenticated' }) starttls(c: ImapCommand): ImapReply | undefined {
    const tls = this.config.tls;
    if (tls === undefined) return `${c.tag} BAD STARTTLS is not offered`;
    if (this.conn.tls !== undefined) return `${c.tag} BAD TLS is already active`;
    this.conn.send(`${c.tag} OK Begin TLS negotiation now`);
    // What the client pipelined after STARTTLS is dropped by startTls (no plaintext injection).
    this.conn.startTls({ key: tls.key, cert: tls.cert }).catch(() => this.conn.destroy());
    return undefined;
  }

  /** LOGIN: checked by `authenticate`; refused before STARTTLS unless `plaintextLogin` allows it. */
  @OnCommand('LOGIN', { when: 'not-authenticated' }) async login(c: ImapCommand): Promise<ImapReply> {
    const user = astring(c.args[0]);
    const password = astring(c.args[1]);
    if (c.args.length !== 2 || user === undefined || password === undefined) return `${c.tag} BAD LOGIN takes a user name and a password`;
    if (!this.loginAllowed()) return `${c.tag} NO [PRIVACYREQUIRED] LOGIN is disabled until STARTTLS`;
    const info = { remoteAddress: this.conn.remoteAddress, tls: this.conn.tls !== undefined };
    if (!(await this.config.authenticate(user, password, info))) {
      if (++this.failures >= this.config.maxLoginFailures) {
        this.conn.end();
        return ['* BYE Too many failed logins', `${c.tag} NO [AUTHENTICATIONFAILED] Authentication failed`];
      }
      return `${c.tag} NO [AUTHENTICATIONFAILED] Authentication failed`;
    }
    this.user = user;
    this.state = 'authenticated';
    return `${c.tag} OK [CAPABILITY ${this.capabilities()}] LOGIN completed`;
  }

  /** SELECT: opens a mailbox read-write and claims its recent messages. */
  @OnCommand('SELECT', { when: AUTHENTICATED }) select(c: ImapCommand): Promise<ImapReply> {
    return this.open(c, false);
  }

  /** EXAMINE: opens a mailbox read-only. */
  @OnCommand('EXAMINE', { when: AUTHENTICATED }) examine(c: ImapCommand): Promise<ImapReply> {
    return this.open(c, true);
  }

  /** LIST and LSUB (every mailbox counts as subscribed): the mailboxes matching reference + pattern. */
  @OnCommand(['LIST', 'LSUB'], { when: AUTHENTICATED }) async list(c: ImapCommand): Promise<ImapReply> {
    const reference = astring(c.args[0]);
    const pattern = astring(c.args[1]);
    const kind = c.name.toUpperCase();
    if (c.args.length !== 2 || reference === undefined || pattern === undefined) return `${c.tag} BAD ${kind} takes a reference and a mailbox pattern`;
    const delimiter = Buffer.from(this.config.store.delimiter);
    if (pattern === '') return [{ values: ['*', kind, ['\\Noselect'], delimiter, Buffer.alloc(0)] }, `${c.tag} OK ${kind} completed`];
    if (reference.length + pattern.length > MAX_PATTERN) return `${c.tag} BAD the mailbox pattern is longer than ${MAX_PATTERN} characters`;
    const names = (await this.config.store.mailboxes(this.user as string)).filter((name) => matchesPattern(name, reference + pattern, this.config.store.delimiter));
    return [...names.map((name) => ({ values: ['*', kind, [], delimiter, Buffer.from(name)] })), `${c.tag} OK ${kind} completed`];
  }

  /** STATUS: counts of a mailbox without selecting it. */
  @OnCommand('STATUS', { when: AUTHENTICATED }) async status(c: ImapCommand): Promise<ImapReply> {
    const mailbox = mailboxName(c.args[0], c.tag);
    const items = c.args[1];
    if (c.args.length !== 2 || !Array.isArray(items) || items.length === 0) return `${c.tag} BAD STATUS takes a mailbox and a list of items`;
    const names = (items as readonly ImapToken[]).map((item) => (typeof item === 'string' ? item.toUpperCase() : ''));
    const unknown = names.find((name) => !STATUS_ITEMS.has(name));
    if (unknown !== undefined) return `${c.tag} BAD unknown STATUS item`;
    const s = await this.config.store.status(this.user as string, mailbox);
    const counts: Record<string, number> = { MESSAGES: s.messages, RECENT: s.recent, UIDNEXT: s.uidNext, UIDVALIDITY: s.uidValidity, UNSEEN: s.unseen };
    return [{ values: ['*', 'STATUS', Buffer.from(mailbox), names.flatMap((name) => [name, counts[name]])] }, `${c.tag} OK STATUS completed`];
  }

  /** APPEND: stores the literal, with optional flags and date-time, through the store (so IDLE sessions hear of it). */
  @OnCommand('APPEND', { when: AUTHENTICATED }) async append(c: ImapCommand): Promise<ImapReply> {
    const mailbox = mailboxName(c.args[0], c.tag);
    const message = c.args[c.args.length - 1];
    const middle = c.args.slice(1, -1);
    let flags: string[] = [];
    let internalDate: Date | undefined;
    if (Array.isArray(middle[0])) flags = (middle.shift() as readonly ImapToken[]).filter((f): f is string => typeof f === 'string');
    if (middle.length === 1 && Buffer.isBuffer(middle[0])) {
      internalDate = parseDateTime(middle[0].toString('latin1'));
      if (internalDate === undefined) return `${c.tag} BAD APPEND's date-time is "17-Jul-1996 02:44:25 -0700"`;
    } else if (middle.length > 0) {
      return `${c.tag} BAD APPEND takes a mailbox, optional flags and date-time, and the message`;
    }
    if (c.args.length < 2 || !Buffer.isBuffer(message)) return `${c.tag} BAD APPEND takes the message as a literal`;
    await this.config.store.deliver(this.user as string, message, { mailbox, flags, internalDate });
    return [...(await this.sync(false)), `${c.tag} OK APPEND completed`];
  }

  /** CLOSE: expunges silently (read-write) and leaves the selected state. */
  @OnCommand('CLOSE', { when: 'selected' }) async close(c: ImapCommand): Promise<ImapReply> {
    const view = this.view as MailboxView;
    // CLOSE expunges silently (RFC 3501 section 6.4.2).
    if (!view.readOnly) await this.config.store.expunge(this.user as string, view.mailbox);
    this.unselect();
    return `${c.tag} OK CLOSE completed`;
  }

  /** EXPUNGE: removes the `\Deleted` messages and reports each removal. */
  @OnCommand('EXPUNGE', { when: 'selected' }) async expunge(c: ImapCommand): Promise<ImapReply> {
    const view = this.view as MailboxView;
    if (view.readOnly) return `${c.tag} NO [READ-ONLY] the mailbox is read-only`;
    await this.config.store.expunge(this.user as string, view.mailbox, view.uids);
    return [...(await this.sync(true)), `${c.tag} OK EXPUNGE completed`];
  }

  /** FETCH by sequence numbers. */
  @OnCommand('FETCH', { when: 'selected' }) async fetch(c: ImapCommand): Promise<ImapReply> {
    await fetch(this.mailbox(), c.args, false, c.tag);
    return [...(await this.sync(false)), `${c.tag} OK FETCH completed`];
  }

  /** UID FETCH: FETCH by UIDs, UID always included. */
  @OnCommand('UID FETCH', { when: 'selected' }) async uidFetch(c: ImapCommand): Promise<ImapReply> {
    await fetch(this.mailbox(), c.args.slice(1), true, c.tag);
    return [...(await this.sync(false)), `${c.tag} OK UID FETCH completed`];
  }

  /** STORE: changes flags by sequence numbers. */
  @OnCommand('STORE', { when: 'selected' }) async store(c: ImapCommand): Promise<ImapReply> {
    if ((this.view as MailboxView).readOnly) return `${c.tag} NO [READ-ONLY] the mailbox is read-only`;
    await store(this.mailbox(), c.args, false, c.tag);
    return [...(await this.sync(false)), `${c.tag} OK STORE completed`];
  }

  /** UID STORE: STORE by UIDs. */
  @OnCommand('UID STORE', { when: 'selected' }) async uidStore(c: ImapCommand): Promise<ImapReply> {
    if ((this.view as MailboxView).readOnly) return `${c.tag} NO [READ-ONLY] the mailbox is read-only`;
    await store(this.mailbox(), c.args.slice(1), true, c.tag);
    return [...(await this.sync(false)), `${c.tag} OK UID STORE completed`];
  }

  /** SEARCH: matching sequence numbers. */
  @OnCommand('SEARCH', { when: 'selected' }) async search(c: ImapCommand): Promise<ImapReply> {
    const found = await search(this.mailbox(), c.args, false, c.tag);
    return [found, ...(await this.sync(false)), `${c.tag} OK SEARCH completed`];
  }

  /** UID SEARCH: matching UIDs. */
  @OnCommand('UID SEARCH', { when: 'selected' }) async uidSearch(c: ImapCommand): Promise<ImapReply> {
    const found = await search(this.mailbox(), c.args.slice(1), true, c.tag);
    return [found, ...(await this.sync(false)), `${c.tag} OK UID SEARCH completed`];
  }

  /** RFC 2177: `+ idling`, then new mail as it comes, until DONE. */
  @OnCommand('IDLE', { when: AUTHENTICATED }) async idle(c: ImapCommand): Promise<ImapReply> {
    const pending = await this.sync(true);
    this.idleTag = c.tag;
    this.idleFrom = this.view === undefined ? 'authenticated' : 'selected';
    this.state = 'idle';
    return [...pending, '+ idling'];
  }

  /** Frames that are no command (a literal announcement, DONE) and commands nobody routes. */
  @OnUnknownCommand() other(command: string | undefined, frame: ImapRequest): ImapReply | Promise<ImapReply> | undefined {
    if (frame.kind === 'literal') return '+ Ready for literal data';
    if (frame.kind === 'done') {
      if (this.state !== 'idle') return '* BAD DONE without IDLE';
      return this.updates.then(() => {
        this.state = this.idleFrom;
        return `${this.idleTag as string} OK IDLE terminated`;
      });
    }
    if (this.state === 'idle') return `${frame.tag} BAD only DONE ends IDLE`;
    return `${frame.tag} BAD Unknown command ${(command ?? '').slice(0, 32).replace(/[^\x21-\x7e]/g, '?')}`;
  }

  /** A frame the codec refused: too large or off the grammar; the stream goes on. Anything else closes the connection. */
  @OnError() failed(error: Error): ImapReply {
    if (error instanceof ImapTooLargeError) {
      const tag = error.tag ?? '*';
      return error.message.startsWith('literal') ? `${tag} NO [TOOBIG] ${error.message}` : `${tag} BAD ${error.message}`;
    }
    if (error instanceof ImapSyntaxError) return `${error.tag ?? '*'} BAD ${error.message}`;
    if (error instanceof FrameTimeoutError) return '* BYE command not finished in time';
    return '* BYE internal server error';
  }

  /** RFC 3501 section 5.4: the autologout timer. */
  @OnIdle() autologout(): string {
    this.conn.end();
    return '* BYE Autologout; idle for too long';
  }

  /** The output drained: a FETCH waiting to write goes on. */
  @OnDrain() drained(): void {
    const resume = this.waitingForDrain;
    this.waitingForDrain = undefined;
    resume?.();
  }

  /** Stops listening to the store, and releases a FETCH waiting to write. */
  @OnClose() closed(): void {
    this.unselect();
    this.drained();
  }

  private capabilities(): string {
    const caps = ['IMAP4rev1', 'LITERAL+', 'IDLE'];
    if (this.state === 'not-authenticated') {
      if (this.config.tls !== undefined && this.conn.tls === undefined) caps.push('STARTTLS');
      if (!this.loginAllowed()) caps.push('LOGINDISABLED');
    }
    return caps.join(' ');
  }

  private loginAllowed(): boolean {
    if (this.conn.tls !== undefined) return true;
    const policy = this.config.plaintextLogin;
    return policy === 'always' || (policy === 'loopback' && isLoopback(this.conn.remoteAddress));
  }

  private async open(c: ImapCommand, readOnly: boolean): Promise<ImapReply> {
    const mailbox = mailboxName(c.args[0], c.tag);
    if (c.args.length !== 1) return `${c.tag} BAD ${c.name.toUpperCase()} takes a mailbox name`;
    // A failed SELECT leaves no mailbox selected (RFC 3501 section 6.3.1).
    this.unselect();
    const snapshot = await this.config.store.messages(this.user as string, mailbox, { claimRecent: !readOnly });
    const view = new MailboxView(mailbox, readOnly);
    view.load(snapshot);
    this.view = view;
    this.state = 'selected';
    this.config.store.events.on('delivered', this.delivered);
    const unseen = view.uids.findIndex((uid) => !(view.messages.get(uid)?.flags ?? []).includes('\\Seen'));
    return [
      `* FLAGS (${SYSTEM_FLAGS})`,
      `* OK [PERMANENTFLAGS (${readOnly ? '' : SYSTEM_FLAGS})] Flags permitted`,
      `* ${view.uids.length} EXISTS`,
      `* ${view.recent.size} RECENT`,
      ...(unseen === -1 ? [] : [`* OK [UNSEEN ${unseen + 1}] First unseen`]),
      `* OK [UIDVALIDITY ${view.uidValidity}] UIDs valid`,
      `* OK [UIDNEXT ${view.uidNext}] Predicted next UID`,
      `${c.tag} OK [${readOnly ? 'READ-ONLY' : 'READ-WRITE'}] ${c.name.toUpperCase()} completed`,
    ];
  }

  private unselect(): void {
    if (this.view === undefined) return;
    this.config.store.events.off('delivered', this.delivered);
    this.view = undefined;
    if (this.state === 'selected') this.state = 'authenticated';
  }

  private mailbox(): MailboxContext {
    return { store: this.config.store, user: this.user as string, view: this.view as MailboxView, send: (reply) => this.send(reply) };
  }

  /** Writes now; while the output is over its high-water mark, waits for it to drain. */
  private send(reply: ImapReply): Promise<void> {
    if (this.conn.send(reply) || this.conn.state !== 'open') return Promise.resolve();
    return new Promise((resolve) => (this.waitingForDrain = resolve));
  }

  /**
   * What changed in the selected mailbox, as untagged responses: everything (`full`: NOOP,
   * CHECK, IDLE, EXPUNGE) or, after other commands, only new mail, and only when some was
   * delivered in this process (no rescan per command).
   */
  private async sync(full: boolean): Promise<string[]> {
    const view = this.view;
    if (view === undefined || (!full && !view.dirty)) return [];
    const snapshot = await this.config.store.messages(this.user as string, view.mailbox, { claimRecent: !view.readOnly });
    return this.view === view ? view.apply(snapshot, full) : [];
  }

  private onDelivered(event: DeliveryEvent): void {
    const view = this.view;
    if (view === undefined || event.user !== this.user || event.mailbox !== view.mailbox) return;
    view.dirty = true;
    if (this.state !== 'idle') return;
    this.updates = this.updates
      .then(async () => {
        if (this.state !== 'idle') return;
        for (const line of await this.sync(true)) this.conn.send(line);
      })
      .catch((error: unknown) => this.conn.destroy(error instanceof Error ? error : undefined));
  }
}

/**
 * True when `name` matches a LIST pattern: `*` matches anything, `%` anything but the
 * delimiter; INBOX in any case. Dynamic programming over (name, pattern) positions rather than
 * a RegExp, whose backtracking a pattern like `*a*a*a*b` would make exponential.
 */
export function matchesPattern(name: string, pattern: string, delimiter: string): boolean {
  const subject = /^inbox$/i.test(name) && /^inbox/i.test(pattern) ? `INBOX${name.slice(5)}` : name;
  const wanted = /^inbox/i.test(pattern) ? `INBOX${pattern.slice(5)}` : pattern;
  // reachable[j]: the first i characters of the name match the first j of the pattern.
  let reachable = new Array<boolean>(wanted.length + 1).fill(false);
  reachable[0] = true;
  for (let j = 1; j <= wanted.length && (wanted[j - 1] === '*' || wanted[j - 1] === '%'); j++) reachable[j] = true;
  for (let i = 1; i <= subject.length; i++) {
    const next = new Array<boolean>(wanted.length + 1).fill(false);
    const ch = subject[i - 1];
    for (let j = 1; j <= wanted.length; j++) {
      const p = wanted[j - 1];
      if (p === '*') next[j] = next[j - 1] || reachable[j];
      else if (p === '%') next[j] = next[j - 1] || (ch !== delimiter && reachable[j]);
      else next[j] = reachable[j - 1] && p === ch;
    }
    reachable = next;
  }
  return reachable[wanted.length];
}
