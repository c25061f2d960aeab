import type { Response } from 'express';
import { MAX_SUBMISSIONS, PageSubmissions, SUBMISSION_REPLAY_MS } from './page-submissions';

/** The part of a written response the submissions read. */
function response(status: number, headers: Record<string, string | string[]> = {}): Response {
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return { statusCode: status, getHeader: (name: string) => lower[name.toLowerCase()], getHeaders: () => ({ ...lower }) } as unknown as Response;
}

describe('PageSubmissions', () => {
  const key = { step: 'n-1', csrf: 'csrf-token-1', action: 'continue', selection: undefined };
  const about = { policyId: 'B2C_1A_signup', correlationId: 'corr-1' };
  const redirect = response(303, { Location: 'https://app.example.com/cb?code=abc', 'Cache-Control': 'no-store', 'Content-Length': '99', 'X-RateLimit-Remaining': '7' });
  let sut: PageSubmissions;

  beforeEach(() => {
    jest.useFakeTimers();
    sut = new PageSubmissions();
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('hands a repeat of a running submission the redirect the first one answers with, without framing or counters', async () => {
    const settle = sut.begin('session-1', key, about);
    const repeat = sut.find('session-1', key);
    expect(repeat).toMatchObject(about);
    settle(redirect, { ended: true });
    await expect(repeat!.answer).resolves.toEqual({
      status: 303,
      headers: { location: 'https://app.example.com/cb?code=abc', 'cache-control': 'no-store' },
    });
  });

  it('repeats the page that ended the journey (a form_post response), body and headers', async () => {
    const settle = sut.begin('session-1', key, about);
    settle(response(200, { 'Content-Type': 'text/html; charset=utf-8', 'Set-Cookie': ['a=1', 'b=2'] }), { body: '<form method="post">…</form>', ended: true });
    await expect(sut.find('session-1', key)!.answer).resolves.toEqual({
      status: 200,
      headers: { 'content-type': 'text/html; charset=utf-8', 'set-cookie': ['a=1', 'b=2'] },
      body: '<form method="post">…</form>',
    });
  });

  it('forgets a submission answered with a page of the journey (field errors): the next one is a new attempt', async () => {
    const settle = sut.begin('session-1', key, about);
    const repeat = sut.find('session-1', key)!;
    settle(response(400, { 'Content-Type': 'text/html' }), { body: '<p>errors</p>', ended: false });
    await expect(repeat.answer).resolves.toBeUndefined();
    expect(sut.find('session-1', key)).toBeUndefined();
    expect(sut.size).toBe(0);
  });

  it.each([
    ['another page', { step: 'n-2' }],
    ['another CSRF token', { csrf: 'csrf-token-2' }],
    ['no CSRF token', { csrf: undefined }],
    ['another button', { action: 'cancel' }],
    ['a provider chosen', { selection: 'Google' }],
  ])('finds nothing for %s, or another session', (_name, change) => {
    sut.begin('session-1', key, about);
    expect(sut.find('session-1', { ...key, ...change })).toBeUndefined();
    expect(sut.find('session-2', key)).toBeUndefined();
  });

  it(`keeps an answer for ${SUBMISSION_REPLAY_MS / 1000} s after it was sent, then forgets it (it carries a code)`, () => {
    sut.begin('session-1', key, about)(redirect, { ended: true });
    jest.advanceTimersByTime(SUBMISSION_REPLAY_MS - 1);
    expect(sut.find('session-1', key)).toBeDefined();
    jest.advanceTimersByTime(1);
    expect(sut.find('session-1', key)).toBeUndefined();
    expect(sut.size).toBe(0);
  });

  it('keeps a running submission however long it runs, and the latest page of a session only', () => {
    sut.begin('session-1', key, about);
    jest.advanceTimersByTime(3_600_000);
    expect(sut.find('session-1', key)).toBeDefined();
    sut.begin('session-1', { ...key, step: 'n-2' }, about);
    expect(sut.find('session-1', key)).toBeUndefined();
    expect(sut.find('session-1', { ...key, step: 'n-2' })).toBeDefined();
    expect(sut.size).toBe(1);
  });

  it('records nothing more once full, and never pushes a running submission out', () => {
    for (let i = 0; i < MAX_SUBMISSIONS; i++) sut.begin(`session-${i}`, key, about);
    const settle = sut.begin('one-too-many', key, about);
    expect(sut.find('one-too-many', key)).toBeUndefined();
    expect(sut.find('session-0', key)).toBeDefined();
    expect(() => settle(redirect, { ended: true })).not.toThrow();
    expect(sut.size).toBe(MAX_SUBMISSIONS);
  });
});
