import { Random } from './random';

describe('Random.timeOrderedUuid', () => {
  const sut = new Random();

  it('is a version 7 UUID (RFC 9562 §5.7) carrying the current millisecond', () => {
    const before = Date.now();
    const id = sut.timeOrderedUuid();
    const after = Date.now();
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const ms = parseInt(id.replace(/-/g, '').slice(0, 12), 16);
    expect(ms).toBeGreaterThanOrEqual(before);
    expect(ms).toBeLessThanOrEqual(after);
  });

  it('never repeats, across refills of its entropy pool', () => {
    const ids = Array.from({ length: 1000 }, () => sut.timeOrderedUuid());
    expect(new Set(ids).size).toBe(ids.length);
    // 73 random bits per id: the random tails are distinct too, not only the timestamps.
    expect(new Set(ids.map((id) => id.slice(15))).size).toBe(ids.length);
  });

  it('sorts ids of later milliseconds after earlier ones', async () => {
    const first = sut.timeOrderedUuid();
    const start = Date.now();
    await new Promise<void>((resolve) => {
      const wait = () => (Date.now() > start ? resolve() : setImmediate(wait));
      wait();
    });
    const later = sut.timeOrderedUuid();
    expect(later > first).toBe(true);
  });
});
