import fc from 'fast-check';
import { resp, respError, respSimple, type RespReply } from '../../src/codec';
import { checkCodec } from 'torsion/testing';
import { FrameTooLargeError, OptionError, ProtocolError, TorsionError } from '../../src/errors';
import { chunk, encodeAll, feed, RecordingSink } from './feed';

const limits = { maxBulkLength: 32, maxArgs: 8, maxInlineLength: 64, maxLength: 256 };
const bulk = fc.uint8Array({ maxLength: limits.maxBulkLength }).map((a) => Buffer.from(a));

function commands(input: string | Buffer, sizes?: number[]): string[][] {
  const wire = Buffer.from(input);
  const { sink, thrown } = feed(resp({ output: 'string' }).createDecoder(), chunk(wire, sizes ?? [wire.length]));
  if (thrown) throw thrown;
  return sink.frames as string[][];
}

function failure(input: string, options = {}): unknown {
  return feed(resp(options).createDecoder(), [Buffer.from(input)]).thrown;
}

function reply(value: RespReply): string {
  return encodeAll(resp(), [value]).toString('latin1');
}

describe('resp', () => {
  // A reply array of bulk strings is exactly a multibulk request: the codec round-trips it.
  const contract = {
    maxRetained: limits.maxLength,
    // Requests encode cannot write: inline commands, blank lines, *0 and *-1.
    wires: [{ input: 'PING\r\n\r\n*0\r\n*-1\r\nSET k "a b"\r\n', frames: [['PING'], ['SET', 'k', 'a b']].map((args) => args.map((a) => Buffer.from(a))) }],
    // Over maxBulkLength (refused at its header), and longer than maxLength + 2 as a whole.
    oversize: Buffer.concat([Buffer.from('*1\r\n$300\r\n'), Buffer.alloc(300, 0x61), Buffer.from('\r\n')]),
    malformed: ['*abc\r\n', '*1\r\nx', '*1\r\n$-5\r\n', '*1\r\n$2\r\nabXY', 'SET k "abc\r\n', '*1\rX'],
    invalidReplies: [1.5, NaN, undefined, true, { a: 1 }, 2n ** 64n],
  };

  test('conforms to the codec contract', () => {
    fc.assert(
      fc.property(fc.array(fc.array(bulk, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 6 }), fc.integer(), (values, seed) => {
        const report = checkCodec(resp(limits), { ...contract, values, seed, runs: 6 });
        // Replies are not size-checked: the limits protect the server from its peers.
        expect(report.skipped).toEqual(['max-length-encode']);
      }),
      { numRuns: 30 },
    );
  });

  test("conforms with output 'latin1': byte strings both ways", () => {
    const byteString = fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: limits.maxBulkLength });
    fc.assert(
      fc.property(fc.array(fc.array(byteString, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 6 }), fc.integer(), (values, seed) => {
        const wires = [{ input: 'PING\r\n', frames: [['PING']] }];
        checkCodec(resp({ ...limits, output: 'latin1' }), { ...contract, wires, values, seed, runs: 6 });
      }),
      { numRuns: 30 },
    );
  });

  describe('inline commands', () => {
    test('split on whitespace, with or without CR', () => {
      expect(commands('PING\r\nSET  key\tvalue\n')).toEqual([['PING'], ['SET', 'key', 'value']]);
    });

    test('honour quotes and escapes like redis-cli', () => {
      expect(commands('SET k "hello world"\r\n')).toEqual([['SET', 'k', 'hello world']]);
      expect(commands(`SET k "a\\x41\\n\\"" 'it\\'s'\r\n`)).toEqual([['SET', 'k', 'aA\n"', "it's"]]);
      expect(commands('SET k a"b c"\r\n')).toEqual([['SET', 'k', 'ab c']]);
      expect(commands('SET k ""\r\n')).toEqual([['SET', 'k', '']]);
    });

    test.each(['SET k "abc\r\n', 'SET k "a"b\r\n', "SET k 'abc\r\n"])('reject unbalanced quotes: %j', (input) => {
      expect(failure(input)).toEqual(new ProtocolError('Protocol error: unbalanced quotes in request'));
    });

    test('blank lines produce no command', () => {
      expect(commands('\r\n   \r\n\nPING\r\n')).toEqual([['PING']]);
    });

    test('a line over maxInlineLength fails before its end arrives', () => {
      const decoder = resp({ maxInlineLength: 10 }).createDecoder();
      expect(() => decoder.decode(Buffer.from('GET 12345678'), new RecordingSink())).toThrow(new FrameTooLargeError(12, 10, 'inline request length'));
    });
  });

  describe('multibulk requests', () => {
    const pipelined = '*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$5\r\nh\r\ni!\r\nPING\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n';

    test('pipelined with inline commands, whatever the chunking', () => {
      for (const size of [1, 2, 3, 7, 1000]) {
        expect(commands(pipelined, [size])).toEqual([['PING'], ['ECHO', 'h\r\ni!'], ['PING'], ['SET', 'k', '']]);
      }
    });

    test('arguments are Buffers by default, views of the chunk', () => {
      const wire = Buffer.from('*2\r\n$3\r\nGET\r\n$2\r\n\xff\x00\r\n', 'latin1');
      const frames = feed(resp().createDecoder(), [wire]).sink.frames;
      expect(frames).toEqual([[Buffer.from('GET'), Buffer.from([0xff, 0])]]);
      expect(frames[0][0].buffer).toBe(wire.buffer);
    });

    test('*0 and *-1 produce no command, as in Redis', () => {
      expect(commands('*0\r\n*-1\r\n*1\r\n$4\r\nPING\r\n')).toEqual([['PING']]);
    });

    test.each([
      ['*abc\r\n', 'Protocol error: invalid multibulk length'],
      ['*01\r\n', 'Protocol error: invalid multibulk length'],
      ['*1\r\nx', "Protocol error: expected '$', got 'x'"],
      ['*1\r\n$-5\r\n', 'Protocol error: invalid bulk length'],
      ['*1\r\n$5x\r\n', 'Protocol error: invalid bulk length'],
      ['*1\r\n$\r\n', 'Protocol error: invalid bulk length'],
      ['*1\r\n$2\r\nabXY', "Protocol error: expected '\\r\\n' after the bulk data"],
      [`*${'1'.repeat(40)}`, 'Protocol error: too big mbulk count string'],
      [`*1\r\n$${'1'.repeat(40)}`, 'Protocol error: too big bulk count string'],
      ['*1\rX', "Protocol error: expected '\\n' after '\\r' in the mbulk count, got 'X'"],
    ])('a malformed header %j fails with %j', (input, message) => {
      expect(failure(input)).toEqual(new ProtocolError(message));
    });

    test('limits are checked before the bytes they announce are buffered', () => {
      expect(failure('*9\r\n', { maxArgs: 8 })).toEqual(new FrameTooLargeError(9, 8, 'multibulk length'));
      expect(failure('*1\r\n$33\r\n', { maxBulkLength: 32 })).toEqual(new FrameTooLargeError(33, 32, 'bulk length'));
      expect(failure('*2\r\n$20\r\n', { maxLength: 20 })).toEqual(new FrameTooLargeError(31, 20, 'request length')); // 4 + 5 + 20 + 2;
    });

    test('a large bulk in many small chunks is parsed in linear time', () => {
      const size = 4 * 1024 * 1024;
      const decoder = resp().createDecoder();
      const sink = new RecordingSink<Buffer[]>();
      const started = Date.now();
      decoder.decode(Buffer.from(`*2\r\n$3\r\nSET\r\n$${size}\r\n`), sink);
      const piece = Buffer.alloc(64, 0x61);
      for (let sent = 0; sent < size; sent += piece.length) decoder.decode(piece, sink);
      decoder.decode(Buffer.from('\r\n'), sink);
      expect(sink.frames).toHaveLength(1);
      expect(sink.frames[0][1]).toHaveLength(size);
      expect(Date.now() - started).toBeLessThan(3000);
    });
  });

  describe('replies', () => {
    test('map JS values to RESP2 types, with bulk lengths in bytes', () => {
      expect(reply(respSimple('OK'))).toBe('+OK\r\n');
      expect(reply(respError('ERR unknown command'))).toBe('-ERR unknown command\r\n');
      expect(reply(42)).toBe(':42\r\n');
      expect(reply(-7n)).toBe(':-7\r\n');
      expect(reply(null)).toBe('$-1\r\n');
      expect(encodeAll(resp(), ['é😀'])).toEqual(Buffer.from('$6\r\né😀\r\n'));
      expect(reply(Buffer.from('ab'))).toBe('$2\r\nab\r\n');
      expect(reply(['a', [1, null], respSimple('x')])).toBe('*3\r\n$1\r\na\r\n*2\r\n:1\r\n$-1\r\n+x\r\n');
      expect(reply([])).toBe('*0\r\n');
    });

    test('write Buffers as separate pieces, without copying', () => {
      const payload = Buffer.from('abc');
      const out: Array<string | Buffer> = [];
      resp().encode(payload, out);
      expect(out).toEqual(['$3\r\n', payload, '\r\n']);
      expect(out[1]).toBe(payload);
    });

    test.each([
      ['a fraction', 1.5],
      ['NaN', NaN],
      ['undefined', undefined],
      ['a boolean', true],
      ['a plain object', { a: 1 }],
      ['a bigint beyond 64 bits', 2n ** 64n],
    ])('refuse %s with TORSION_ERR_ENCODE', (_, value) => {
      expect(() => resp().encode(value as RespReply, [])).toThrow(TorsionError);
      expect(() => resp().encode(value as RespReply, [])).toThrow(expect.objectContaining({ code: 'TORSION_ERR_ENCODE' }));
    });

    test('refuse a cyclic array', () => {
      const cyclic: RespReply[] = [];
      cyclic.push(cyclic);
      expect(() => resp().encode(cyclic, [])).toThrow(/cyclic/);
    });

    test('simple strings and errors cannot contain CR or LF', () => {
      expect(() => respSimple('a\r\nb')).toThrow(expect.objectContaining({ code: 'TORSION_ERR_ENCODE' }));
      expect(() => respError('ERR\n')).toThrow(TorsionError);
    });
  });

  test.each([
    [{ maxBulkLength: 0 }, /maxBulkLength must be a positive integer/],
    [{ maxArgs: 1.5 }, /maxArgs must be a positive integer/],
    [{ maxInlineLength: -1 }, /maxInlineLength must be a positive integer/],
    [{ maxLength: Infinity }, /maxLength must be a positive integer/],
    [{ output: 'buffers' }, /output must be one of "buffer", "string"/],
    [{ maxBulkLen: 1 }, /unknown option 'maxBulkLen'/],
  ])('rejects options %j', (options, message) => {
    expect(() => resp(options as never)).toThrow(OptionError);
    expect(() => resp(options as never)).toThrow(message);
  });

  test("output: 'latin1' gives binary-safe byte strings and writes string replies as latin1", () => {
    const codec = resp({ output: 'latin1' });
    const frames: string[][] = [];
    const sink = { frame: (f: string[]) => frames.push(f), frameError: (e: Error) => { throw e; } };
    const bytes = Buffer.from([0xff, 0x00, 0xe9]);
    codec.createDecoder().decode(Buffer.concat([Buffer.from('*2\r\n$3\r\nSET\r\n$3\r\n'), bytes, Buffer.from('\r\nPING\r\n')]), sink);
    expect(frames).toEqual([['SET', '\xff\x00\xe9'], ['PING']]);
    expect(codec.stringEncoding).toBe('latin1');
    const out: Array<string | Buffer> = [];
    codec.encode(frames[0][1], out);
    expect(Buffer.from(out.join(''), 'latin1')).toEqual(Buffer.concat([Buffer.from('$3\r\n'), bytes, Buffer.from('\r\n')]));
  });

  test.each(['string', 'latin1'] as const)("inline commands split the same with output '%s' as with Buffers", (output) => {
    const input = Buffer.from('PING\r\nSET  k   v\r\nSET k "a b"\r\nECHO \'x y\'\r\nGET\tk\r\n \r\n');
    const asStrings: string[][] = [];
    const asBuffers: Buffer[][] = [];
    resp({ output }).createDecoder().decode(input, { frame: (f) => asStrings.push(f), frameError: (e) => { throw e; } });
    resp().createDecoder().decode(input, { frame: (f) => asBuffers.push(f), frameError: (e) => { throw e; } });
    expect(asStrings).toEqual(asBuffers.map((args) => args.map((a) => a.toString(output === 'latin1' ? 'latin1' : 'utf8'))));
    expect(asStrings).toEqual([['PING'], ['SET', 'k', 'v'], ['SET', 'k', 'a b'], ['ECHO', 'x y'], ['GET', 'k']]);
  });

  test('has documented defaults', () => {
    expect(resp().limits).toEqual({ maxBulkLength: 8 * 1024 * 1024, maxArgs: 65536, maxInlineLength: 65536, maxLength: 32 * 1024 * 1024, output: 'buffer' });
  });
});
