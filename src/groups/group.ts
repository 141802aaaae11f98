import type { Codec, OutputChunks } from '../codec/codec';
import { OptionError, SlowMemberError } from '../errors';
import type { HeldBroadcast, Reactor } from '../reactor/reactor';
import { Connection } from '../transport/connection';
import { StreamConnection } from '../transport/stream-connection';

/**
 * What a group does with a member that does not keep up with its broadcasts:
 *
 * - `'skip'` (default): while the member's connection is not `writable` (its outgoing buffer over
 *   the high-water mark, until `@OnDrain`), broadcasts skip it; each is counted in
 *   `missed(conn)`, which the protocol may report when it drains (`takeMissed`).
 * - `'drop'`: broadcasts are written while the member's `bufferedBytes` stays within
 *   `maxBufferedBytes` (so a burst beyond the high-water mark is absorbed), and dropped, counted
 *   in `missed(conn)`, while it would exceed it.
 * - `'disconnect'`: as 'drop', but a broadcast that would exceed `maxBufferedBytes` removes the
 *   member and destroys its connection with a `SlowMemberError` (an IRC server's "Max SendQ
 *   exceeded"; close reason `aborted`).
 */
export type SlowMemberPolicy = 'skip' | 'drop' | 'disconnect';

/** Options of `groups.group(name, options)`. */
export interface GroupOptions {
  /** See `SlowMemberPolicy`. Default 'skip'. */
  slowMember?: SlowMemberPolicy;
  /** The bound of 'drop' and 'disconnect', in bytes buffered for one member. Default 1 MiB. */
  maxBufferedBytes?: number;
}

/** Options of `group.broadcast(value, options)`. */
export interface BroadcastOptions {
  /** A local member that does not get this broadcast (usually the sender). */
  except?: Connection;
}

/** Counters of one group, since it was made (plain numbers, live). */
export interface GroupStats {
  /** `broadcast` calls, and messages from other processes delivered here. */
  broadcasts: number;
  /** Values written to a member. */
  delivered: number;
  /** Broadcasts a member missed ('skip' and 'drop'). */
  missed: number;
  /** Members disconnected for falling behind ('disconnect'). */
  disconnected: number;
}

/** @internal What a group needs from the `Groups` that made it. */
export interface GroupHub {
  /** Seals `value` for the other processes before anything is written (so a bad value throws first); undefined without an adapter. */
  seal(value: unknown): Buffer | undefined;
  publish(group: Group, payload: Buffer): void;
  closed(group: Group): void;
}

const DEFAULT_MAX_BUFFERED_BYTES = 1024 * 1024;

/** One member: its connection and the broadcasts it missed since `takeMissed`. */
class Member {
  missed = 0;
  /** The connection's codec (fixed for its life), looked up once rather than per broadcast; undefined for a Connection of the user's own. */
  readonly codec: Codec | undefined;
  constructor(readonly conn: Connection) {
    this.codec = conn instanceof StreamConnection ? (conn.codec as Codec) : undefined;
  }
}

/**
 * Held lines are written out once they reach this many bytes, as a member's gathered output is
 * flushed at the default high-water mark: what a batch holds stays bounded.
 */
const MAX_HELD_BYTES = 64 * 1024;

/**
 * The broadcasts of one batch (a read being handled), with one `except`, held as one text and
 * written to each member once: when the outermost batch ends, or before one of its members
 * writes, ends or closes meanwhile (each is marked while held, and settles it first, so every
 * member still receives everything in the order it was written). Members are admitted when it
 * begins; a write to a connection outside it needs no settling. A read of 800 chat lines to
 * 200 members is then 800 string appends and 200 writes, not 160,000 writes gathered member by
 * member.
 */
class HeldLines implements HeldBroadcast {
  text = '';
  size = 0;
  constructor(
    readonly group: Group,
    readonly except: Connection | undefined,
    readonly codec: Codec,
    /** The members written to, admitted when it began (marked held until it settles). */
    readonly conns: StreamConnection[],
    /** Members the 'skip' policy left out: each held line counts as missed for them. */
    readonly skipped: Member[],
    /** Bytes it may hold: the least any member may still buffer ('drop', 'disconnect'), at most `MAX_HELD_BYTES`. */
    readonly room: number,
  ) {}

