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

describe('Random.bytes and Random.token', () => {
  const sut = new Random();

  it('give the length asked for, pooled or not', () => {
    for (const n of [0, 1, 16, 32, 64, 65, 4096, 5000]) expect(sut.bytes(n)).toHaveLength(n);
    expect(sut.token(32)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(sut.token(12)).toMatch(/^[A-Za-z0-9_-]{16}$/);
  });

  it('never hand out the same bytes twice, across refills of the block', () => {
    // 4096-byte blocks: 1,000 codes of 32 bytes span eight of them, and a 33-byte request
    // straddles a block's end.
    const values = Array.from({ length: 1000 }, (_, i) => sut.bytes(i % 2 ? 32 : 33).toString('hex'));
    expect(new Set(values).size).toBe(values.length);
    const tokens = Array.from({ length: 1000 }, () => sut.token(16));
    expect(new Set(tokens).size).toBe(tokens.length);
  });

  it('look random: every byte value turns up, none far more often than the rest', () => {
    const counts = new Array<number>(256).fill(0);
    for (let i = 0; i < 2048; i++) for (const b of sut.bytes(32)) counts[b]++;
    // 65,536 bytes: 256 expected per value; a pool handing out zeros or repeats would fail.
    expect(Math.min(...counts)).toBeGreaterThan(150);
    expect(Math.max(...counts)).toBeLessThan(380);
  });

  it('refuse a length that is not a whole number of bytes, and keep working', () => {
    for (const bad of [Number.NaN, -1, Number.POSITIVE_INFINITY]) expect(() => sut.bytes(bad)).toThrow();
    // A fraction is Node's to round, as it always was; the pool's position is not touched.
    sut.bytes(1.5);
    const after = Array.from({ length: 300 }, () => sut.bytes(32).toString('hex'));
    expect(new Set(after).size).toBe(after.length);
  });

  it('return a buffer of its own, not a view of the block', () => {
    const a = sut.bytes(32);
    const copy = Buffer.from(a);
    for (let i = 0; i < 300; i++) sut.bytes(32);
    expect(a.equals(copy)).toBe(true);
  });
});
