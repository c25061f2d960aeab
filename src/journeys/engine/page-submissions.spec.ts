import type { Response } from 'express';
import { FixedClock } from '../../common/clock';
import { PageSubmissions, SUBMISSION_REPLAY_MS } from './page-submissions';

/** The part of a written response the submissions read. */
function answered(status: number, location?: string): Response {
  return { statusCode: status, getHeader: (name: string) => (name.toLowerCase() === 'location' ? location : undefined) } as unknown as Response;
}

describe('PageSubmissions', () => {
  const page = { nonce: 'n-1', csrf: 'csrf-token-1', policyId: 'B2C_1A_signup', redirectUri: 'https://app.example.com/cb' };
  let clock: FixedClock;
  let sut: PageSubmissions;

  beforeEach(() => {
    clock = new FixedClock();
    sut = new PageSubmissions(clock);
  });

  it('hands a repeat of a running submission the redirect the first one answers with', async () => {
    const settle = sut.begin('session-1', page);
    const repeat = sut.find('session-1', 'n-1', 'csrf-token-1');
    expect(repeat).toBeDefined();
    settle(answered(303, 'https://app.example.com/cb?code=abc'));
    await expect(repeat!.answer).resolves.toEqual({ status: 303, location: 'https://app.example.com/cb?code=abc' });
    expect(repeat).toMatchObject({ policyId: 'B2C_1A_signup', redirectUri: 'https://app.example.com/cb' });
  });

  it('finds nothing for another session, another page or another CSRF token', () => {
    sut.begin('session-1', page);
    expect(sut.find('session-2', 'n-1', 'csrf-token-1')).toBeUndefined();
    expect(sut.find('session-1', 'n-2', 'csrf-token-1')).toBeUndefined();
    expect(sut.find('session-1', 'n-1', 'csrf-token-2')).toBeUndefined();
    expect(sut.find('session-1', 'n-1', undefined)).toBeUndefined();
    expect(sut.find('session-1', undefined, 'csrf-token-1')).toBeUndefined();
  });

  it('forgets a submission that answered with a page: the next one is a new attempt', async () => {
    const settle = sut.begin('session-1', page);
    const repeat = sut.find('session-1', 'n-1', 'csrf-token-1')!;
    settle(answered(400));
    await expect(repeat.answer).resolves.toBeUndefined();
    expect(sut.find('session-1', 'n-1', 'csrf-token-1')).toBeUndefined();
    expect(sut.size).toBe(0);
  });

  it('repeats a redirect for a minute after it was sent, then forgets it', () => {
    sut.begin('session-1', page)(answered(303, 'https://app.example.com/cb?code=abc'));
    clock.advance(SUBMISSION_REPLAY_MS / 1000);
    expect(sut.find('session-1', 'n-1', 'csrf-token-1')).toBeDefined();
    clock.advance(1);
    expect(sut.find('session-1', 'n-1', 'csrf-token-1')).toBeUndefined();
    expect(sut.size).toBe(0);
  });

  it('keeps a running submission however long it runs', () => {
    sut.begin('session-1', page);
    clock.advance(3600);
    expect(sut.find('session-1', 'n-1', 'csrf-token-1')).toBeDefined();
  });

  it('keeps the latest page of a session only', () => {
    sut.begin('session-1', page)(answered(303, 'https://tessera.example.com/B2C_1A_signup/journey'));
    sut.begin('session-1', { ...page, nonce: 'n-2' });
    expect(sut.find('session-1', 'n-1', 'csrf-token-1')).toBeUndefined();
    expect(sut.find('session-1', 'n-2', 'csrf-token-1')).toBeDefined();
    expect(sut.size).toBe(1);
  });
});
