import { Module, OptionError, Reactor, injectable } from 'torsion';
import { ClockRunawayError, VirtualClock, createTestingApp } from 'torsion/testing';

describe('VirtualClock', () => {
  it('runs nothing until advanced, then each timer at its own due time, in time order', () => {
    const clock = new VirtualClock();
    const ran: Array<[string, number]> = [];
    clock.setTimer(30, () => ran.push(['c', clock.now()]));
    clock.setTimer(10, () => ran.push(['a', clock.now()]));
    clock.setTimer(20, () => ran.push(['b', clock.now()]));
    clock.advance(9);
    expect(ran).toEqual([]);
    expect(clock.advance(100)).toBe(3);
    expect(ran).toEqual([['a', 10], ['b', 20], ['c', 30]]);
    expect(clock.now()).toBe(109);
  });

  it('runs timers due at the same time in the order they were set', () => {
    const clock = new VirtualClock();
    const ran: number[] = [];
    for (let i = 0; i < 5; i++) clock.setTimer(5, () => ran.push(i));
    clock.advance(5);
    expect(ran).toEqual([0, 1, 2, 3, 4]);
  });

  it('runs timers scheduled during an advance when they fall due within it, after earlier ones', () => {
    const clock = new VirtualClock();
    const ran: Array<[string, number]> = [];
    clock.setTimer(10, () => {
      ran.push(['first', clock.now()]);
      clock.setTimer(5, () => ran.push(['nested', clock.now()]));
      clock.setTimer(0, () => ran.push(['immediate', clock.now()]));
      clock.setTimer(100, () => ran.push(['too late', clock.now()]));
    });
    clock.setTimer(12, () => ran.push(['second', clock.now()]));
    clock.advance(20);
    expect(ran).toEqual([['first', 10], ['immediate', 10], ['second', 12], ['nested', 15]]);
    expect(clock.pending).toBe(1);
    expect(clock.nextDue()).toBe(110);
  });

  it('never runs a cleared timer; clearing twice or after it ran does nothing', () => {
    const clock = new VirtualClock();
    const ran: string[] = [];
    const a = clock.setTimer(1, () => ran.push('a'));
    const b = clock.setTimer(2, () => ran.push('b'));
    clock.clearTimer(a);
    clock.clearTimer(a);
    clock.advance(5);
    clock.clearTimer(b);
    expect(ran).toEqual(['b']);
  });

  it('treats negative and non-finite delays as zero, and refuses to go back in time', () => {
    const clock = new VirtualClock({ start: 50 });
    const ran: number[] = [];
    clock.setTimer(-5, () => ran.push(clock.now()));
    clock.setTimer(Number.NaN, () => ran.push(clock.now()));
    clock.advance(0);
    expect(ran).toEqual([50, 50]);
    expect(() => clock.advance(-1)).toThrow(OptionError);
    expect(() => clock.advance(Number.POSITIVE_INFINITY)).toThrow(OptionError);
  });

  it('runNext jumps to the next due time', () => {
    const clock = new VirtualClock();
    clock.setTimer(70, () => undefined);
    expect(clock.runNext()).toBe(1);
    expect(clock.now()).toBe(70);
    expect(clock.runNext()).toBe(0);
    expect(clock.now()).toBe(70);
  });

  it('propagates a throwing callback, leaving time at its due time and later timers pending', () => {
    const clock = new VirtualClock();
    clock.setTimer(10, () => {
      throw new Error('bad timer');
    });
    clock.setTimer(20, () => undefined);
    expect(() => clock.advance(50)).toThrow('bad timer');
    expect(clock.now()).toBe(10);
    expect(clock.pending).toBe(1);
  });

  it('stops a callback that keeps scheduling zero-delay timers with ClockRunawayError', () => {
    const clock = new VirtualClock({ maxCallsPerAdvance: 100 });
    const spin = (): void => {
      clock.setTimer(0, spin);
    };
    clock.setTimer(0, spin);
    expect(() => clock.advance(1)).toThrow(ClockRunawayError);
  });
});

describe('TestingApp.advance', () => {
  it('gives up with ClockRunawayError when a handler keeps re-arming a zero-delay timer across awaits', async () => {
    @injectable()
    class Spinner {
      constructor(reactor: Reactor) {
        const again = async (): Promise<void> => {
          await Promise.resolve();
          reactor.callLater(0, again);
        };
        reactor.callLater(0, again);
      }
    }
    @Module({ providers: [Spinner] })
    class M {}
    const t = createTestingApp(M);
    await expect(t.advance(10)).rejects.toBeInstanceOf(ClockRunawayError);
    await t.close();
  }, 20_000);
});
