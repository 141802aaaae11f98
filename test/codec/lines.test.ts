import fc from 'fast-check';
import { checkCodec } from 'torsion/testing';
import { lines, type LinesCodec } from '../../src/codec';
import { FrameTooLargeError, OptionError } from '../../src/errors';
import { chunk, encodeAll, feed, RecordingSink } from './feed';

const MAX = 32;

/** Text that survives the trip: no '\n', no trailing '\r' (which CRLF handling strips), within MAX bytes. */
const line = fc
  .string({ unit: 'binary', maxLength: 16 })
  .filter((s) => !s.includes('\n') && !s.endsWith('\r') && Buffer.byteLength(s) <= MAX && Buffer.from(s).toString() === s);
const oversizeText = fc.string({ unit: 'binary-ascii', minLength: MAX + 3, maxLength: MAX + 40 }).map((s) => s.replace(/[\r\n]/g, 'x'));
const oversizeLine = fc.tuple(oversizeText, fc.constantFrom('\n', '\r\n')).map(([s, end]) => Buffer.from(s + end));

function decodeAll(input: string | Buffer, options: Parameters<typeof lines>[0] = {}, sizes = [input.length || 1]): RecordingSink<string> {
  const codec = lines(options) as LinesCodec<string>;
  const { sink, thrown } = feed(codec.createDecoder(), chunk(Buffer.from(input), sizes));
  if (thrown) throw thrown;
  return sink;
}

