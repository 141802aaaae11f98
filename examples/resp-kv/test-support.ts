/**
 * Test helpers for resp-kv: build requests, and read replies back into JS values
 * (the server's `resp` codec decodes requests, not replies, so `c.frames()` cannot).
 */

/** A RESP multibulk request, as redis-cli and redis-benchmark send them. */
export function request(...args: Array<string | Buffer>): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const arg of args) {
    const bytes = typeof arg === 'string' ? Buffer.from(arg) : arg;
    parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

/** A reply: `{ ok }` for `+text`, `{ err }` for `-text`, a number, a string (bulk, latin1), null, or an array. */
export type Reply = { ok: string } | { err: string } | number | string | null | Reply[];

/** Parses every complete reply in `bytes`; throws on anything that is not RESP2. */
export function parseReplies(bytes: Buffer): Reply[] {
  const replies: Reply[] = [];
  let pos = 0;
  const line = (): string => {
    const cr = bytes.indexOf('\r\n', pos);
    if (cr === -1) throw new Error(`incomplete reply at ${pos}: ${JSON.stringify(bytes.toString('latin1', pos))}`);
    const text = bytes.toString('latin1', pos, cr);
    pos = cr + 2;
    return text;
  };
  const one = (): Reply => {
    const type = String.fromCharCode(bytes[pos++]);
    const rest = line();
    switch (type) {
      case '+':
        return { ok: rest };
      case '-':
        return { err: rest };
      case ':':
        return Number(rest);
      case '$': {
        const length = Number(rest);
        if (length < 0) return null;
        const value = bytes.toString('latin1', pos, pos + length);
        if (bytes.toString('latin1', pos + length, pos + length + 2) !== '\r\n') throw new Error(`bad bulk terminator at ${pos + length}`);
        pos += length + 2;
        return value;
      }
      case '*': {
        const count = Number(rest);
        if (count < 0) return null;
        const items: Reply[] = [];
        for (let i = 0; i < count; i++) items.push(one());
        return items;
      }
      default:
        throw new Error(`not a RESP reply type: ${JSON.stringify(type)} at ${pos - 1}`);
    }
  };
  while (pos < bytes.length) replies.push(one());
  return replies;
}
