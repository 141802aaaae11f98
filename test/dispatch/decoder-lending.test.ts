import { Connection, FrameDecoder, FrameTooLargeError, Module, OnData, OnError, Protocol, lengthPrefixed, lines, netstring, resp, type Codec, type FrameSink } from 'torsion';
import { createTestingApp, type TestingApp } from 'torsion/testing';

// A lines codec that counts the decoders it makes. Object.create keeps the codec's own class
// (and what dispatch reads from it), overriding createDecoder only.
function counting<F = string, R = string>(options: Parameters<typeof lines>[0], base: Codec<F, R> = lines(options) as unknown as Codec<F, R>): { codec: Codec<F, R>; made: () => number } {
  let made = 0;
  const codec = Object.create(base) as Codec<F, R>;
  codec.createDecoder = () => {
    made++;
    return base.createDecoder();
  };
  return { codec, made: () => made };
}

const strict = counting({ maxLength: 8 });
const lenient = counting({ maxLength: 8, failFast: false });

@Protocol({ codec: strict.codec })
class Echo {
  @OnData() echo(line: string): string {
    return `<${line}>`;
  }
}

@Protocol({ codec: lenient.codec })
class Lenient {
  @OnData() echo(line: string): string {
    return `<${line}>`;
  }
  @OnError() tooLong(error: Error): string {
    return error instanceof FrameTooLargeError ? 'too long' : `error ${error.message}`;
  }
}

@Module({ protocols: [Echo, Lenient] })
class M {}

let t: TestingApp;
beforeEach(() => {
  t = createTestingApp(M);
});
afterEach(async () => {
  await t.close();
});

test('connections whose reads end on a frame boundary share a decoder: 50 connections make one', () => {
  const before = strict.made();
  const conns = Array.from({ length: 50 }, () => t.connect(Echo));
  for (const [i, c] of conns.entries()) c.send(`a${i}\nb${i}\n`);
  for (const [i, c] of conns.entries()) expect(c.text()).toBe(`<a${i}>\n<b${i}>\n`);
  // A decoder per connection made 50 (one each, at accept).
  expect(strict.made() - before).toBe(1);
});

test('lines split across reads on several connections at once stay with their connection', () => {
  const [a, b, c] = [t.connect(Echo), t.connect(Echo), t.connect(Echo)];
  a.send('hel');
  b.send('wor');
  c.send('x');
  a.send('lo\n');
  b.send('ld\nfo');
  c.send('y\nz');
  b.send('o\n');
  c.send('\n');
  expect(a.text()).toBe('<hello>\n');
  expect(b.text()).toBe('<world>\n<foo>\n');
  expect(c.text()).toBe('<xy>\n<z>\n');
  // Each of the three held a tail at the same time; afterwards they are spares, not new ones.
  const made = strict.made();
  for (const conn of [a, b, c]) conn.send('again\n');
  expect(strict.made()).toBe(made);
});

test('a connection discarding an overlong line keeps its decoder until the line ends; others read on', () => {
  const long = t.connect(Lenient);
  const other = t.connect(Lenient);
  long.send('aaaaaaaaaaaa'); // over maxLength, no line end yet: discarding
  other.send('ok\n');
  long.send('aaa\nnext\n');
  other.send('ok2\n');
  expect(long.text()).toBe('too long\n<next>\n');
  expect(other.text()).toBe('<ok>\n<ok2>\n');
});

test('a decoder that failed stays with its connection, which closes; the others get a good one', () => {
  const bad = t.connect(Echo);
  const good = t.connect(Echo);
  bad.send('aaaaaaaaaaaa\n'); // failFast: the connection fails
  expect(bad.closeReason?.kind).toBe('error');
  expect(bad.closeReason?.error).toBeInstanceOf(FrameTooLargeError);
  good.send('fine\n');
  good.send('par');
  good.send('t\n');
  expect(good.text()).toBe('<fine>\n<part>\n');
  expect(good.closeReason).toBeUndefined();
});

// The other built-in framing codecs lend their decoders too: frames split at every byte on
// three interleaved connections still come out whole, each on its own connection.
const framed = {
  resp: { counted: counting(undefined, resp({ output: 'string' })), frame: (s: string) => `*2\r\n$4\r\nECHO\r\n$${Buffer.byteLength(s)}\r\n${s}\r\n` },
  lengthPrefixed: { counted: counting(undefined, lengthPrefixed({ lengthFieldLength: 2 })), frame: (s: string) => Buffer.concat([Buffer.from([0, Buffer.byteLength(s)]), Buffer.from(s)]) },
  netstring: { counted: counting(undefined, netstring({ output: 'string' })), frame: (s: string) => `${Buffer.byteLength(s)}:${s},` },
};

/** Each connection's frames, as text, in the order they arrived. */
const seen = new Map<number, string[]>();
const text = (frame: unknown): string => (Array.isArray(frame) ? frame.join(' ') : Buffer.isBuffer(frame) ? frame.toString('utf8') : String(frame));

