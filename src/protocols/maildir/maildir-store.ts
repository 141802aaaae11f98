import { EventEmitter } from 'node:events';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { OptionError } from '../../errors';
import { crlfSize, toCrlf } from './crlf';
import { MailStoreError } from './errors';
import type { DeliverOptions, DeliveryEvent, DeliveryResult, MailStore, MailboxSnapshot, MailboxStatus, StoredMessage } from './mail-store';
import { baseOf, flagsOf, nameWithFlags, sizeOf, uniqueName } from './maildir-names';
import { KeyedMutex } from './mutex';
import { freshState, readState, writeState, type UidState } from './uid-state';

/** Options of `MaildirStore`. */
export interface MaildirStoreOptions {
  /** The directory holding one Maildir per user (`<root>/<user>/{tmp,new,cur}`); created if missing. */
  root: string;
}

/** Where one message's file is, by its unique base. */
interface Located {
  readonly sub: 'new' | 'cur';
  readonly name: string;
}

/** A Maildir read under its lock: its UID state and its files. */
interface Scan {
  readonly state: UidState;
  readonly files: Map<string, Located>;
}

const INBOX = 'INBOX';
const MAX_NAME = 255;
const SUBDIRS = ['tmp', 'new', 'cur'] as const;
/** Maildirs whose file index is kept. */
const MAX_INDEXED = 256;

/**
 * The default `MailStore`: one Maildir per user under `root`, INBOX being the user's directory
 * itself and other mailboxes Maildir++ folders (`<root>/<user>/.Sent`).
 *
 * Delivery writes the message into tmp/ under a unique name, syncs it, then renames it into
 * new/: a reader sees a whole message or none. Flags live in the `:2,` suffix of names in cur/
 * (`S` seen, `R` answered, `F` flagged, `T` deleted, `D` draft). UIDs and UIDVALIDITY live in a
 * small state file beside them, replaced atomically; a message that another program dropped
 * into new/ or cur/ gets the next UID when the mailbox is next read.
 *
 * Concurrency: every operation on one Maildir runs under an in-process lock, so deliveries,
 * appends and IMAP sessions of this process never race on the state file. Other programs may
 * deliver into new/ safely (the rename is atomic), but two processes must not both serve one
 * root: the state file is not locked across processes.
 */
export class MaildirStore implements MailStore {
  /** {@inheritDoc MailStore.events} */
  readonly events = new EventEmitter();
  /** {@inheritDoc MailStore.delimiter} */
  readonly delimiter = '.';
  private readonly root: string;
  private readonly lock = new KeyedMutex();
  /**
   * Where each UID's file was last seen, per Maildir (the most recently used `MAX_INDEXED`
   * ones), so that reading or flagging one message does not list the whole directory. A file
   * renamed or removed by another program is found again by a fresh scan (ENOENT).
   */
  private readonly index = new Map<string, Map<number, Located>>();

  constructor(options: MaildirStoreOptions) {
    if (typeof options?.root !== 'string' || options.root === '') throw new OptionError('MaildirStore: root must be a directory path, e.g. new MaildirStore({ root: "/var/mail/torsion" })');
    this.root = path.resolve(options.root);
    // Listeners are IMAP sessions (one per selected connection): more than the default 10 is normal.
    this.events.setMaxListeners(0);
  }

