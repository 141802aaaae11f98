/**
 * @internal
 * The Buffer methods decoders call for every frame, held once and called with `.call`. Node 20's
 * optimized code loads a method off a Buffer (`buf.indexOf`) through V8's generic LoadIC, about
 * 70 instructions a call, and `toString` re-checks bounds a decoder already knows. Line echo,
 * callgrind (`bench/tools/callgrind-lines.js`): 2,984 instructions a line with
 * `buf.indexOf` and `buf.toString`, 2,830 with `buf.utf8Slice`, 2,692 with these (the
 * hand-written server: 2,563).
 */

/** Buffer's slicers, what `toString` calls after checking its arguments; Node has no public typing for them. */
type Slicers = Buffer & { utf8Slice(start: number, end: number): string; latin1Slice(start: number, end: number): string };

const { utf8Slice, latin1Slice } = Buffer.prototype as Slicers;
const indexOf = Buffer.prototype.indexOf;

/** @internal The first `byte` in `buf` at or after `from`, or -1. */
export function indexOfByte(buf: Buffer, byte: number, from: number): number {
  return indexOf.call(buf, byte, from);
}

/** @internal `buf[start..end)` as UTF-8 text; the bounds must hold `0 <= start <= end <= buf.length`. */
export function utf8Text(buf: Buffer, start: number, end: number): string {
  return utf8Slice.call(buf, start, end);
}

/** @internal The same, one character per byte (RESP's 'latin1' output: byte strings). */
export function latin1Text(buf: Buffer, start: number, end: number): string {
  return latin1Slice.call(buf, start, end);
}
