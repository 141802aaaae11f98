import { FrameTooLargeError, Module, OnData, OnError, Protocol, lines, type Codec } from 'torsion';
import { createTestingApp, type TestingApp } from 'torsion/testing';

// A lines codec that counts the decoders it makes. Object.create keeps the codec's own class
// (and what dispatch reads from it), overriding createDecoder only.
function counting(options: Parameters<typeof lines>[0]): { codec: Codec<string, string>; made: () => number } {
  const base = lines(options);
  let made = 0;
  const codec = Object.create(base) as Codec<string, string>;
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