  /** {@inheritDoc MailStore.deliver} */
  async deliver(user: string, message: Buffer, options: DeliverOptions = {}): Promise<DeliveryResult> {
    const mailbox = options.mailbox ?? INBOX;
    const dir = await this.existing(user, mailbox, true);
    const name = uniqueName(crlfSize(message));
    const temporary = path.join(dir, 'tmp', name);
    const handle = await fs.open(temporary, 'wx', 0o600);
    try {
      await handle.writeFile(message);
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (options.internalDate !== undefined) await fs.utimes(temporary, options.internalDate, options.internalDate);
    const flags = options.flags ?? [];
    const result = await this.lock.run(dir, async () => {
      const at: Located = flags.length === 0 ? { sub: 'new', name } : { sub: 'cur', name: nameWithFlags(name, flags) };
      await fs.rename(temporary, path.join(dir, at.sub, at.name));
      const state = (await readState(dir)) ?? freshState();
      const uid = state.uidNext++;
      state.uids.set(name, uid);
      await writeState(dir, state);
      this.index.get(dir)?.set(uid, at);
      return { mailbox: canonical(mailbox), uid, uidValidity: state.uidValidity };
    });
    const event: DeliveryEvent = { user, ...result };
    this.events.emit('delivered', event);
    return result;
  }

  /** {@inheritDoc MailStore.mailboxes} */
  async mailboxes(user: string): Promise<string[]> {
    const dir = await this.existing(user, INBOX, true);
    const entries = await fs.readdir(dir, { withFileTypes: true });
    const names = entries.filter((e) => e.isDirectory() && e.name.startsWith('.') && e.name !== '.' && e.name !== '..').map((e) => e.name.slice(1));
    return [INBOX, ...names.sort()];
  }

  /** {@inheritDoc MailStore.createMailbox} */
  async createMailbox(user: string, mailbox: string): Promise<void> {
    await this.makeMaildir(this.dirOf(user, mailbox));
  }

  /** {@inheritDoc MailStore.messages} */
  async messages(user: string, mailbox: string, options: { claimRecent?: boolean } = {}): Promise<MailboxSnapshot> {
    const dir = await this.existing(user, mailbox, true);
    return this.lock.run(dir, async () => {
      const { state, files } = await this.scan(dir);
      const messages: StoredMessage[] = [];
      for (const [base, uid] of [...state.uids].sort((a, b) => a[1] - b[1])) {
        let at = files.get(base) as Located;
        const recent = at.sub === 'new';
        if (recent && options.claimRecent === true) {
          const name = nameWithFlags(base, []);
          await fs.rename(path.join(dir, 'new', at.name), path.join(dir, 'cur', name));
          at = { sub: 'cur', name };
          this.index.get(dir)?.set(uid, at);
        }
        const file = path.join(dir, at.sub, at.name);
        const stat = await fs.stat(file);
        const size = sizeOf(at.name) ?? crlfSize(await fs.readFile(file));
        messages.push({ uid, flags: flagsOf(at.name), recent, internalDate: stat.mtime, size });
      }
      return { uidValidity: state.uidValidity, uidNext: state.uidNext, messages };
    });
  }

  /** {@inheritDoc MailStore.status} */
  async status(user: string, mailbox: string): Promise<MailboxStatus> {
    const snapshot = await this.messages(user, mailbox);
    let recent = 0;
    let unseen = 0;
    for (const m of snapshot.messages) {
      if (m.recent) recent++;
      if (!m.flags.includes('\\Seen')) unseen++;
    }
    return { messages: snapshot.messages.length, recent, unseen, uidNext: snapshot.uidNext, uidValidity: snapshot.uidValidity };
  }

  /** {@inheritDoc MailStore.read} */
  async read(user: string, mailbox: string, uid: number): Promise<Buffer | undefined> {
    const dir = await this.existing(user, mailbox, true);
    return this.lock.run(dir, async () => {
      for (const fresh of [false, true]) {
        const at = await this.locate(dir, uid, fresh);
        if (at === undefined) return undefined;
        try {
          return toCrlf(await fs.readFile(path.join(dir, at.sub, at.name)));
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || fresh) throw error;
        }
      }
      return undefined;
    });
  }

  /** {@inheritDoc MailStore.setFlags} */
  async setFlags(user: string, mailbox: string, uid: number, flags: readonly string[]): Promise<StoredMessage | undefined> {
    const dir = await this.existing(user, mailbox, true);
    return this.lock.run(dir, async () => {
      let at = await this.locate(dir, uid, false);
      if (at === undefined) return undefined;
      const name = nameWithFlags(baseOf(at.name), flags);
      const target = path.join(dir, 'cur', name);
      if (at.sub !== 'cur' || at.name !== name) {
        try {
          await fs.rename(path.join(dir, at.sub, at.name), target);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
          // Renamed or removed by another program since the last scan: look again, once.
          at = await this.locate(dir, uid, true);
          if (at === undefined) return undefined;
          if (at.sub !== 'cur' || at.name !== name) await fs.rename(path.join(dir, at.sub, at.name), target);
        }
        this.index.get(dir)?.set(uid, { sub: 'cur', name });
      }
      const stat = await fs.stat(target);
      const size = sizeOf(name) ?? crlfSize(await fs.readFile(target));
      return { uid, flags: flagsOf(name), recent: at.sub === 'new', internalDate: stat.mtime, size };
    });
  }

  /** {@inheritDoc MailStore.expunge} */
  async expunge(user: string, mailbox: string, uids?: readonly number[]): Promise<number[]> {
    const dir = await this.existing(user, mailbox, true);
    const only = uids === undefined ? undefined : new Set(uids);
    return this.lock.run(dir, async () => {
      const { state, files } = await this.scan(dir);
      const removed: number[] = [];
      for (const [base, uid] of state.uids) {
        const at = files.get(base) as Located;
        if (!flagsOf(at.name).includes('\\Deleted') || (only !== undefined && !only.has(uid))) continue;
        await fs.rm(path.join(dir, at.sub, at.name), { force: true });
        state.uids.delete(base);
        this.index.get(dir)?.delete(uid);
        removed.push(uid);
      }
      if (removed.length > 0) await writeState(dir, state);
      return removed.sort((a, b) => a - b);
    });
  }