describe('lines', () => {
  const seed = fc.integer();
  const samples = fc.array(line, { minLength: 1, maxLength: 8 });

  test('conforms to the codec contract, failing fast or discarding', () => {
    fc.assert(
      fc.property(samples, oversizeLine, seed, (values, oversize, s) => {
        checkCodec(lines({ maxLength: MAX }), { values, seed: s, runs: 6, maxRetained: MAX + 1, oversize });
        checkCodec(lines({ maxLength: MAX, failFast: false }), { values, seed: s, runs: 6, maxRetained: MAX + 1, oversize, overflow: 'discard' });
      }),
      { numRuns: 40 },
    );
  });

  test('conforms on edge samples: empty, exactly maxLength, multibyte, CRLF input', () => {
    const report = checkCodec(lines({ maxLength: MAX }), {
      values: ['', 'x'.repeat(MAX), 'é😀', 'a\rb', ' '],
      maxRetained: MAX + 1,
      wires: [{ input: 'one\r\ntwo\n\r\n', frames: ['one', 'two', ''] }],
      oversize: `${'y'.repeat(MAX + 3)}\r\n`,
      invalidReplies: [42, null, {}],
    });
    // Lines does not limit what it writes, and has no grammar to break.
    expect(report.skipped).toEqual(['max-length-encode', 'malformed-input']);
  });

  test('conforms as Buffers with a CRLF delimiter', () => {
    const bytes = fc.uint8Array({ maxLength: MAX }).map((a) => Buffer.from(a.map((b) => (b === 0x0d ? 0x20 : b))));
    fc.assert(
      fc.property(fc.array(bytes, { minLength: 1, maxLength: 8 }), oversizeText, seed, (values, text, s) => {
        const options = { values, seed: s, runs: 6, maxRetained: MAX + 2, oversize: `${text}\r\n` };
        checkCodec(lines({ maxLength: MAX, output: 'buffer', delimiter: '\r\n' }), options);
        checkCodec(lines({ maxLength: MAX, output: 'buffer', delimiter: '\r\n', failFast: false }), { ...options, overflow: 'discard' });
      }),
      { numRuns: 40 },
    );
  });

  test('strips the CR of a CRLF with the default delimiter, whatever the chunking', () => {
    for (const size of [1, 2, 3, 100]) {
      expect(decodeAll('one\r\ntwo\nthree\r\n', {}, [size]).frames).toEqual(['one', 'two', 'three']);
    }
  });

  test('keeps a CR that is not before the LF', () => {
    expect(decodeAll('a\rb\n\r\n').frames).toEqual(['a\rb', '']);
  });

  test('matches a custom delimiter exactly, without CR stripping', () => {
    expect(decodeAll('a\r\nb\nc\r\n', { delimiter: '\r\n' }).frames).toEqual(['a', 'b\nc']);
  });

  test('delivers empty lines', () => {
    expect(decodeAll('\n\n').frames).toEqual(['', '']);
  });

  test('counts maxLength in bytes, not UTF-16 units', () => {
    // 'é' is 2 bytes, '😀' 4 bytes (2 UTF-16 units).
    expect(decodeAll('éé\n', { maxLength: 4 }).frames).toEqual(['éé']);
    expect(() => decodeAll('ééé\n', { maxLength: 4 })).toThrow(FrameTooLargeError);
    expect(decodeAll('😀\n', { maxLength: 4 }).frames).toEqual(['😀']);
    expect(() => decodeAll('a😀\n', { maxLength: 4 })).toThrow(FrameTooLargeError);
  });

  test('decodes a multibyte character split across chunks', () => {
    expect(decodeAll('é😀\n', {}, [1]).frames).toEqual(['é😀']);
  });

  test('a line of exactly maxLength bytes plus CRLF is accepted', () => {
    expect(decodeAll('abcd\r\n', { maxLength: 4 }, [1]).frames).toEqual(['abcd']);
  });

  test('fails fast as soon as a line without delimiter exceeds maxLength, with the numbers', () => {
    const decoder = lines({ maxLength: 4 }).createDecoder();
    const sink = new RecordingSink<string>();
    decoder.decode(Buffer.from('ok\nabcd'), sink);
    expect(sink.frames).toEqual(['ok']);
    let error: unknown;
    try {
      decoder.decode(Buffer.from('e'), sink);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FrameTooLargeError);
    expect(error).toMatchObject({ code: 'TORSION_ERR_FRAME_TOO_LARGE', length: 5, maxLength: 4, message: 'line length (5) exceeds the allowed maximum (4)' });
  });

  test('without failFast, discards an oversized line, reports it, and goes on with bounded memory', () => {
    const decoder = lines({ maxLength: 4, failFast: false }).createDecoder();
    const sink = new RecordingSink<string>();
    decoder.decode(Buffer.from('ok\n'), sink);
    for (let i = 0; i < 1000; i++) {
      decoder.decode(Buffer.from('xxxxxxxxxx'), sink);
      expect(decoder.bufferedBytes).toBeLessThanOrEqual(4);
    }
    decoder.decode(Buffer.from('\r\nnext\n'), sink);
    expect(sink.frames).toEqual(['ok', 'next']);
    expect(sink.errors).toHaveLength(1);
    expect(sink.errors[0]).toMatchObject({ length: 10000, maxLength: 4 });
  });

  test('decodes with another text encoding', () => {
    const codec = lines({ encoding: 'latin1' });
    expect(feed(codec.createDecoder(), [Buffer.from([0xe9, 0x0a])]).sink.frames).toEqual(['é']);
    expect(encodeAll(codec, ['é'])).toEqual(Buffer.from([0xe9, 0x0a]));
  });

  test('a line arriving byte by byte is scanned once (linear time)', () => {
    const decoder = lines({ maxLength: 1024 * 1024 }).createDecoder();
    const sink = new RecordingSink<string>();
    const one = Buffer.from('x');
    const started = Date.now();
    for (let i = 0; i < 200_000; i++) decoder.decode(one, sink);
    decoder.decode(Buffer.from('\n'), sink);
    expect(sink.frames[0]).toHaveLength(200_000);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  describe('encode', () => {
    test('writes bytes and the delimiter as separate pieces (the payload is not copied), a string with its delimiter as one', () => {
      const out: Array<string | Buffer> = [];
      const payload = Buffer.from('bin');
      lines().encode('text', out);
      lines({ delimiter: '\r\n' }).encode(payload, out);
      expect(out).toEqual(['text\n', payload, Buffer.from('\r\n')]);
      expect(out[1]).toBe(payload);
    });

    test('writes a value containing the delimiter as it is: the peer reads several lines (as sendLine does)', () => {
      const out: Array<Buffer | string> = [];
      lines().encode('250-a\r\n250 b\r', out);
      lines().encode(Buffer.from('x\ny'), out);
      const decoded: string[] = [];
      lines().createDecoder().decode(Buffer.concat(out.map((p) => Buffer.from(p))), { frame: (f) => decoded.push(f as string), frameError: (e) => { throw e; } });
      expect(decoded).toEqual(['250-a', '250 b', 'x', 'y']);
    });

    test('writes a value longer than maxLength (the limit is for received lines)', () => {
      const out: Array<Buffer | string> = [];
      lines({ maxLength: 3 }).encode('éé long reply', out);
      expect(out.join('')).toBe('éé long reply\n');
    });

    test('refuses what is not a string or bytes', () => {
      expect(() => lines().encode(42 as unknown as string, [])).toThrow(expect.objectContaining({ code: 'TORSION_ERR_ENCODE' }));
    });
  });

  describe('options', () => {
    test.each([
      [{ maxLength: 0 }, /maxLength must be a positive integer, got 0/],
      [{ maxLength: 1.5 }, /maxLength must be a positive integer/],
      [{ maxLength: '10' }, /maxLength must be a positive integer, got "10"/],
      [{ delimiter: '' }, /delimiter must be a non-empty string or Buffer/],
      [{ output: 'json' }, /output must be one of "string", "buffer"/],
      [{ encoding: 'klingon' }, /encoding must be a Node.js Buffer encoding/],
      [{ failFast: 'yes' }, /failFast must be true or false/],
      [{ maxLenght: 10 }, /unknown option 'maxLenght'/],
    ])('rejects %j at construction', (options, message) => {
      expect(() => lines(options as never)).toThrow(OptionError);
      expect(() => lines(options as never)).toThrow(message);
    });

    test('has documented defaults', () => {
      const codec = lines();
      expect(codec.maxLength).toBe(64 * 1024);
      expect(codec.delimiter).toEqual(Buffer.from('\n'));
      expect(codec.name).toBe('lines');
    });
  });
});
