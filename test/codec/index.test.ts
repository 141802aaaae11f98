import * as codecs from '../../src/codec';
import type { Codec, FrameOf, ReplyOf } from '../../src/codec';

// Compile-time checks (tsc runs over test/): the output option picks the frame type.
const stringLines: Codec<string, string | Uint8Array> = codecs.lines();
const bufferLines: Codec<Buffer, string | Uint8Array> = codecs.lines({ output: 'buffer' });
const respArgs: FrameOf<ReturnType<typeof codecs.resp>> = [Buffer.alloc(0)];
const reply: ReplyOf<codecs.RespCodec> = ['OK', 1, null, codecs.respSimple('OK')];
const json: Codec<{ id: number }, unknown> = codecs.jsonLines<{ id: number }>();

describe('codec index', () => {
  test('exports every codec factory with its name', () => {
    const factories = { raw: codecs.raw, lines: codecs.lines, jsonLines: codecs.jsonLines, lengthPrefixed: codecs.lengthPrefixed, resp: codecs.resp, netstring: codecs.netstring };
    for (const [name, factory] of Object.entries(factories)) expect((factory as () => Codec).call(undefined).name).toBe(name);
    expect(codecs.delimited({ delimiters: [';'] }).name).toBe('delimited');
    expect([stringLines, bufferLines, respArgs, reply, json]).toHaveLength(5);
  });

  test('exports the codec classes and the base decoder', () => {
    expect(codecs.lines()).toBeInstanceOf(codecs.LinesCodec);
    expect(codecs.lines().createDecoder()).toBeInstanceOf(codecs.FrameDecoder);
    for (const cls of [codecs.RawCodec, codecs.DelimitedCodec, codecs.LengthPrefixedCodec, codecs.NetstringCodec, codecs.JsonLinesCodec, codecs.RespCodec, codecs.RespSimple, codecs.RespError]) {
      expect(typeof cls).toBe('function');
    }
  });
});
