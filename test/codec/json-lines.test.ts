import fc from 'fast-check';
import { jsonLines } from '../../src/codec';
import { checkCodec } from 'torsion/testing';
import { FrameError, FrameTooLargeError, OptionError, TorsionError } from '../../src/errors';
import { chunk, encodeAll, feed, RecordingSink } from './feed';

const MAX = 200;

function decode(input: string, sizes = [input.length]): RecordingSink<unknown> {
  const { sink, thrown } = feed(jsonLines().createDecoder(), chunk(Buffer.from(input), sizes));
  if (thrown) throw thrown;
  return sink;
}

describe('jsonLines', () => {
  const cycle: Record<string, unknown> = {};
  cycle.self = cycle;
  const contract = {
    // What the peer gets back is the JSON value (-0 becomes 0, and so on).
    expected: (v: unknown) => JSON.parse(JSON.stringify(v)),
    maxRetained: MAX + 1,
    oversizeReply: 'x'.repeat(MAX),
    malformed: ['{oops\n', '[1,\n', '\xff\n'],
    invalidReplies: [undefined, () => 1, 1n, cycle],
  };

  test('conforms to the codec contract, failing fast or discarding', () => {
    const values = fc.jsonValue({ maxDepth: 3 }).filter((v) => Buffer.byteLength(JSON.stringify(v)) <= MAX);
    const oversize = fc.string({ unit: 'binary-ascii', minLength: MAX + 1, maxLength: MAX + 30 }).map((s) => `${JSON.stringify(s)}\n`);
    fc.assert(
      fc.property(fc.array(values, { minLength: 1, maxLength: 8 }), oversize, fc.integer(), (samples, big, seed) => {
        const report = checkCodec(jsonLines({ maxLength: MAX }), { ...contract, values: samples, seed, runs: 6, oversize: big });
        expect(report.skipped).toEqual([]);
        checkCodec(jsonLines({ maxLength: MAX, failFast: false }), { ...contract, values: samples, seed, runs: 6, oversize: big, overflow: 'discard' });
      }),
      { numRuns: 40 },
    );
  });

  test('conforms with CRLF and blank lines in the input', () => {
    checkCodec(jsonLines({ maxLength: MAX }), { ...contract, values: [{ a: 'é😀' }, [1, null], 'x'.repeat(MAX - 2)], wires: [{ input: '\n  \n{"a":1}\r\n\r\n2\n', frames: [{ a: 1 }, 2] }] });
  });

  test('a malformed line becomes a FrameError in its place, and the stream goes on', () => {
    for (const size of [1, 5, 100]) {
      const { events } = decode('{"a":1}\n{oops\n[2]\n', [size]);
      expect(events).toHaveLength(3);
      expect(events[0]).toEqual({ frame: { a: 1 } });
      const error = (events[1] as { error: FrameError }).error;
      expect(error).toBeInstanceOf(FrameError);
      expect(error.code).toBe('TORSION_ERR_FRAME');
      expect(error.cause).toBeInstanceOf(SyntaxError);
      expect(error.message).toContain('"{oops"');
      expect(events[2]).toEqual({ frame: [2] });
    }
  });

  test('skips blank and whitespace-only lines', () => {
    expect(decode('\n  \n\t\r\n1\r\n\n').events).toEqual([{ frame: 1 }]);
  });

  test('counts maxLength in bytes', () => {
    const codec = jsonLines({ maxLength: 4 });
    expect(feed(codec.createDecoder(), [Buffer.from('"é"\n')]).sink.frames).toEqual(['é']);
    expect(feed(codec.createDecoder(), [Buffer.from('"😀"\n')]).thrown).toBeInstanceOf(FrameTooLargeError);
    expect(() => codec.encode('😀', [])).toThrow(new FrameTooLargeError(6, 4, 'line length'));
  });

  test('encodes one JSON text per line', () => {
    expect(encodeAll(jsonLines(), [{ a: 'x\ny' }, [1, null]]).toString()).toBe('{"a":"x\\ny"}\n[1,null]\n');
  });

  test.each([
    ['undefined', undefined],
    ['a function', () => 1],
    ['a BigInt', 1n],
    ['a cycle', (() => {
      const o: Record<string, unknown> = {};
      o.self = o;
      return o;
    })()],
  ])('refuses to encode %s with TORSION_ERR_ENCODE', (_, value) => {
    let error: unknown;
    try {
      jsonLines().encode(value, []);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TorsionError);
    expect(error).toMatchObject({ code: 'TORSION_ERR_ENCODE' });
  });

  test('rejects bad options', () => {
    expect(() => jsonLines({ maxLength: -5 })).toThrow(OptionError);
    expect(() => jsonLines({ output: 'string' } as never)).toThrow("unknown option 'output'");
    expect(jsonLines().maxLength).toBe(1024 * 1024);
  });

  test('a line split at every byte still parses', () => {
    const value = { text: 'é😀', list: [1, 2, 3] };
    const wire = encodeAll(jsonLines(), [value]);
    expect(feed(jsonLines().createDecoder(), chunk(wire, [1])).sink.frames).toEqual([value]);
  });
});