  settle(): void {
    const text = this.text;
    const conns = this.conns;
    for (let i = 0; i < conns.length; i++) {
      const conn = conns[i];
      conn.setHeld(false);
      // A member destroyed or reset meanwhile gets nothing, as its gathered output would have been discarded.
      if (text !== '' && conn.state === 'open') conn.write(text);
    }
  }
}

/** A value encoded once for every member sharing one codec. */
interface Encoded {
  codec: Codec | undefined;
  bytes: Buffer | string;
  size: number;
  error: unknown;
}

/**
 * A set of connections to broadcast to (Netty's `ChannelGroup`, a socket.io room), made by
 * `groups.group(name)`. Members are this process's connections; with an adapter, a broadcast
 * also reaches the members that other processes have in the group of the same name.
 *
 * A member leaves when its connection closes (after `@OnClose`), when `remove`d, or when the
 * group closes. Broadcasts reach members in the order they were added, each value encoded once
 * per codec (members of one protocol share its codec) and written raw to each of them, so a
 * member's codec frames it exactly as `conn.send(value)` would. Writes made while a connection
 * handles a read are gathered into that read's one write per member (see Flow control).
 */
export class Group {
  /** Members by connection, in the order they joined. */
  private readonly members = new Map<Connection, Member>();
  private open = true;
  /** Members of more than one codec were found (their broadcasts are not held); reset when members change. */
  private mixedCodecs = false;
  /** See `SlowMemberPolicy`. */
  readonly slowMember: SlowMemberPolicy;
  /** The bound of 'drop' and 'disconnect'. */
  readonly maxBufferedBytes: number;
  /** Counters since the group was made. */
  readonly stats: GroupStats = { broadcasts: 0, delivered: 0, missed: 0, disconnected: 0 };

  /** @internal Made by `Groups.group`. */
  constructor(
    /** The group's name: the same name in every process is the same group. */
    readonly name: string,
    options: GroupOptions,
    private readonly hub: GroupHub,
    /** Its batches decide when held broadcasts are written (see `HeldLines`). */
    private readonly reactor: Reactor,
  ) {
    const { slowMember = 'skip', maxBufferedBytes = DEFAULT_MAX_BUFFERED_BYTES } = options;
    if (slowMember !== 'skip' && slowMember !== 'drop' && slowMember !== 'disconnect') {
      throw new OptionError(`group '${name}': slowMember must be 'skip', 'drop' or 'disconnect', got ${String(slowMember)}`);
    }
    if (!Number.isSafeInteger(maxBufferedBytes) || maxBufferedBytes < 1) {
      throw new OptionError(`group '${name}': maxBufferedBytes must be an integer >= 1, got ${maxBufferedBytes}`);
    }
    this.slowMember = slowMember;
    this.maxBufferedBytes = maxBufferedBytes;
  }

  /** Local members now. */
  get size(): number {
    return this.members.size;
  }

  /** False once `close()`d: `add` then refuses, broadcasts reach nobody. */
  get isOpen(): boolean {
    return this.open;
  }

  /** The local members, in the order they joined. */
  connections(): Connection[] {
    return [...this.members.keys()];
  }

  /**
   * Adds a connection (it leaves by itself when it closes). False if it was a member already,
   * or is no longer open, or the group is closed.
   */
  add(conn: Connection): boolean {
    if (!this.open || conn.state !== 'open' || this.members.has(conn)) return false;
    this.settleHeld(); // lines held before it joined are not for it
    this.mixedCodecs = false;
    this.members.set(conn, new Member(conn));
    // Removal on close: once the connection has closed and its @OnClose has settled (its
    // handler may still broadcast a farewell to the others). Until then broadcasts skip it.
    if (conn instanceof StreamConnection) void conn.finished.then(() => this.remove(conn));
    return true;
  }

  /** Removes a connection; false if it was not a member. */
  remove(conn: Connection): boolean {
    if (!this.members.has(conn)) return false;
    this.settleHeld(); // lines held while it was a member are still its
    this.mixedCodecs = false;
    return this.members.delete(conn);
  }

  /** True while `conn` is a member. */
  has(conn: Connection): boolean {
    return this.members.has(conn);
  }

  /** Broadcasts `conn` missed (see `SlowMemberPolicy`) since it joined or since `takeMissed`. */
  missed(conn: Connection): number {
    return this.members.get(conn)?.missed ?? 0;
  }

