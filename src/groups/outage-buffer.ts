import { OptionError } from '../errors';

/** One message waiting for the adapter. */
interface Pending {
  readonly group: string;
  readonly payload: Buffer;
}

/**
 * What `Groups` publishes while its adapter is away (Redis restarting), held in order and sent
 * when it is back. Bounded in messages and in bytes, checked before a message is held: one that
 * does not fit is dropped (and counted by the caller), so the oldest of an outage arrive and a
 * long one costs a fixed amount of memory.
 */
export class OutageBuffer {
  private items: Pending[] = [];
  private held = 0;

  constructor(
    readonly maxMessages: number,
    readonly maxBytes: number,
  ) {
    for (const [name, value] of [['maxPendingMessages', maxMessages], ['maxPendingBytes', maxBytes]] as const) {
      if (!Number.isSafeInteger(value) || value < 0) throw new OptionError(`groups: ${name} must be an integer >= 0 (0 holds nothing while the adapter is away), got ${value}`);
    }
  }

  /** Messages held now. */
  get messages(): number {
    return this.items.length;
  }

  /** Bytes held now. */
  get bytes(): number {
    return this.held;
  }

  /** Holds the message if it fits both bounds; false (nothing held) if not. */
  push(group: string, payload: Buffer): boolean {
    if (this.items.length >= this.maxMessages || this.held + payload.length > this.maxBytes) return false;
    this.items.push({ group, payload });
    this.held += payload.length;
    return true;
  }

  /** Everything held, oldest first; the buffer is empty afterwards. */
  take(): Pending[] {
    const items = this.items;
    this.items = [];
    this.held = 0;
    return items;
  }
}
