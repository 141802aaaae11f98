import fc from 'fast-check';
import { checkCodec } from 'torsion/testing';
import { raw } from '../../src/codec';
import { encodeAll, feed } from './feed';

describe('raw', () => {
  test('conforms to the codec contract: every chunk is a frame, whatever the split', () => {
    const reply = fc.oneof(fc.string(), fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)));
    fc.assert(
      fc.property(fc.array(reply, { minLength: 1, maxLength: 8 }), fc.integer(), (values, seed) => {
        const report = checkCodec(raw(), { unframed: true, values, seed, runs: 6, invalidReplies: [42, null, {}] });
        expect(report.checked).toEqual(expect.arrayContaining(['chunk-frames', 'round-trip', 'buffered-bytes', 'invalid-reply']));
      }),
      { numRuns: 40 },
    );
  });

  test('delivers each chunk itself, not a copy', () => {
    const chunk = Buffer.from('abc');
    expect(feed(raw().createDecoder(), [chunk]).sink.frames[0]).toBe(chunk);
  });

  test('writes strings as UTF-8 and Uint8Arrays without copying their bytes', () => {
    const bytes = new Uint8Array([1, 2, 3]);
    const out: Array<Buffer | string> = [];
    raw().encode(bytes, out);
    expect((out[0] as Buffer).buffer).toBe(bytes.buffer);
    expect(encodeAll(raw(), ['é'])).toEqual(Buffer.from([0xc3, 0xa9]));
  });
});
