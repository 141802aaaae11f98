import { createTestingApp, type TestConnection, type TestingApp } from 'torsion/testing';
import { KV_OPTIONS, KeyValueStore } from './store';
import { COMMAND_NAMES, RespKv, RespKvModule } from './app';
import { GlobPattern } from './glob';
import { parseReplies, request, type Reply } from './test-support';

describe('examples/resp-kv (in memory)', () => {
  let t: TestingApp;
  let c: TestConnection<RespKv>;

  beforeEach(() => {
    t = createTestingApp(RespKvModule);
    c = t.connect(RespKv);
  });
  afterEach(() => t.close());

  /** Sends one command; returns its reply (exactly one is expected). */
  function run(...args: string[]): Reply {
    c.clear();
    c.send(request(...args));
    const replies = parseReplies(c.written());
    expect(replies).toHaveLength(1);
    return replies[0];
  }

  /** Sends one command; returns the raw bytes written back. */
  function raw(...args: string[]): string {
    c.clear();
    c.send(request(...args));
    return c.text();
  }

  it('PING, PING msg, ECHO', () => {
    expect(raw('PING')).toBe('+PONG\r\n');
    expect(raw('ping', 'hello world')).toBe('$11\r\nhello world\r\n');
    expect(raw('ECHO', 'héllo')).toBe('$6\r\nhéllo\r\n');
    expect(raw('PING', 'a', 'b')).toBe("-ERR wrong number of arguments for 'ping' command\r\n");
  });

  it('answers inline commands too (telnet, redis-benchmark PING_INLINE)', () => {
    c.send('PING\r\nset k "two words"\r\nGET k\r\n');
    expect(parseReplies(c.written())).toEqual([{ ok: 'PONG' }, { ok: 'OK' }, 'two words']);
  });

  it('SET and GET: binary-safe keys and values, null bulk for a missing key', () => {
    expect(raw('SET', 'foo', 'bar')).toBe('+OK\r\n');
    expect(raw('GET', 'foo')).toBe('$3\r\nbar\r\n');
    expect(raw('GET', 'nope')).toBe('$-1\r\n');
    expect(raw('SET', 'clé', 'ünïcødé ✓')).toBe('+OK\r\n');
    expect(raw('GET', 'clé')).toBe('$15\r\nünïcødé ✓\r\n'); // the length counts bytes
    expect(raw('SET', 'empty', '')).toBe('+OK\r\n');
    expect(raw('GET', 'empty')).toBe('$0\r\n\r\n');
    const key = Buffer.from([0xfe, 0x00, 0x01]);
    const binary = Buffer.from([0, 0xff, 0x0d, 0x0a, 0x80, 0xc3]); // not UTF-8
    c.clear();
    c.send(Buffer.concat([request('SET', key, binary), request('GET', key), request('KEYS', Buffer.from([0xfe, 0x2a])), request('ECHO', binary)]));
    const bulk = (bytes: Buffer): Buffer => Buffer.concat([Buffer.from(`$${bytes.length}\r\n`), bytes, Buffer.from('\r\n')]);
    expect(c.written()).toEqual(Buffer.concat([Buffer.from('+OK\r\n'), bulk(binary), Buffer.from('*1\r\n'), bulk(key), bulk(binary)]));
  });

  it('SET NX / XX / GET / KEEPTTL', () => {
    expect(run('SET', 'k', 'v1', 'NX')).toEqual({ ok: 'OK' });
    expect(run('SET', 'k', 'v2', 'NX')).toBeNull();
    expect(run('GET', 'k')).toBe('v1');
    expect(run('SET', 'other', 'x', 'XX')).toBeNull();
    expect(run('EXISTS', 'other')).toBe(0);
    expect(run('SET', 'k', 'v3', 'xx')).toEqual({ ok: 'OK' });
    expect(run('SET', 'k', 'v4', 'GET')).toBe('v3');
    expect(run('SET', 'fresh', 'v', 'GET')).toBeNull();
    expect(run('SET', 'k', 'v5', 'EX', '100')).toEqual({ ok: 'OK' });
    expect(run('SET', 'k', 'v6', 'KEEPTTL')).toEqual({ ok: 'OK' });
    expect(run('TTL', 'k')).toBe(100);
    expect(run('SET', 'k', 'v7')).toEqual({ ok: 'OK' });
    expect(run('TTL', 'k')).toBe(-1);
  });

  it('SET errors, worded as Redis words them', () => {
    expect(run('SET', 'k')).toEqual({ err: "ERR wrong number of arguments for 'set' command" });
    expect(run('SET', 'k', 'v', 'NX', 'XX')).toEqual({ err: 'ERR syntax error' });
    expect(run('SET', 'k', 'v', 'EX')).toEqual({ err: 'ERR syntax error' });
    expect(run('SET', 'k', 'v', 'EX', '10', 'PX', '100')).toEqual({ err: 'ERR syntax error' });
    expect(run('SET', 'k', 'v', 'KEEPTTL', 'EX', '10')).toEqual({ err: 'ERR syntax error' });
    expect(run('SET', 'k', 'v', 'BOGUS')).toEqual({ err: 'ERR syntax error' });
    expect(run('SET', 'k', 'v', 'EX', 'ten')).toEqual({ err: 'ERR value is not an integer or out of range' });
    expect(run('SET', 'k', 'v', 'EX', '0')).toEqual({ err: "ERR invalid expire time in 'set' command" });
    expect(run('SET', 'k', 'v', 'PX', '-5')).toEqual({ err: "ERR invalid expire time in 'set' command" });
    expect(run('EXISTS', 'k')).toBe(0);
  });

  it('DEL and EXISTS count keys (EXISTS counts repeats)', () => {
    run('SET', 'a', '1');
    run('SET', 'b', '2');
    expect(run('EXISTS', 'a', 'b', 'c', 'a')).toBe(3);
    expect(run('DEL', 'a', 'c', 'a')).toBe(1);
    expect(run('EXISTS', 'a')).toBe(0);
    expect(run('DEL')).toEqual({ err: "ERR wrong number of arguments for 'del' command" });
  });

  it('INCR, DECR, INCRBY, DECRBY: integers, errors, overflow, the TTL kept', () => {
    expect(run('INCR', 'n')).toBe(1);
    expect(run('INCR', 'n')).toBe(2);
    expect(run('DECR', 'n')).toBe(1);
    expect(run('DECR', 'm')).toBe(-1);
    expect(run('INCRBY', 'n', '41')).toBe(42);
    expect(run('DECRBY', 'n', '50')).toBe(-8);
    expect(run('GET', 'n')).toBe('-8');
    run('SET', 's', 'abc');
    expect(run('INCR', 's')).toEqual({ err: 'ERR value is not an integer or out of range' });
    run('SET', 's', '007');
    expect(run('INCR', 's')).toEqual({ err: 'ERR value is not an integer or out of range' });
    expect(run('INCRBY', 'n', '1.5')).toEqual({ err: 'ERR value is not an integer or out of range' });
    run('SET', 'big', '9223372036854775806');
    expect(raw('INCR', 'big')).toBe(':9223372036854775807\r\n');
    expect(run('INCR', 'big')).toEqual({ err: 'ERR increment or decrement would overflow' });
    run('SET', 't', '10', 'EX', '50');
    expect(run('INCR', 't')).toBe(11);
    expect(run('TTL', 't')).toBe(50);
    expect(run('INCR')).toEqual({ err: "ERR wrong number of arguments for 'incr' command" });
  });

  it('TTL with virtual time: -2 missing, -1 persistent, expiry on access', async () => {
    expect(run('TTL', 'k')).toBe(-2);
    run('SET', 'k', 'v');
    expect(run('TTL', 'k')).toBe(-1);
    expect(run('EXPIRE', 'k', '10')).toBe(1);
    expect(run('TTL', 'k')).toBe(10);
    expect(run('PTTL', 'k')).toBe(10_000);
    t.clock.advance(2_400);
    expect(run('TTL', 'k')).toBe(8); // 7.6 s rounds to 8, as Redis rounds
    expect(run('PTTL', 'k')).toBe(7_600);
    t.clock.advance(7_599);
    expect(run('GET', 'k')).toBe('v');
    t.clock.advance(1);
    expect(run('GET', 'k')).toBeNull();
    expect(run('TTL', 'k')).toBe(-2);
    expect(run('EXPIRE', 'k', '10')).toBe(0);
  });

  it('SET EX / PX expire the key on the reactor clock', async () => {
    run('SET', 'a', '1', 'EX', '5');
    run('SET', 'b', '2', 'PX', '1500');
    await t.advance(1_499);
    expect(run('EXISTS', 'a', 'b')).toBe(2);
    await t.advance(1);
    expect(run('EXISTS', 'a', 'b')).toBe(1);
    await t.advance(3_500);
    expect(run('GET', 'a')).toBeNull();
  });

  it('the periodic sweep deletes expired keys nobody reads', async () => {
    for (let i = 0; i < 1000; i++) c.send(request('SET', `tmp:${i}`, 'x', 'PX', String(100 + i)));
    run('SET', 'keep', 'y');
    const store = t.get(KeyValueStore);
    expect(store.size).toBe(1001);
    await t.advance(1_200); // every key past its deadline; 12 sweeps of 200 keys each at most
    expect(store.size).toBe(1);
    expect(run('DBSIZE')).toBe(1);
    expect(t.reactor.pendingTimers).toBe(1); // just the sweep
  });

  it('the sweep batch is configurable (KV_OPTIONS)', async () => {
    await t.close();
    t = createTestingApp(RespKvModule, { overrides: [{ provide: KV_OPTIONS, useValue: { sweepIntervalMs: 1000, sweepBatch: 10 } }] });
    c = t.connect(RespKv);
    for (let i = 0; i < 50; i++) c.send(request('SET', `k${i}`, 'x', 'PX', '10'));
    await t.advance(1000);
    expect(t.get(KeyValueStore).size).toBe(40);
    await t.advance(4000);
    expect(t.get(KeyValueStore).size).toBe(0);
  });

  it('EXPIRE / PEXPIRE options NX XX GT LT, PERSIST, past deadlines delete', () => {
    run('SET', 'k', 'v');
    expect(run('EXPIRE', 'k', '100', 'XX')).toBe(0);
    expect(run('EXPIRE', 'k', '100', 'GT')).toBe(0); // no TTL counts as infinite
    expect(run('EXPIRE', 'k', '100', 'NX')).toBe(1);
    expect(run('EXPIRE', 'k', '50', 'NX')).toBe(0);
    expect(run('EXPIRE', 'k', '50', 'GT')).toBe(0);
    expect(run('EXPIRE', 'k', '200', 'GT')).toBe(1);
    expect(run('EXPIRE', 'k', '300', 'LT')).toBe(0);
    expect(run('PEXPIRE', 'k', '5000', 'LT')).toBe(1);
    expect(run('PTTL', 'k')).toBe(5000);
    expect(run('PERSIST', 'k')).toBe(1);
    expect(run('PERSIST', 'k')).toBe(0);
    expect(run('TTL', 'k')).toBe(-1);
    expect(run('EXPIRE', 'k', '10', 'NX', 'XX')).toEqual({ err: 'ERR NX and XX, GT or LT options at the same time are not compatible' });
    expect(run('EXPIRE', 'k', '10', 'GT', 'LT')).toEqual({ err: 'ERR GT and LT options at the same time are not compatible' });
    expect(run('EXPIRE', 'k', '10', 'SOON')).toEqual({ err: 'ERR Unsupported option SOON' });
    expect(run('EXPIRE', 'k', 'x')).toEqual({ err: 'ERR value is not an integer or out of range' });
    expect(run('EXPIRE', 'k', '9223372036854775')).toEqual({ err: "ERR invalid expire time in 'expire' command" });
    expect(run('EXPIRE', 'k')).toEqual({ err: "ERR wrong number of arguments for 'expire' command" });
    expect(run('EXPIRE', 'k', '-1')).toBe(1);
    expect(run('EXISTS', 'k')).toBe(0);
  });

  it('KEYS with glob patterns', () => {
    for (const key of ['hello', 'hallo', 'hxllo', 'hllo', 'heeeello', 'h*llo', 'other']) run('SET', key, '1');
    const keys = (pattern: string): string[] => (run('KEYS', pattern) as string[]).sort();
    expect(keys('*')).toEqual(['h*llo', 'hallo', 'heeeello', 'hello', 'hllo', 'hxllo', 'other']);
    expect(keys('h?llo')).toEqual(['h*llo', 'hallo', 'hello', 'hxllo']);
    expect(keys('h*llo')).toEqual(['h*llo', 'hallo', 'heeeello', 'hello', 'hllo', 'hxllo']);
    expect(keys('h[ae]llo')).toEqual(['hallo', 'hello']);
    expect(keys('h[^e]llo')).toEqual(['h*llo', 'hallo', 'hxllo']);
    expect(keys('h[a-b]llo')).toEqual(['hallo']);
    expect(keys('h[b-a]llo')).toEqual(['hallo']);
    expect(keys('h\\*llo')).toEqual(['h*llo']);
    expect(keys('nothing*')).toEqual([]);
    expect(keys('*o*r')).toEqual(['other']);
  });

  it('glob edge cases follow stringmatchlen', () => {
    const m = (pattern: string, subject: string): boolean => new GlobPattern(pattern).matches(subject);
    expect(m('[]', 'a')).toBe(false);
    expect(m('[^]', 'a')).toBe(true);
    expect(m('a[bc', 'ab')).toBe(true); // an unclosed set runs to the end
    expect(m('a\\', 'a\\')).toBe(true); // a trailing backslash is literal
    expect(m('a.c', 'abc')).toBe(false); // regex characters are literals
    expect(m('(x)+', '(x)+')).toBe(true);
    expect(m('*', 'line\nbreak')).toBe(true);
    expect(m('[\\]]', ']')).toBe(true);
  });

  it('regression: expire times Redis 7.0 accepts are accepted, and its overflow rules kept exactly', () => {
    run('SET', 'k', 'v');
    expect(run('SET', 'k', 'v', 'EX', '9223372036854')).toEqual({ ok: 'OK' });
    expect(run('TTL', 'k')).toBe(9223372036854);
    expect(raw('PTTL', 'k')).toBe(':9223372036854000\r\n'); // beyond 2^53, to the millisecond
    expect(run('EXPIRE', 'k', '4503599627371')).toBe(1);
    expect(run('TTL', 'k')).toBe(4503599627371);
    expect(run('SET', 'k', 'v', 'PX', '4503599627370497')).toEqual({ ok: 'OK' });
    expect(run('PTTL', 'k')).toBe(4503599627370497);
    expect(run('PEXPIRE', 'k', '9223370000000000000')).toBe(1);
    expect(raw('PTTL', 'k')).toBe(':9223370000000000000\r\n');
    expect(run('PEXPIRE', 'k', '-4503599627370497')).toBe(1); // a past deadline deletes
    expect(run('EXISTS', 'k')).toBe(0);
    expect(run('PEXPIRE', 'nokey', '-9223372036854775808')).toBe(0);
    run('SET', 'k', 'v');
    expect(run('PEXPIRE', 'k', '-9223372036854775808')).toBe(1);
    expect(run('EXISTS', 'k')).toBe(0);
    run('SET', 'k', 'v');
    expect(run('EXPIRE', 'k', '-9223372036854775')).toBe(1); // LLONG_MIN / 1000, truncated
    run('SET', 'k', 'v');
    const setError = { err: "ERR invalid expire time in 'set' command" };
    expect(run('SET', 'k', 'v', 'EX', '9223372036854775807')).toEqual(setError); // seconds overflow in ms
    expect(run('SET', 'k', 'v', 'EX', '9223372036854775')).toEqual(setError); // ms + now overflows
    expect(run('SET', 'k', 'v', 'PX', '9223372036854775807')).toEqual(setError);
    expect(run('EXPIRE', 'k', '-9223372036854776')).toEqual({ err: "ERR invalid expire time in 'expire' command" });
    expect(run('EXPIRE', 'k', '9223372036854774')).toEqual({ err: "ERR invalid expire time in 'expire' command" }); // + now
    expect(run('PEXPIRE', 'k', '9223372036854775806')).toEqual({ err: "ERR invalid expire time in 'pexpire' command" });
    expect(run('PEXPIRE', 'nokey', '9223372036854775807')).toEqual({ err: "ERR invalid expire time in 'pexpire' command" });
    expect(run('GET', 'k')).toBe('v');
    expect(run('TTL', 'k')).toBe(-1);
  });

  it('regression: KEYS ** does not list the empty key; KEYS * and KEYS "" do (as Redis 7.0)', () => {
    run('SET', '', 'e');
    run('SET', 'k', 'v');
    expect((run('KEYS', '*') as string[]).sort()).toEqual(['', 'k']);
    expect(run('KEYS', '**')).toEqual(['k']);
    expect(run('KEYS', '*?*')).toEqual(['k']);
    expect(run('KEYS', '')).toEqual(['']);
  });

  it('regression: a KEYS or CONFIG GET pattern of 32 KiB and more is matched (Redis answers *0), nothing logged', () => {
    run('SET', 'a', '1');
    for (const pattern of ['a'.repeat(40_000), `*${'?'.repeat(32_768)}`, `${'[a-z]'.repeat(8_000)}*`, '*a'.repeat(20_000)]) {
      expect(raw('KEYS', pattern)).toBe('*0\r\n');
      expect(raw('CONFIG', 'GET', pattern)).toBe('*0\r\n');
    }
    expect(raw('KEYS', `a${'*'.repeat(40_000)}`)).toBe('*1\r\n$1\r\na\r\n');
    expect(c.closed).toBe(false);
    expect(t.logs.records).toEqual([]);
  });

  it('regression: COMMAND COUNT with an argument, and CONFIG GET names, as Redis 7.0 answers them', () => {
    expect(run('COMMAND', 'COUNT', 'x')).toEqual({ err: "ERR wrong number of arguments for 'command|count' command" });
    expect(run('command', 'Count', 'x', 'y')).toEqual({ err: "ERR wrong number of arguments for 'command|count' command" });
    expect(run('CONFIG', 'GET', 'SAVE')).toEqual(['SAVE', '']);
    expect(run('CONFIG', 'GET', 'Save', 'appendonly')).toEqual(['Save', '', 'appendonly', 'no']);
    expect(run('CONFIG', 'GET', 'save', 'SAVE', 'sav*')).toEqual(['save', '']); // each parameter once
    expect(run('CONFIG', 'GET', 'SA*')).toEqual(['save', '']); // a pattern answers the parameter's own name
    expect(run('CONFIG', 'GET', 'sa\\ve')).toEqual([]); // no [*? : looked up by name, escapes and all
    expect(run('CONFIG', 'GET', '[Z-a]ppendonly')).toEqual([]);
    expect(run('CONFIG', 'GET', '[A-Z]ppendonly')).toEqual(['appendonly', 'no']);
  });

  it('KEYS skips expired keys', async () => {
    run('SET', 'a', '1', 'PX', '10');
    run('SET', 'b', '1');
    t.clock.advance(10);
    expect(run('KEYS', '*')).toEqual(['b']);
  });

  it('FLUSHALL, DBSIZE', () => {
    run('SET', 'a', '1');
    run('SET', 'b', '2', 'EX', '10');
    expect(run('DBSIZE')).toBe(2);
    expect(run('FLUSHALL')).toEqual({ ok: 'OK' });
    expect(run('DBSIZE')).toBe(0);
    expect(run('FLUSHALL', 'ASYNC')).toEqual({ ok: 'OK' });
    expect(run('FLUSHALL', 'NOW')).toEqual({ err: 'ERR syntax error' });
  });

  it('unknown commands and wrong arity: Redis 7.0 wording, the connection stays open', () => {
    expect(raw('foo', 'a', 'b')).toBe("-ERR unknown command 'foo', with args beginning with: 'a' 'b' \r\n");
    expect(raw('FOO')).toBe("-ERR unknown command 'FOO', with args beginning with: \r\n");
    expect(raw('nope', 'line\r\nbreak')).toBe("-ERR unknown command 'nope', with args beginning with: 'line  break' \r\n");
    const long = raw('x', 'a'.repeat(200), 'b');
    expect(long).toBe(`-ERR unknown command 'x', with args beginning with: '${'a'.repeat(128)}' \r\n`);
    expect(raw('GET')).toBe("-ERR wrong number of arguments for 'get' command\r\n");
    expect(raw('get', 'a', 'b')).toBe("-ERR wrong number of arguments for 'get' command\r\n");
    expect(raw('Get', 'a')).toBe('$-1\r\n'); // command names are case-insensitive
    expect(c.closed).toBe(false);
  });

  it('COMMAND COUNT counts COMMAND_NAMES, and each of them is routed', () => {
    expect(run('COMMAND', 'COUNT')).toBe(COMMAND_NAMES.length);
    for (const name of COMMAND_NAMES.filter((n) => n !== 'QUIT')) expect(JSON.stringify(run(name))).not.toContain('unknown command');
    expect(run('NOT_ROUTED')).toEqual({ err: "ERR unknown command 'NOT_ROUTED', with args beginning with: " });
  });

  it('COMMAND and CONFIG GET answer what clients ask on connect', () => {
    expect(run('COMMAND')).toEqual([]);
    expect(run('COMMAND', 'DOCS')).toEqual([]);
    expect(typeof run('COMMAND', 'COUNT')).toBe('number');
    expect(run('CONFIG', 'GET', 'save')).toEqual(['save', '']);
    expect(run('CONFIG', 'GET', 'appendonly')).toEqual(['appendonly', 'no']);
    expect(run('config', 'get', 'SAVE', 'append*')).toEqual(['SAVE', '', 'appendonly', 'no']); // a name is echoed as given, as Redis 7 does
    expect(run('CONFIG', 'GET', 'no-such-thing')).toEqual([]);
    expect(run('CONFIG', 'GET')).toEqual({ err: "ERR wrong number of arguments for 'config|get' command" });
    expect(run('CONFIG', 'SET', 'save', '')).toEqual({ err: "ERR unknown subcommand 'SET'. Try CONFIG HELP." });
    expect(run('CONFIG')).toEqual({ err: "ERR wrong number of arguments for 'config' command" });
  });

  it('pipelined input byte by byte: every reply, in order', () => {
    const input = Buffer.concat([
      request('SET', 'k', 'hello'),
      request('GET', 'k'),
      Buffer.from('PING\r\n'),
      request('INCR', 'n'),
      request('BOGUS'),
      request('INCR', 'n'),
      request('DEL', 'k', 'n'),
      request('GET', 'k'),
    ]);
    c.send(input, { split: 1 });
    expect(parseReplies(c.written())).toEqual([
      { ok: 'OK' },
      'hello',
      { ok: 'PONG' },
      1,
      { err: "ERR unknown command 'BOGUS', with args beginning with: " },
      2,
      2,
      null,
    ]);
  });

  it('QUIT replies +OK and closes; commands pipelined after it are not run', () => {
    c.send(Buffer.concat([request('SET', 'a', '1'), request('QUIT'), request('SET', 'b', '2')]));
    expect(c.text()).toBe('+OK\r\n+OK\r\n');
    expect(c.closed).toBe(true);
    expect(c.closeReason?.kind).toBe('done');
    const other = t.connect(RespKv);
    other.send(request('EXISTS', 'a', 'b'));
    expect(other.text()).toBe(':1\r\n');
  });

  it('a broken request gets -ERR Protocol error and a close; other clients go on', () => {
    const other = t.connect(RespKv);
    c.send('*1\r\n+PING\r\n');
    expect(c.text()).toBe("-ERR Protocol error: expected '$', got '+'\r\n");
    expect(c.closed).toBe(true);
    other.send(request('PING'));
    expect(other.text()).toBe('+PONG\r\n');
  });

  it('the keyspace is shared by every connection (a singleton)', () => {
    const other = t.connect(RespKv);
    run('SET', 'shared', 'yes');
    other.send(request('GET', 'shared'));
    expect(other.text()).toBe('$3\r\nyes\r\n');
  });
});
