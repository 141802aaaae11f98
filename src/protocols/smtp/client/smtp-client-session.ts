import { lines } from '../../../codec/lines';
import { OnClose, OnData } from '../../../decorators/handlers';
import { Protocol } from '../../../decorators/protocol';
import type { DelayedCall } from '../../../reactor/delayed-call';
import { Reactor } from '../../../reactor/reactor';
import { Connection, type CloseReason } from '../../../transport/connection';
import { SmtpClientError } from './errors';
import { smtpReply, type SmtpReply } from './reply';

const REPLY_LINE = /^([2-5][0-9][0-9])(?:([ -])(.*))?$/;
/** Lines of one multi-line reply at most (an EHLO reply has about a dozen). */
const MAX_REPLY_LINES = 128;
/** Replies received and not yet awaited at most (a pipelined batch's worth). */
const MAX_UNREAD_REPLIES = 1024;

interface Waiter {
  resolve(reply: SmtpReply): void;
  reject(error: Error): void;
  timer: DelayedCall;
}

/**
 * The client side of one SMTP connection: reads the server's replies (multi-line ones
 * assembled) and hands them, in order, to whoever awaits `reply()`. The conversation itself is
 * `SmtpSender`'s; this class only frames it. Replies that arrive before they are awaited (a
 * pipelined batch) wait in a bounded queue.
 */
@Protocol({ codec: lines({ maxLength: 4096 }) })
export class SmtpClientSession {
  private readonly unread: SmtpReply[] = [];
  private readonly waiters: Waiter[] = [];
  private partial: { code: number; lines: string[] } | undefined;
  private failure: Error | undefined;

  constructor(
    /** The connection to the server (for writes and `startTls`). */
    readonly conn: Connection,
    private readonly reactor: Reactor,
  ) {}

  /** One line of a reply. */
  @OnData()
  line(line: string): void {
    const match = REPLY_LINE.exec(line);
    const code = match === null ? NaN : Number(match[1]);
    if (match === null || (this.partial !== undefined && this.partial.code !== code)) {
      this.fail(new SmtpClientError('TORSION_ERR_SMTP_PROTOCOL', `malformed reply line from the server: ${JSON.stringify(line.slice(0, 80))}`));
      this.conn.destroy();
      return;
    }
    const partial = (this.partial ??= { code, lines: [] });
    partial.lines.push(match[3] ?? '');
    if (match[2] === '-') {
      if (partial.lines.length >= MAX_REPLY_LINES) {
        this.fail(new SmtpClientError('TORSION_ERR_SMTP_PROTOCOL', `a reply of more than ${MAX_REPLY_LINES} lines`));
        this.conn.destroy();
      }
      return;
    }
    this.partial = undefined;
    const reply = smtpReply(code, partial.lines);
    const waiter = this.waiters.shift();
    if (waiter !== undefined) {
      waiter.timer.cancel();
      waiter.resolve(reply);
      return;
    }
    if (this.unread.length >= MAX_UNREAD_REPLIES) {
      this.fail(new SmtpClientError('TORSION_ERR_SMTP_PROTOCOL', `more than ${MAX_UNREAD_REPLIES} replies nobody asked for`));
      this.conn.destroy();
      return;
    }
    this.unread.push(reply);
  }

  /** The connection closed: whoever waits for a reply gets `TORSION_ERR_SMTP_CLOSED`. */
  @OnClose()
  closed(reason: CloseReason): void {
    this.fail(new SmtpClientError('TORSION_ERR_SMTP_CLOSED', `the connection closed (${reason.kind}) before the server replied`, { cause: reason.error }));
  }

  /** The next reply, in order; rejects after `timeoutMs` without one, or when the connection closes. */
  reply(timeoutMs: number): Promise<SmtpReply> {
    const ready = this.unread.shift();
    if (ready !== undefined) return Promise.resolve(ready);
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        timer: this.reactor.callLater(timeoutMs, () => {
          this.fail(new SmtpClientError('TORSION_ERR_SMTP_TIMEOUT', `no reply from the server within ${timeoutMs} ms`));
          this.conn.destroy();
        }),
      };
      this.waiters.push(waiter);
    });
  }

  /** Writes command lines (each gets CRLF) in one write. */
  send(...commands: string[]): void {
    this.conn.write(`${commands.join('\r\n')}\r\n`);
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const waiter of this.waiters.splice(0)) {
      waiter.timer.cancel();
      waiter.reject(this.failure);
    }
  }
}
