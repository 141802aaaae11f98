import { ReconnectPolicy, OptionError } from '../../src';

describe('ReconnectPolicy', () => {
  it('backs off exponentially from initialDelayMs and caps at maxDelayMs', () => {
    const policy = new ReconnectPolicy({ initialDelayMs: 100, factor: 2, maxDelayMs: 1000, jitter: 0 });
    expect([1, 2, 3, 4, 5, 6].map((n) => policy.delay(n))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('waits initialDelayMs after a connection that was up drops (failures 0)', () => {
    expect(new ReconnectPolicy({ initialDelayMs: 250, jitter: 0 }).delay(0)).toBe(250);
  });

  it('spreads by at most ±jitter and never past maxDelayMs', () => {
    const policy = new ReconnectPolicy({ initialDelayMs: 1000, maxDelayMs: 1050, jitter: 0.1 });
    expect(policy.delay(1, () => 0)).toBe(900);
    expect(policy.delay(1, () => 0.5)).toBe(1000);
    expect(policy.delay(1, () => 0.999999)).toBe(1050);
  });

  it('retries up to maxRetries consecutive failures', () => {
    const policy = new ReconnectPolicy({ maxRetries: 2 });
    expect([1, 2, 3].map((n) => policy.retries(n))).toEqual([true, true, false]);
    expect(new ReconnectPolicy().retries(1e9)).toBe(true);
  });

  it.each([
    [{ initialDelayMs: -1 }, /initialDelayMs/],
    [{ initialDelayMs: 100, maxDelayMs: 50 }, /maxDelayMs \(50\) must be finite and at least initialDelayMs \(100\)/],
    [{ factor: 0.5 }, /factor/],
    [{ jitter: 2 }, /jitter/],
    [{ maxRetries: 1.5 }, /maxRetries/],
  ])('rejects %p with an OptionError naming the option', (options, message) => {
    expect(() => new ReconnectPolicy(options)).toThrow(OptionError);
    expect(() => new ReconnectPolicy(options)).toThrow(message);
  });
});
