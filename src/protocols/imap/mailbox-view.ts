import type { MailboxSnapshot, StoredMessage } from '../maildir/mail-store';

/**
 * A session's view of its selected mailbox: message sequence numbers (position + 1) to UIDs,
 * and what it last told the client. `apply` brings it up to date with a newer snapshot and
 * returns the untagged responses that say so: EXPUNGE only when `expunges` is allowed (RFC 3501
 * section 7.4.1: not during FETCH, STORE or SEARCH; a vanished message then stays listed until
 * a command that may report it), then EXISTS and RECENT for new messages, and FETCH FLAGS for
 * flags another session changed.
 */
export class MailboxView {
  /** UIDs by sequence number - 1. */
  uids: number[] = [];
  /** What the store last said of each listed message, by UID. */
  readonly messages = new Map<number, StoredMessage>();
  /** The UIDs this session reports as `\Recent`. */
  readonly recent = new Set<number>();
  /** The mailbox's UIDVALIDITY when it was opened. */
  uidValidity = 0;
  /** The next UID, as last seen. */
  uidNext = 1;
  /** Deliveries happened since the last `apply` (set by the store's events). */
  dirty = false;

  constructor(
    readonly mailbox: string,
    readonly readOnly: boolean,
  ) {}

  /** Sequence number of `uid`, 0 when it is not listed. */
  seqOf(uid: number): number {
    // UIDs ascend with sequence numbers: binary search.
    let lo = 0;
    let hi = this.uids.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const at = this.uids[mid];
      if (at === uid) return mid + 1;
      if (at < uid) lo = mid + 1;
      else hi = mid - 1;
    }
    return 0;
  }

  /** Flags as the client sees them: the stored ones, and `\Recent` for this session's recent messages. */
  flagsOf(uid: number): string[] {
    const flags = [...(this.messages.get(uid)?.flags ?? [])];
    if (this.recent.has(uid)) flags.push('\\Recent');
    return flags;
  }

  /** The first load (SELECT/EXAMINE): no responses; the caller reports the counts. */
  load(snapshot: MailboxSnapshot): void {
    this.uidValidity = snapshot.uidValidity;
    this.uidNext = snapshot.uidNext;
    for (const m of snapshot.messages) {
      this.uids.push(m.uid);
      this.messages.set(m.uid, m);
      if (m.recent) this.recent.add(m.uid);
    }
    this.dirty = false;
  }

  /** Brings the view up to `snapshot`; the untagged responses that tell the client. */
  apply(snapshot: MailboxSnapshot, expunges: boolean): string[] {
    const out: string[] = [];
    this.dirty = false;
    const present = new Map(snapshot.messages.map((m) => [m.uid, m]));
    if (expunges) {
      // From the highest sequence number down, so each number is still right when sent.
      for (let i = this.uids.length - 1; i >= 0; i--) {
        const uid = this.uids[i];
        if (present.has(uid)) continue;
        out.push(`* ${i + 1} EXPUNGE`);
        this.uids.splice(i, 1);
        this.messages.delete(uid);
        this.recent.delete(uid);
      }
    }
    const last = this.uids.length === 0 ? 0 : this.uids[this.uids.length - 1];
    let added = 0;
    for (const m of snapshot.messages) {
      const known = this.messages.get(m.uid);
      if (known === undefined) {
        if (m.uid <= last) continue; // cannot be: UIDs only grow; never reorder the view
        this.uids.push(m.uid);
        this.messages.set(m.uid, m);
        if (m.recent) this.recent.add(m.uid);
        added++;
      } else {
        this.messages.set(m.uid, m);
        if (expunges && known.flags.join(' ') !== m.flags.join(' ')) out.push(`* ${this.seqOf(m.uid)} FETCH (FLAGS (${this.flagsOf(m.uid).join(' ')}))`);
      }
    }
    if (added > 0) {
      out.push(`* ${this.uids.length} EXISTS`, `* ${this.recent.size} RECENT`);
    }
    this.uidNext = snapshot.uidNext;
    return out;
  }
}