@Protocol({ codec: framed.resp.counted.codec })
class RespRecorder {
  constructor(private readonly conn: Connection) {}
  @OnData() data(frame: unknown): void {
    seen.set(this.conn.id, [...(seen.get(this.conn.id) ?? []), text(frame)]);
  }
}
@Protocol({ codec: framed.lengthPrefixed.counted.codec })
class LengthRecorder extends RespRecorder {}
@Protocol({ codec: framed.netstring.counted.codec })
class NetstringRecorder extends RespRecorder {}
@Module({ protocols: [RespRecorder, LengthRecorder, NetstringRecorder] })
class Framed {}

test.each([
  ['resp', RespRecorder, framed.resp],
  ['lengthPrefixed', LengthRecorder, framed.lengthPrefixed],
  ['netstring', NetstringRecorder, framed.netstring],
] as const)('%s: frames cut at every byte on interleaved connections stay whole and apart; whole ones share a decoder', async (_name, cls, { counted, frame }) => {
  const app = createTestingApp(Framed);
  try {
    const conns = [app.connect(cls), app.connect(cls), app.connect(cls)];
    const wire = conns.map((_c, i) => Buffer.concat([Buffer.from(frame(`one ${i}`)), Buffer.from(frame(`two ✓ ${i}`))]));
    for (let at = 0; at < Math.max(...wire.map((w) => w.length)); at++) {
      for (const [i, c] of conns.entries()) if (at < wire[i].length) c.send(wire[i].subarray(at, at + 1));
    }
    for (const [i, c] of conns.entries()) {
      const prefix = _name === 'resp' ? 'ECHO ' : '';
      expect(seen.get(c.connection.id)).toEqual([`${prefix}one ${i}`, `${prefix}two ✓ ${i}`]);
    }
    const made = counted.made();
    const more = Array.from({ length: 20 }, () => app.connect(cls));
    for (const c of more) c.send(Buffer.from(frame('whole')));
    for (const c of more) expect(seen.get(c.connection.id)).toEqual([_name === 'resp' ? 'ECHO whole' : 'whole']);
    expect(counted.made()).toBe(made);
  } finally {
    await app.close();
  }
});

const skipping = counting<Buffer, Buffer>(undefined, lengthPrefixed({ lengthFieldLength: 2, maxLength: 8, failFast: false }));
@Protocol({ codec: skipping.codec })
class Skipping {
  readonly events: string[] = [];
  @OnData() data(frame: Buffer): void {
    this.events.push(frame.toString());
  }
  @OnError() tooLong(error: Error): void {
    this.events.push(error instanceof FrameTooLargeError ? 'too long' : `error ${error.message}`);
  }
}
@Module({ protocols: [Skipping] })
class SkippingModule {}

test('lengthPrefixed: a connection skipping an oversized frame keeps its decoder until the frame has passed', async () => {
  const app = createTestingApp(SkippingModule);
  try {
    const big = app.connect(Skipping);
    const other = app.connect(Skipping);
    big.send(Buffer.from([0, 20, ...Buffer.from('0123456789')])); // 12 of the 22 bytes: 10 still to skip
    other.send(Buffer.from([0, 2, ...Buffer.from('ok')]));
    big.send(Buffer.from([...Buffer.from('abcdefghij'), 0, 4, ...Buffer.from('next')]));
    expect(big.protocol.events).toEqual(['too long', 'next']);
    expect(other.protocol.events).toEqual(['ok']);
    expect(big.closeReason).toBeUndefined();
  } finally {
    await app.close();
  }
});

// A codec's own FrameDecoder keeps state the base cannot see (here: a frame count); it is never
// lent, whatever it holds, so each connection numbers its own frames.
class Numbering extends FrameDecoder<string> {
  reusable = true; // a field of that name must not make it lendable
  private count = 0;
  constructor() {
    super('numbering', 64);
  }
  protected decodeFrame(buf: Buffer, start: number, sink: FrameSink<string>): number {
    const end = buf.indexOf(10, start);
    if (end === -1) return 0;
    sink.frame(`${++this.count}:${buf.toString('utf8', start, end)}`);
    return end + 1 - start;
  }
}
let numberingMade = 0;
const numbering: Codec<string, string> = {
  name: 'numbering',
  createDecoder: () => {
    numberingMade++;
    return new Numbering();
  },
  encode: (value, out) => void out.push(`${value}\n`),
};
@Protocol({ codec: numbering })
class Numbered {
  @OnData() echo(frame: string): string {
    return frame;
  }
}
@Module({ protocols: [Numbered] })
class NumberedModule {}

test("a codec's own decoder stays with its connection: every connection gets one and numbers its own frames", async () => {
  const app = createTestingApp(NumberedModule);
  try {
    const before = numberingMade;
    const conns = [app.connect(Numbered), app.connect(Numbered), app.connect(Numbered)];
    for (const c of conns) c.send('a\n');
    for (const c of conns) c.send('b\n');
    for (const c of conns) expect(c.text()).toBe('1:a\n2:b\n');
    expect(numberingMade - before).toBe(3);
  } finally {
    await app.close();
  }
});
