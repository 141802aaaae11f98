import { quoteCommand, type Router, type RouterReplies } from '../../codec/router';
import type { ImapRequest } from './types';

const tagOf = (frame: unknown): string => ((frame as ImapRequest | undefined)?.kind === 'command' ? (frame as { tag: string }).tag : '*');

/** Tagged replies for what the router answers itself. */
const REPLIES: RouterReplies = {
  unknown: (command, frame) => `${tagOf(frame)} BAD Unknown command ${quoteCommand(command)}`,
  arity: (command, _count, frame) => `${tagOf(frame)} BAD Wrong arguments for ${quoteCommand(command)}`,
  sequence: (command, frame) => `${tagOf(frame)} BAD ${quoteCommand(command)} is not allowed in this state`,
  forbidden: (command, frame) => `${tagOf(frame)} NO ${quoteCommand(command)} is not allowed`,
};

/**
 * Routes IMAP commands by name (`UID FETCH` by its first two words), case-insensitive. The
 * handler gets the whole `ImapCommand` (its tag is needed for the reply). Frames that are no
 * command (a literal announcement, DONE) have no key: they go to `@OnUnknownCommand`. The
 * state field is `state`, so `@OnCommand('FETCH', { when: 'selected' })` reads it, and a
 * command out of its state gets `tag BAD`.
 */
class ImapRouter implements Router<ImapRequest> {
  readonly name = 'imap';
  readonly caseInsensitive = true;
  readonly state = 'state';
  readonly replies = REPLIES;

  key(frame: ImapRequest): string | undefined {
    if (frame.kind !== 'command') return undefined;
    const first = frame.args[0];
    if (frame.name.length === 3 && frame.name.toUpperCase() === 'UID' && typeof first === 'string') return `UID ${first.toUpperCase()}`;
    return frame.name;
  }

  args(frame: ImapRequest): unknown[] {
    return [frame];
  }
}

/** The IMAP server's router (see `ImapRouter`). */
export function imapRouter(): Router<ImapRequest> {
  return new ImapRouter();
}
