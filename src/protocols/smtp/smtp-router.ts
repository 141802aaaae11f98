import type { Router, RouterReplies } from '../../codec/router';
import { firstWord, wordsAfterFirst } from '../../codec/words';
import { DATA_BODY_ROUTE, DATA_END_ROUTE, SASL_RESPONSE_ROUTE, SmtpLine, type SmtpFrame } from './smtp-codec';

/** What the router answers by itself, as SMTP replies (RFC 5321 section 4.2, RFC 3463 codes). */
export const SMTP_ROUTER_REPLIES: RouterReplies = {
  unknown: () => '500 5.5.2 Syntax error, command unrecognized',
  arity: () => '501 5.5.4 Syntax error in parameters or arguments',
  sequence: () => '503 5.5.1 Bad sequence of commands',
  forbidden: () => '530 5.7.0 Authentication required',
};

/** Commands whose handler gets the `SmtpLine` first (to steer the connection's input), then the words. */
const WITH_LINE = new Set(['DATA', 'AUTH']);

/**
 * Routes the SMTP codec's frames: a command line by its first word, case-insensitively, with the
 * following words as arguments (as `words()` does); a line read while a SASL exchange waits goes
 * to `AUTH RESPONSE`; body chunks to `DATA BODY` and the end of a message to `DATA END` (route
 * names with a space, which no command word can have). `DATA` and `AUTH` handlers get the line
 * itself first. The connection's state field, compared by `when`, is `phase`.
 */
export class SmtpRouter implements Router<SmtpFrame> {
  /** {@inheritDoc torsion!Router.name} */
  readonly name = 'smtp';
  /** {@inheritDoc torsion!Router.caseInsensitive} */
  readonly caseInsensitive = true;
  /** {@inheritDoc torsion!Router.state} */
  readonly state = 'phase';
  /** {@inheritDoc torsion!Router.replies} */
  readonly replies = SMTP_ROUTER_REPLIES;

  /** {@inheritDoc torsion!Router.key} */
  key(frame: SmtpFrame): string | undefined {
    if (frame instanceof SmtpLine) return frame.input.saslResponseExpected ? SASL_RESPONSE_ROUTE : firstWord(frame.text);
    return Buffer.isBuffer(frame) ? DATA_BODY_ROUTE : DATA_END_ROUTE;
  }

  /** {@inheritDoc torsion!Router.args} */
  args(frame: SmtpFrame): unknown[] {
    if (!(frame instanceof SmtpLine)) return [frame];
    if (frame.input.saslResponseExpected) return [frame];
    const args: unknown[] = wordsAfterFirst(frame.text);
    const word = firstWord(frame.text);
    if (word !== undefined && WITH_LINE.has(word.toUpperCase())) args.unshift(frame);
    return args;
  }
}