  /** `missed(conn)`, and starts counting again from 0: call it from `@OnDrain` to tell the member. */
  takeMissed(conn: Connection): number {
    const member = this.members.get(conn);
    if (member === undefined) return 0;
    const missed = member.missed;
    member.missed = 0;
    return missed;
  }

  /**
   * Sends `value` to every member (but `options.except`) through its own codec, then publishes
   * it to the other processes (with an adapter; a value that cannot travel, such as a function,
   * throws a `TORSION_ERR_ENCODE` error before anything is written). Returns how many local
   * members it was written to. A value some member's codec cannot encode (an object, for a
   * `lines()` codec) reaches the members whose codec can; then broadcast throws that codec's error.
   */
  broadcast(value: unknown, options?: BroadcastOptions): number {
    if (!this.open) return 0;
    const payload = this.hub.seal(value);
    try {
      return this.deliver(value, options?.except);
    } finally {
      // Published even when some local codec failed: the other processes' members may take it.
      if (payload !== undefined) this.hub.publish(this, payload);
    }
  }

  /** Removes every member and stops hearing other processes; the group's name may be used again. */
  close(): void {
    if (!this.open) return;
    this.settleHeld();
    this.open = false;
    this.members.clear();
    this.hub.closed(this);
  }

  /**
   * @internal
   * Writes `value` to the local members and returns how many it was written to; then throws
   * the first encoding error, if any (the members of that codec got nothing). Used by
   * `broadcast` and for messages from other processes. Re-entrant: a member's close may
   * broadcast again from inside the loop.
   */
  deliver(value: unknown, except: Connection | undefined): number {
    this.stats.broadcasts++;
    // Members of one protocol share one codec: encode once for them. A second codec is rare
    // (one group over two protocols); a small list of what was encoded serves it.
    let last: Encoded | undefined;
    if (this.reactor.batching && !this.mixedCodecs) {
      const held = this.holdLine(value, except);
      if (typeof held === 'number') return held;
      last = held;
    }
    let delivered = 0;
    let failure: unknown;
    let others: Encoded[] | undefined;
    for (const member of this.members.values()) {
      if (!this.reaches(member, except)) continue;
      const conn = member.conn;
      const codec = member.codec;
      let encoded = last;
      if (encoded === undefined || encoded.codec !== codec) {
        encoded = others?.find((e) => e.codec === codec);
        if (encoded === undefined) {
          encoded = encodeFor(codec, value);
          if (last !== undefined) (others ??= [last]).push(encoded);
        }
        last = encoded;
      }
      if (encoded.error !== undefined) {
        failure ??= encoded.error;
        continue;
      }
      if (!this.admit(member, encoded.size)) continue;
      try {
        if (codec === undefined) conn.send(value);
        else conn.write(encoded.bytes);
        delivered++;
      } catch (error) {
        failure ??= error; // only a Connection of the user's own can throw here (send's codec)
      }
    }
    this.stats.delivered += delivered;
    if (failure !== undefined) throw failure;
    return delivered;
  }

  /**
   * During a batch: adds `value` to this group's held lines (beginning them if needed) and
   * returns how many members it goes to. When it cannot be held (members of several codecs or
   * none, a codec that writes bytes or cannot encode it, a member over its 'drop' bound, no
   * room left) `deliver` writes it member by member, as outside a batch: this returns what it
   * encoded on the way, if anything, for `deliver` to reuse.
   */
  private holdLine(value: unknown, except: Connection | undefined): number | Encoded | undefined {
    let held = this.heldHere();
    if (held !== undefined && held.except !== except) held = undefined;
    // Encode first (for new lines, with the first member's codec): a codec of bytes gives up here, at O(1).
    const codec = held !== undefined ? held.codec : this.firstCodec(except);
    if (codec === undefined) return undefined;
    const encoded = encodeFor(codec, value);
    if (typeof encoded.bytes !== 'string' || encoded.error !== undefined) return encoded;
    if (held !== undefined && held.size + encoded.size > held.room) {
      this.reactor.settleHeld();
      held = undefined;
    }
    if (held === undefined) {
      held = this.beginHold(except, encoded);
      if (held === undefined) return encoded;
    }
    held.text += encoded.bytes as string;
    held.size += encoded.size;
    const skipped = held.skipped;
    for (let i = 0; i < skipped.length; i++) skipped[i].missed++;
    this.stats.missed += skipped.length;
    this.stats.delivered += held.conns.length;
    return held.conns.length;
  }

