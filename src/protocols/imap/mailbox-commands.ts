import type { MailStore, StoredMessage } from '../maildir/mail-store';
import { ImapSyntaxError } from './errors';
import { imapDateTime, needsContent, parseFetchItems, sectionValue, structureValue, type FetchItem } from './fetch-items';
import type { MailboxView } from './mailbox-view';
import { parseMessage, type MimePart } from './message/mime';
import { compileSearch } from './search';
import { inSet, parseSequenceSet } from './sequence-set';
import type { ImapReply, ImapToken, ImapValue } from './types';

/** What the selected-state commands work on: the store, the user, the view, and a way to write. */
export interface MailboxContext {
  readonly store: MailStore;
  readonly user: string;
  readonly view: MailboxView;
  /** Writes one untagged response now, waiting while the connection's output is full. */
  send(reply: ImapReply): Promise<void>;
}

/** The [sequence number, UID] pairs a set names, in sequence order. */
export function targets(view: MailboxView, token: ImapToken | undefined, byUid: boolean, tag: string): Array<[number, number]> {
  const set = parseSequenceSet(token, tag);
  const out: Array<[number, number]> = [];
  const maxUid = view.uids.length === 0 ? 0 : view.uids[view.uids.length - 1];
  view.uids.forEach((uid, i) => {
    if (byUid ? inSet(set, uid, maxUid) : inSet(set, i + 1, view.uids.length)) out.push([i + 1, uid]);
  });
  return out;
}

/**
 * FETCH and UID FETCH: one untagged FETCH response per message, written as it is made (a
 * large FETCH holds one message at a time, and waits while the connection's output is full).
 * Body sections other than PEEK set `\Seen` in a read-write mailbox, and the new FLAGS are
 * then sent with the response.
 */
export async function fetch(ctx: MailboxContext, args: readonly ImapToken[], byUid: boolean, tag: string): Promise<void> {
  if (args.length !== 2) throw new ImapSyntaxError(tag, 'FETCH takes a sequence set and data items');
  const items = parseFetchItems(args[1], tag);
  if (byUid && !items.some((i) => i.kind === 'simple' && i.name === 'UID')) items.unshift({ kind: 'simple', name: 'UID' });
  const content = items.some(needsContent);
  const marksSeen = !ctx.view.readOnly && items.some((i) => i.kind === 'section' && i.marksSeen);
  for (const [seq, uid] of targets(ctx.view, args[0], byUid, tag)) {
    let stored = ctx.view.messages.get(uid) as StoredMessage;
    let raw: Buffer | undefined;
    let root: MimePart | undefined;
    if (content) {
      raw = await ctx.store.read(ctx.user, ctx.view.mailbox, uid);
      if (raw === undefined) continue; // expunged elsewhere; reported at the next NOOP
      root = parseMessage(raw);
    }
    let flagsChanged = false;
    if (marksSeen && !stored.flags.includes('\\Seen')) {
      const updated = await ctx.store.setFlags(ctx.user, ctx.view.mailbox, uid, [...stored.flags, '\\Seen']);
      if (updated !== undefined) {
        stored = updated;
        ctx.view.messages.set(uid, updated);
        flagsChanged = true;
      }
    }
    const values: ImapValue[] = [];
    for (const item of items) values.push(...itemValue(item, ctx.view, stored, raw, root));
    if (flagsChanged && !items.some((i) => i.kind === 'simple' && i.name === 'FLAGS')) values.push('FLAGS', ctx.view.flagsOf(uid));
    await ctx.send({ values: ['*', seq, 'FETCH', values] });
  }
}

function itemValue(item: FetchItem, view: MailboxView, stored: StoredMessage, raw: Buffer | undefined, root: MimePart | undefined): ImapValue[] {
  if (item.kind === 'section') return [item.label, sectionValue(item, raw as Buffer, root as MimePart)];
  switch (item.name) {
    case 'FLAGS':
      return ['FLAGS', view.flagsOf(stored.uid)];
    case 'UID':
      return ['UID', stored.uid];
    case 'RFC822.SIZE':
      return ['RFC822.SIZE', stored.size];
    case 'INTERNALDATE':
      return ['INTERNALDATE', Buffer.from(imapDateTime(stored.internalDate))];
    default:
      return [item.name, structureValue(item.name, root as MimePart)];
  }
}

/** The flags a STORE names: system flags only (`\Recent` and keywords cannot be stored). */
function storableFlags(token: ImapToken | undefined, tag: string): string[] {
  const list = Array.isArray(token) ? (token as readonly ImapToken[]) : [token];
  const flags: string[] = [];
  for (const flag of list) {
    if (typeof flag !== 'string') throw new ImapSyntaxError(tag, 'flags are atoms, e.g. (\\Seen \\Deleted)');
    const known = ['\\Seen', '\\Answered', '\\Flagged', '\\Deleted', '\\Draft'].find((f) => f.toLowerCase() === flag.toLowerCase());
    if (known !== undefined) flags.push(known);
  }
  return flags;
}

/** STORE and UID STORE: `FLAGS`, `+FLAGS`, `-FLAGS`, each `.SILENT` or not. */
export async function store(ctx: MailboxContext, args: readonly ImapToken[], byUid: boolean, tag: string): Promise<void> {
  if (args.length !== 3 || typeof args[1] !== 'string') throw new ImapSyntaxError(tag, 'STORE takes a sequence set, an item (+FLAGS, -FLAGS, FLAGS) and flags');
  const match = /^([+-]?)FLAGS(\.SILENT)?$/i.exec(args[1]);
  if (match === null) throw new ImapSyntaxError(tag, `unknown STORE item ${JSON.stringify(args[1].slice(0, 32))}`);
  const flags = storableFlags(args[2], tag);
  const silent = match[2] !== undefined;
  for (const [seq, uid] of targets(ctx.view, args[0], byUid, tag)) {
    const current = (ctx.view.messages.get(uid) as StoredMessage).flags;
    const next = match[1] === '+' ? [...new Set([...current, ...flags])] : match[1] === '-' ? current.filter((f) => !flags.includes(f)) : flags;
    const updated = await ctx.store.setFlags(ctx.user, ctx.view.mailbox, uid, next);
    if (updated === undefined) continue;
    ctx.view.messages.set(uid, updated);
    if (!silent) await ctx.send({ values: ['*', seq, 'FETCH', [...(byUid ? ['UID', uid] : []), 'FLAGS', ctx.view.flagsOf(uid)]] });
  }
}

/** SEARCH and UID SEARCH: the matching sequence numbers (or UIDs), in one `* SEARCH` response. */
export async function search(ctx: MailboxContext, args: readonly ImapToken[], byUid: boolean, tag: string): Promise<ImapReply> {
  const query = compileSearch(args, tag);
  const { view } = ctx;
  const found: number[] = [];
  const maxUid = view.uids.length === 0 ? 0 : view.uids[view.uids.length - 1];
  for (let i = 0; i < view.uids.length; i++) {
    const uid = view.uids[i];
    let content: MimePart | undefined;
    if (query.needsContent) {
      const raw = await ctx.store.read(ctx.user, view.mailbox, uid);
      if (raw === undefined) continue;
      content = parseMessage(raw);
    }
    const subject = { seq: i + 1, message: view.messages.get(uid) as StoredMessage, recent: view.recent.has(uid), maxSeq: view.uids.length, maxUid, content };
    if (query.matches(subject)) found.push(byUid ? uid : i + 1);
  }
  return found.length === 0 ? '* SEARCH' : `* SEARCH ${found.join(' ')}`;
}
