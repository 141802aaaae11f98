const CR = 0x0d;
const LF = 0x0a;
const DOT = 0x2e;

/**
 * The bytes to send after a 354 for `message` (RFC 5321 section 4.5.2): every line ending made
 * CRLF (a bare LF or CR too, as Python's smtplib does: servers refuse bare ones), a dot doubled
 * at the start of each line, a final CRLF if the message lacks one, then `.` CRLF.
 */
export function dotStuff(message: Buffer): Buffer {
  // Worst case: every byte a line ending or a leading dot (each costs one byte more), plus the end.
  const out = Buffer.allocUnsafe(message.length * 2 + 5);
  let o = 0;
  let lineStart = true;
  for (let i = 0; i < message.length; i++) {
    const byte = message[i];
    if (byte === CR || byte === LF) {
      out[o++] = CR;
      out[o++] = LF;
      if (byte === CR && message[i + 1] === LF) i++;
      lineStart = true;
      continue;
    }
    if (lineStart && byte === DOT) out[o++] = DOT;
    out[o++] = byte;
    lineStart = false;
  }
  if (!lineStart) {
    out[o++] = CR;
    out[o++] = LF;
  }
  out[o++] = DOT;
  out[o++] = CR;
  out[o++] = LF;
  return out.subarray(0, o);
}