  /** The codec of the first member `deliver` would write to; undefined if none (or it has none). */
  private firstCodec(except: Connection | undefined): Codec | undefined {
    for (const member of this.members.values()) if (this.reaches(member, except)) return member.codec;
    return undefined;
  }

  /** True when a broadcast but `except` goes to `member` now; a closed member is forgotten on the way. */
  private reaches(member: Member, except: Connection | undefined): boolean {
    const conn = member.conn;
    if (conn === except) return false;
    if (conn.state === 'open') return true;
    if (conn.state === 'closed') this.members.delete(conn);
    return false;
  }

  /** Begins holding lines for every member but `except`, if they share `encoded`'s codec (UTF-8) and it fits every one of them. */
  private beginHold(except: Connection | undefined, encoded: Encoded): HeldLines | undefined {
    const codec = encoded.codec as Codec;
    if ((codec.stringEncoding ?? 'utf8') !== 'utf8') return undefined;
    const conns: StreamConnection[] = [];
    const skipped: Member[] = [];
    let room = MAX_HELD_BYTES;
    const skip = this.slowMember === 'skip';
    for (const member of this.members.values()) {
      if (!this.reaches(member, except)) continue;
      const conn = member.conn;
      if (member.codec !== codec) {
        this.mixedCodecs = true;
        return undefined;
      }
      if (skip) {
        // A member with a codec is a StreamConnection (see Member).
        if (conn.writable) conns.push(conn as StreamConnection);
        else skipped.push(member);
        continue;
      }
      // 'drop' and 'disconnect' hold while every member takes the lines; the first that would
      // not goes member by member, where the policy applies.
      const free = this.maxBufferedBytes - conn.bufferedBytes;
      if (free < room) room = free;
      conns.push(conn as StreamConnection);
    }
    if (room < encoded.size) return undefined;
    const held = new HeldLines(this, except, codec, conns, skipped, room);
    this.reactor.hold(held);
    // Marked after hold(), which may settle another group's broadcast to some of them (unmarking them).
    for (let i = 0; i < conns.length; i++) conns[i].setHeld(true);
    return held;
  }

  /** The lines the reactor holds for this group, if it holds any now. */
  private heldHere(): HeldLines | undefined {
    const held = this.reactor.held;
    return held instanceof HeldLines && held.group === this ? held : undefined;
  }

  /** Writes this group's held lines out now (its members change, or it closes). */
  private settleHeld(): void {
    if (this.heldHere() !== undefined) this.reactor.settleHeld();
  }

  /** Applies the slow-member policy before a write of `size` bytes: true to write. */
  private admit(member: Member, size: number): boolean {
    const conn = member.conn;
    if (this.slowMember === 'skip') {
      if (conn.writable) return true;
    } else {
      const buffered = conn.bufferedBytes;
      if (buffered + size <= this.maxBufferedBytes) return true;
      if (this.slowMember === 'disconnect') {
        this.members.delete(conn);
        this.stats.disconnected++;
        conn.destroy(new SlowMemberError(this.name, buffered, size, this.maxBufferedBytes));
        return false;
      }
    }
    member.missed++;
    this.stats.missed++;
    return false;
  }
}

/**
 * `value` as its codec writes it, as one piece: a string when the codec writes UTF-8 strings
 * (`conn.write` takes strings as UTF-8, and gathered strings are joined without a copy), else
 * bytes. Without a codec (a Connection of the user's own), `conn.send` encodes per member.
 */
function encodeFor(codec: Codec | undefined, value: unknown): Encoded {
  if (codec === undefined) return { codec, bytes: '', size: 0, error: undefined };
  const out: OutputChunks = [];
  try {
    codec.encode(value, out);
  } catch (error) {
    return { codec, bytes: '', size: 0, error };
  }
  const encoding = codec.stringEncoding ?? 'utf8';
  let strings = encoding === 'utf8';
  for (let i = 0; strings && i < out.length; i++) strings = typeof out[i] === 'string';
  if (strings) {
    const text = out.length === 1 ? (out[0] as string) : out.join('');
    return { codec, bytes: text, size: Buffer.byteLength(text, 'utf8'), error: undefined };
  }
  const bytes = out.length === 1 && typeof out[0] !== 'string' ? out[0] : Buffer.concat(out.map((piece) => (typeof piece === 'string' ? Buffer.from(piece, encoding) : piece)));
  return { codec, bytes, size: bytes.length, error: undefined };
}
