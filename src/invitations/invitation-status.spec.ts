import { effectiveStatus, isUsable } from './invitation-status';

describe('effectiveStatus', () => {
  const now = Date.UTC(2026, 0, 1);

  it.each([
    ['pending', now + 1, 'pending'],
    ['opened', now + 1, 'opened'],
    ['pending', now, 'expired'],
    ['opened', now - 1, 'expired'],
    ['expired', now + 1000, 'expired'],
    ['redeemed', now - 1, 'redeemed'],
    ['revoked', now - 1, 'revoked'],
  ] as const)('a %s row expiring at now%+d ms is %s', (status, expiresAt, expected) => {
    const sut = effectiveStatus({ status, expires_at: expiresAt }, now);
    expect(sut).toBe(expected);
  });

  it('treats expiry as a fact of time: the row need not say so', () => {
    const row = { status: 'pending' as const, expires_at: now + 60_000 };
    expect(isUsable(row, now)).toBe(true);
    expect(isUsable(row, now + 60_000)).toBe(false);
    expect(isUsable({ status: 'redeemed', expires_at: now + 60_000 }, now)).toBe(false);
  });
});
