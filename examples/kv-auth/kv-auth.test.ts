import { Registry } from 'prom-client';
import { BootstrapError } from 'torsion';
import { createTestingApp, type TestConnection, type TestingApp } from 'torsion/testing';
import { parseReplies, request, type Reply } from '../resp-kv/test-support';
import { KvAuth, KvAuthModule } from './app';

describe('examples/kv-auth (in memory)', () => {
  let t: TestingApp;
  let registry: Registry;

  beforeEach(() => {
    registry = new Registry();
    t = createTestingApp(KvAuthModule.configure({ password: 'secret', registry }));
  });
  afterEach(() => t.close());

  /** Sends the commands; returns their replies. */
  function run(c: TestConnection<KvAuth>, ...commands: string[][]): Reply[] {
    c.clear();
    c.send(Buffer.concat(commands.map((args) => request(...args))));
    return parseReplies(c.written());
  }

  const NOAUTH = { err: 'NOAUTH Authentication required.' };
  const WRONGPASS = { err: 'WRONGPASS invalid username-password pair or user is disabled.' };

  it('denies every command before AUTH with NOAUTH, and the connection goes on to authenticate', () => {
    const c = t.connect(KvAuth);
    expect(run(c, ['GET', 'k'], ['SET', 'k', 'v'], ['PING'], ['DEL', 'k'])).toEqual([NOAUTH, NOAUTH, NOAUTH, NOAUTH]);
    expect(c.closed).toBe(false);
    expect(run(c, ['AUTH', 'guess'], ['GET', 'k'], ['AUTH', 'secret'], ['SET', 'k', 'v'], ['GET', 'k'], ['PING'])).toEqual([WRONGPASS, NOAUTH, { ok: 'OK' }, { ok: 'OK' }, 'v', { ok: 'PONG' }]);
    expect(run(c, ['AUTH', 'wrong'], ['GET', 'k'], ['DEL', 'k', 'x'])).toEqual([WRONGPASS, 'v', 1]); // a failed AUTH does not log out
  });

  it('AUTH default <password> (Redis 6) works; another user name does not, even with the password', () => {
    const c = t.connect(KvAuth);
    expect(run(c, ['AUTH', 'bob', 'secret'], ['GET', 'k'], ['auth', 'default', 'secret'], ['GET', 'k'])).toEqual([WRONGPASS, NOAUTH, { ok: 'OK' }, null]);
  });

  it('authentication belongs to the connection; the keyspace is shared', () => {
    const a = t.connect(KvAuth);
    const b = t.connect(KvAuth);
    expect(run(a, ['AUTH', 'secret'], ['SET', 'shared', 'yes'])).toEqual([{ ok: 'OK' }, { ok: 'OK' }]);
    expect(run(b, ['GET', 'shared'])).toEqual([NOAUTH]);
    expect(run(b, ['AUTH', 'secret'], ['GET', 'shared'])).toEqual([{ ok: 'OK' }, 'yes']);
  });

  it('unknown commands and wrong arity get Redis errors (an unknown command before the auth check, as in Redis); QUIT needs no AUTH', () => {
    const c = t.connect(KvAuth);
    expect(run(c, ['FLY'], ['AUTH'])).toEqual([{ err: "ERR unknown command 'FLY'" }, { err: "ERR wrong number of arguments for 'auth' command" }]);
    expect(run(c, ['AUTH', 'secret'], ['SET', 'k'])).toEqual([{ ok: 'OK' }, { err: "ERR wrong number of arguments for 'set' command" }]);
    const other = t.connect(KvAuth);
    other.send(request('QUIT'));
    expect(other.text()).toBe('+OK\r\n');
    expect(other.closeReason?.kind).toBe('done');
  });

  it('times every command that passed the guard into kv_command_duration_seconds{command}', async () => {
    const c = t.connect(KvAuth);
    run(c, ['GET', 'k'], ['AUTH', 'nope'], ['AUTH', 'secret'], ['SET', 'k', 'v'], ['GET', 'k'], ['GET', 'k'], ['BOGUS']);
    const text = await registry.metrics();
    expect(text).toContain('kv_command_duration_seconds_count{command="AUTH"} 2');
    expect(text).toContain('kv_command_duration_seconds_count{command="SET"} 1');
    expect(text).toContain('kv_command_duration_seconds_count{command="GET"} 2'); // the denied GET is not timed
    expect(text).not.toContain('BOGUS');
  });

  it('does not start without a password', () => {
    expect(() => createTestingApp(KvAuthModule)).toThrow(BootstrapError);
  });
});
