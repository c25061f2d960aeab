import { Random } from '../common/random';
import { backoffDelayMs } from './backoff';

/** Randomness pinned to one byte value: 0x00 gives the lowest jitter, 0xff the highest. */
class ByteRandom extends Random {
  constructor(private readonly byte: number) {
    super();
  }
  override bytes(length: number): Buffer {
    return Buffer.alloc(length, this.byte);
  }
}

describe('backoffDelayMs', () => {
  const policy = { baseSeconds: 30, maxSeconds: 3600 };

  it('doubles the step after each failed attempt, half of it fixed', () => {
    const sut = (attempt: number) => backoffDelayMs(attempt, policy, new ByteRandom(0));
    expect([1, 2, 3, 4].map(sut)).toEqual([15_000, 30_000, 60_000, 120_000]);
  });

  it('adds up to the other half at random', () => {
    const high = backoffDelayMs(3, policy, new ByteRandom(0xff));
    expect(high).toBeGreaterThan(119_000);
    expect(high).toBeLessThanOrEqual(120_000);
  });

  it('never exceeds the maximum, even after very many attempts', () => {
    for (const attempt of [8, 9, 50, 5000]) {
      const delay = backoffDelayMs(attempt, policy, new ByteRandom(0xff));
      expect(delay).toBeLessThanOrEqual(3_600_000);
      expect(delay).toBeGreaterThanOrEqual(1_800_000);
    }
  });

  it('spreads messages that failed together over the second half of the step', () => {
    const delays = new Set(Array.from({ length: 50 }, () => backoffDelayMs(5, policy, new Random())));
    expect(delays.size).toBeGreaterThan(40);
    for (const d of delays) {
      expect(d).toBeGreaterThanOrEqual(240_000);
      expect(d).toBeLessThanOrEqual(480_000);
    }
  });
});