  /** The file of `uid` (called under the lock): from the index, or after a scan when `fresh` or not indexed. */
  private async locate(dir: string, uid: number, fresh: boolean): Promise<Located | undefined> {
    if (!fresh) {
      const known = this.index.get(dir)?.get(uid);
      if (known !== undefined) return known;
    }
    await this.scan(dir);
    return this.index.get(dir)?.get(uid);
  }

  /**
   * Reads new/ and cur/ and reconciles the UID state with them (under the lock): files without
   * a UID get the next ones, in name order (names begin with the delivery time); UIDs whose file
   * is gone are dropped. The state file is rewritten only when something changed.
   */
  private async scan(dir: string): Promise<Scan> {
    const files = new Map<string, Located>();
    for (const sub of ['new', 'cur'] as const) {
      for (const name of await fs.readdir(path.join(dir, sub))) {
        if (name.startsWith('.')) continue;
        files.set(baseOf(name), { sub, name });
      }
    }
    let changed = false;
    let state = await readState(dir);
    if (state === undefined) {
      state = freshState();
      changed = true;
    }
    for (const base of [...state.uids.keys()]) {
      if (!files.has(base)) {
        state.uids.delete(base);
        changed = true;
      }
    }
    const unknown = [...files.keys()].filter((base) => !state.uids.has(base)).sort();
    for (const base of unknown) state.uids.set(base, state.uidNext++);
    if (changed || unknown.length > 0) await writeState(dir, state);
    const byUid = new Map<number, Located>();
    for (const [base, uid] of state.uids) byUid.set(uid, files.get(base) as Located);
    // Most recently scanned last, so the first key is the one to drop.
    this.index.delete(dir);
    this.index.set(dir, byUid);
    if (this.index.size > MAX_INDEXED) this.index.delete(this.index.keys().next().value as string);
    return { state, files };
  }

  /** The Maildir of an existing mailbox (INBOX is created on first use when `createInbox`). */
  private async existing(user: string, mailbox: string, createInbox: boolean): Promise<string> {
    const dir = this.dirOf(user, mailbox);
    try {
      await fs.access(path.join(dir, 'cur'));
    } catch {
      if (createInbox && canonical(mailbox) === INBOX) {
        await this.makeMaildir(dir);
        return dir;
      }
      throw new MailStoreError('TORSION_ERR_NO_MAILBOX', `no mailbox ${JSON.stringify(mailbox)} for ${JSON.stringify(user)}`);
    }
    return dir;
  }

  private async makeMaildir(dir: string): Promise<void> {
    for (const sub of SUBDIRS) await fs.mkdir(path.join(dir, sub), { recursive: true, mode: 0o700 });
  }

  /** The directory of a mailbox; names that could leave the user's directory are refused. */
  private dirOf(user: string, mailbox: string): string {
    if (!validUser(user)) throw new MailStoreError('TORSION_ERR_MAILBOX_NAME', `invalid user name ${JSON.stringify(String(user).slice(0, 64))}`);
    const userDir = path.join(this.root, user);
    if (canonical(mailbox) === INBOX) return userDir;
    if (!validMailbox(mailbox)) throw new MailStoreError('TORSION_ERR_MAILBOX_NAME', `invalid mailbox name ${JSON.stringify(String(mailbox).slice(0, 64))}`);
    return path.join(userDir, `.${mailbox}`);
  }
}

/** INBOX whatever its case (RFC 3501: INBOX is case-insensitive), other names as given. */
function canonical(mailbox: string): string {
  return mailbox.toUpperCase() === INBOX ? INBOX : mailbox;
}

// eslint-disable-next-line no-control-regex
const UNSAFE = /[/\\\x00-\x1f\x7f]/;

function validUser(user: string): boolean {
  return typeof user === 'string' && user.length > 0 && user.length <= MAX_NAME && !user.startsWith('.') && !UNSAFE.test(user);
}

function validMailbox(mailbox: string): boolean {
  if (typeof mailbox !== 'string' || mailbox.length === 0 || mailbox.length > MAX_NAME || UNSAFE.test(mailbox)) return false;
  // Maildir++ keeps the hierarchy in one folder name: no empty level, none of '.' or '..'.
  return mailbox.split('.').every((level) => level.length > 0);
}
