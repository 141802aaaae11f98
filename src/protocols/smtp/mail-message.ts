/**
 * A received message, as the server stores it: the `Received:` trace header, then the message
 * the client sent (dot-unstuffed), in chunks. Chunks rather than one Buffer so a message is held
 * once, in the blocks it was received into: `toBuffer()` makes the one contiguous copy when a
 * consumer needs it; a store that writes a file can write `chunks` as they are.
 */
export class MailMessage {
  constructor(
    /** The message's bytes in order; the first chunk is the `Received:` header. */
    readonly chunks: readonly Buffer[],
    /** Total bytes of `chunks`. */
    readonly size: number,
  ) {}

  /** The whole message in one Buffer (a copy). */
  toBuffer(): Buffer {
    return Buffer.concat(this.chunks as Buffer[], this.size);
  }
}

const FIRST_BLOCK = 4 * 1024;
const BLOCK = 64 * 1024;

/**
 * Collects a message while it arrives, into blocks of our own (never by keeping views of the
 * reads, which could pin far larger read buffers), so it holds at most the message plus one
 * partly filled block. The limit is checked before a chunk is copied: past it, what was kept is
 * released at once and later chunks are only counted.
 */
export class MessageBuffer {
  private blocks: Buffer[] = [];
  /** Bytes used in the last block. */
  private used = 0;
  /** Bytes received (all of them, also past the limit). */
  size = 0;
  /** True once the message went over the limit. */
  overflowed = false;

  constructor(private readonly maxBytes: number) {}

  /** Adds a body chunk (copied); returns false once the message is over the limit. */
  append(chunk: Buffer): boolean {
    this.size += chunk.length;
    if (this.overflowed) return false;
    if (this.size > this.maxBytes) {
      this.overflowed = true;
      this.blocks = [];
      this.used = 0;
      return false;
    }
    let from = 0;
    while (from < chunk.length) {
      let block = this.blocks[this.blocks.length - 1];
      if (block === undefined || this.used === block.length) {
        const left = this.maxBytes - (this.size - (chunk.length - from));
        block = Buffer.allocUnsafe(Math.max(1, Math.min(this.blocks.length === 0 ? FIRST_BLOCK : BLOCK, left)));
        this.blocks.push(block);
        this.used = 0;
      }
      const n = Math.min(block.length - this.used, chunk.length - from);
      chunk.copy(block, this.used, from, from + n);
      this.used += n;
      from += n;
    }
    return true;
  }

  /** The message, the header first; the buffer is empty afterwards. */
  finish(header: Buffer): MailMessage {
    const chunks = [header];
    const last = this.blocks.length - 1;
    for (let i = 0; i <= last; i++) chunks.push(i === last ? this.blocks[i].subarray(0, this.used) : this.blocks[i]);
    const message = new MailMessage(chunks, header.length + this.size);
    this.reset();
    return message;
  }

  /** Drops what was collected. */
  reset(): void {
    this.blocks = [];
    this.used = 0;
    this.size = 0;
    this.overflowed = false;
  }
}
