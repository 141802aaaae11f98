import { OptionError, Reactor } from 'torsion';
import { MemoryLogger, VirtualClock } from 'torsion/testing';

function reactorOnVirtualTime(): { reactor: Reactor; clock: VirtualClock; logs: MemoryLogger } {
  const clock = new VirtualClock();
  const logs = new MemoryLogger();
  return { reactor: new Reactor(clock, logs), clock, logs };
}

describe('Reactor timers (on a virtual clock)', () => {
  it('callLater runs once after its delay, in time order with other calls', () => {
    const { reactor, clock } = reactorOnVirtualTime();
    const ran: Array<[string, number]> = [];
    reactor.callLater(200, () => ran.push(['late', clock.now()]));
    const early = reactor.callLater(100, () => ran.push(['early', clock.now()]));
    expect(reactor.pendingTimers).toBe(2);
    clock.advance(99);
    expect(ran).toEqual([]);
    expect(early.active).toBe(true);
    clock.advance(1);
    expect(ran).toEqual([['early', 100]]);
    expect(early.active).toBe(false);
    clock.advance(1_000);
    expect(ran).toEqual([['early', 100], ['late', 200]]);
    expect(reactor.pendingTimers).toBe(0);
  });

  it('cancel stops a call that has not run; cancelling again does nothing', () => {
    const { reactor, clock } = reactorOnVirtualTime();
    const fn = jest.fn();
    const call = reactor.callLater(10, fn);
    call.cancel();
    call.cancel();
    clock.advance(100);
    expect(fn).not.toHaveBeenCalled();
    expect(call.active).toBe(false);
    expect(reactor.pendingTimers).toBe(0);
  });

  it('a throwing callLater callback is logged and does not stop other timers', () => {
    const { reactor, clock, logs } = reactorOnVirtualTime();
    const after = jest.fn();
    reactor.callLater(5, () => {
      throw new Error('oops');
    });
    reactor.callLater(6, after);
    clock.advance(10);
    expect(after).toHaveBeenCalledTimes(1);
    expect(logs.at('error')).toEqual([expect.objectContaining({ msg: 'callLater callback failed', fields: { err: new Error('oops') } })]);
  });

  it('every runs at each interval, scheduling the next call after the current one returns', () => {
    const { reactor, clock } = reactorOnVirtualTime();
    const at: number[] = [];
    const loop = reactor.every(50, () => at.push(clock.now()));
    clock.advance(175);
    expect(at).toEqual([50, 100, 150]);
    loop.stop();
    clock.advance(1_000);
    expect(at).toEqual([50, 100, 150]);
    expect(loop.active).toBe(false);
    expect(reactor.pendingTimers).toBe(0);
  });

  it('every with now: true runs at once, then at each interval', () => {
    const { reactor, clock } = reactorOnVirtualTime();
    const at: number[] = [];
    reactor.every(10, () => at.push(clock.now()), { now: true });
    expect(at).toEqual([0]);
    clock.advance(25);
    expect(at).toEqual([0, 10, 20]);
  });

  it('every stops for good when its callback throws, and logs the error', () => {
    const { reactor, clock, logs } = reactorOnVirtualTime();
    let calls = 0;
    const loop = reactor.every(10, () => {
      calls++;
      if (calls === 2) throw new Error('second call fails');
    });
    clock.advance(100);
    expect(calls).toBe(2);
    expect(loop.active).toBe(false);
    expect(reactor.pendingTimers).toBe(0);
    expect(logs.at('error').map((r) => r.msg)).toEqual(['every callback failed']);
  });

  it('every stops when its callback rejects (logged once the promise settles)', async () => {
    const { reactor, clock, logs } = reactorOnVirtualTime();
    const loop = reactor.every(10, () => Promise.reject(new Error('async failure')));
    clock.advance(10);
    await Promise.resolve();
    expect(loop.active).toBe(false);
    expect(logs.at('error').map((r) => r.msg)).toEqual(['every callback failed']);
    clock.advance(100);
    expect(logs.at('error')).toHaveLength(1);
  });

  it('stop cancels every pending timer', async () => {
    const { reactor, clock } = reactorOnVirtualTime();
    const fn = jest.fn();
    reactor.callLater(10, fn);
    reactor.every(10, fn);
    await reactor.stop();
    clock.advance(100);
    expect(fn).not.toHaveBeenCalled();
    expect(reactor.pendingTimers).toBe(0);
    expect(reactor.running).toBe(false);
  });

  it('rejects invalid delays', () => {
    const { reactor } = reactorOnVirtualTime();
    expect(() => reactor.callLater(-1, () => undefined)).toThrow(OptionError);
    expect(() => reactor.callLater(Number.NaN, () => undefined)).toThrow(OptionError);
    expect(() => reactor.every(0, () => undefined)).toThrow(OptionError);
  });
});
