import { Catch, OnCommand, Protocol, UseFilters, UseGuards, resp, respCommand, type ExceptionFilter, type RouteContext } from 'torsion';
import { protocolApps } from '../support/protocol-app';

/**
 * RESP routes take their arguments from the request array in place (no arguments array for a
 * route without guards or interceptors): the handler must see exactly what a spread of the
 * request's tail gives, whatever the count, and the checks and filters must behave as on the
 * general path (which routes with guards take).
 */

const app = protocolApps();

/** A bulk string reply. */
function bulk(text: string): string {
  return `$${Buffer.byteLength(text)}\r\n${text}\r\n`;
}

/** A RESP multibulk request. */
function request(...args: string[]): string {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
}

class Boom extends Error {}

@Catch(Boom)
class BoomReply implements ExceptionFilter<Boom> {
  catch(error: Boom, context: RouteContext): string {
    return `caught ${error.message} in ${context.route} args=${JSON.stringify(context.args)} frame=${JSON.stringify(context.frame)}`;
  }
}

class Always {
  canActivate(): boolean {
    return true;
  }
}

@UseFilters(BoomReply)
@Protocol({ codec: resp({ output: 'string' }), router: respCommand({ state: 'phase' }) })
class Args {
  phase = 'open';

  @OnCommand('COUNT') count(...args: string[]): string {
    return `${arguments.length}:${args.join(',')}`;
  }
  @OnCommand('DEFAULTS', { maxArgs: 2 }) defaults(a = 'da', b = 'db'): string {
    return `${arguments.length}:${a},${b}`;
  }
  @OnCommand('THROW', { minArgs: 1 }) throws(what: string): string {
    throw new Boom(what);
  }
  @OnCommand('REJECT', { minArgs: 1 }) async rejects(what: string): Promise<string> {
    await Promise.resolve();
    throw new Boom(what);
  }
  @OnCommand('CLOSE', { when: 'open' }) close(): string {
    this.phase = 'closed';
    return 'closed';
  }
  @OnCommand('PAIR', { minArgs: 2, maxArgs: 2, when: ['open', 'closed'] }) pair(a: string, b: string): string {
    return `${a}+${b}`;
  }
  @UseGuards(Always)
  @OnCommand('GUARDED') guarded(...args: string[]): string {
    return `${arguments.length}:${args.join(',')}`;
  }
}

describe('RESP routes: arguments taken from the request in place', () => {
  it('passes exactly the request tail, for every count (0 to 7), as the general path does', () => {
    const c = app(Args).connect(Args);
    const tails = [[], ['a'], ['a', 'b'], ['a', 'b', 'c'], ['a', 'b', 'c', 'd'], ['a', 'b', 'c', 'd', 'e'], ['1', '2', '3', '4', '5', '6', '7']];
    c.send(tails.map((tail) => request('COUNT', ...tail)).join('') + tails.map((tail) => request('GUARDED', ...tail)).join(''));
    const expected = tails.map((tail) => `${tail.length}:${tail.join(',')}`);
    expect(c.text()).toBe([...expected, ...expected].map(bulk).join(''));
  });

  it('missing arguments are missing (defaults apply), not undefined ones', () => {
    const c = app(Args).connect(Args);
    c.send(request('DEFAULTS') + request('defaults', 'x') + request('DEFAULTS', 'x', 'y') + request('DEFAULTS', 'x', 'y', 'z'));
    expect(c.text()).toBe(`${bulk('0:da,db')}${bulk('1:x,db')}${bulk('2:x,y')}-ERR wrong number of arguments for 'defaults' command\r\n`);
  });

  it('checks the state, then the arity, before calling', () => {
    const c = app(Args).connect(Args);
    c.send(request('PAIR', 'a') + request('PAIR', 'a', 'b') + request('CLOSE') + request('CLOSE') + request('PAIR', 'x', 'y', 'z') + request('PAIR', 'x', 'y'));
    expect(c.text()).toBe("-ERR wrong number of arguments for 'pair' command\r\n$3\r\na+b\r\n$6\r\nclosed\r\n-ERR 'close' is not allowed in this state\r\n-ERR wrong number of arguments for 'pair' command\r\n$3\r\nx+y\r\n");
  });

  it('offers a sync throw and an async rejection to the filters, with the arguments and the frame in the context', async () => {
    const c = app(Args).connect(Args);
    c.send(request('THROW', 'x', 'y') + request('REJECT', 'z') + request('COUNT', 'after'));
    await c.settle();
    const replies = ['caught x in THROW args=["x","y"] frame=["THROW","x","y"]', 'caught z in REJECT args=["z"] frame=["REJECT","z"]', '1:after'];
    expect(c.text()).toBe(replies.map(bulk).join(''));
    expect(c.closed).toBe(false);
  });

  it('passes Buffers when the codec decodes to Buffers', () => {
    @Protocol({ codec: resp() })
    class Bytes {
      @OnCommand('LEN') len(...args: Buffer[]): string {
        return args.map((a) => `${Buffer.isBuffer(a)}:${a.length}`).join(' ');
      }
    }
    const c = app(Bytes).connect(Bytes);
    c.send(request('LEN', 'ab', 'cde'));
    expect(c.text()).toBe(bulk('true:2 true:3'));
  });
});
