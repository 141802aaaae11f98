import { MessageBuffer } from '../../../src/protocols/smtp/mail-message';

/** A deterministic pseudo-random generator (tests replay the same chunkings). */
function lcg(seed: number): () => number {
  let state = seed;
  return () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
}

describe('MessageBuffer', () => {
  it('keeps what it is given, in order, across blocks, whatever the chunk sizes', () => {
    const random = lcg(7);
    for (let round = 0; round < 20; round++) {
      const total = Math.floor(random() * 300_000);
      const data = Buffer.alloc(total);
      for (let i = 0; i < total; i++) data[i] = (i * 31 + round) & 0xff;
      const buffer = new MessageBuffer(total);
      for (let at = 0; at < total; ) {
        const n = Math.min(total - at, 1 + Math.floor(random() * 90_000));
        expect(buffer.append(data.subarray(at, at + n))).toBe(true);
        at += n;
      }
      const message = buffer.finish(Buffer.from('H'));
      expect(message.size).toBe(total + 1);
      expect(message.toBuffer().subarray(1).equals(data)).toBe(true);
      // Blocks are at most 64 KiB and never reach past the limit.
      const held = message.chunks.slice(1).reduce((sum, chunk) => sum + chunk.buffer.byteLength, 0);
      expect(message.chunks.slice(1).every((chunk) => chunk.length <= 64 * 1024)).toBe(true);
      expect(held - total).toBeLessThan(64 * 1024 + 8192);
    }
  });

  it('past the limit keeps nothing more, releases what it held, and only counts', () => {
    const buffer = new MessageBuffer(100);
    expect(buffer.append(Buffer.alloc(60))).toBe(true);
    expect(buffer.append(Buffer.alloc(41))).toBe(false);
    expect(buffer.overflowed).toBe(true);
    expect(buffer.append(Buffer.alloc(1000))).toBe(false);
    expect(buffer.size).toBe(1101);
    // Nothing held: a message made now has the header only.
    expect(buffer.finish(Buffer.from('H')).chunks).toHaveLength(1);
  });

  it('a message exactly at the limit is kept', () => {
    const buffer = new MessageBuffer(10);
    expect(buffer.append(Buffer.from('0123456789'))).toBe(true);
    expect(buffer.finish(Buffer.alloc(0)).toBuffer().toString()).toBe('0123456789');
  });
});
