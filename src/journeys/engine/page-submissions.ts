import { timingSafeEqual } from 'node:crypto';
import type { Response } from 'express';

/** The answer of a first submission, as a repeat of it gets it again. */
export interface SubmissionAnswer {
  status: number;
  headers: Record<string, string | string[]>;
  /** The body sent with it (a form_post page), or undefined for a redirect. */
  body?: string;
}

/** A page submission that is running, or answered a moment ago, on this instance. */
export interface PageSubmission {
  readonly policyId: string;
  readonly correlationId: string;
  /** Settles once the first submission has answered: with its answer, or undefined (see `begin`). */
  readonly answer: Promise<SubmissionAnswer | undefined>;
}

/** What makes two posts the same submission, besides the session. */
export interface SubmissionKey {
  /** The page nonce (`step`), the CSRF token, and which button: Continue, Cancel, a provider. */
  step: unknown;
  csrf: unknown;
  action: unknown;
  selection: unknown;
}

interface Entry extends PageSubmission {
  step: string;
  csrf: string;
  action: string;
  selection: string;
}

/**
 * How long an answer can still be repeated once sent: a double click's second post arrives
 * within milliseconds, a browser's retry within seconds. The answer carries an authorization
 * code, so it is kept no longer (the database keeps only the code's hash).
 */
export const SUBMISSION_REPLAY_MS = 10_000;
/** Submissions recorded at most; past it, new ones run without a record (and are not repeatable). */
export const MAX_SUBMISSIONS = 10_000;

/**
 * The submissions of journey pages on this instance, so that submitting one page twice (a
 * double click: the browser sends both forms and shows the second answer) does not run the
 * page's validation steps twice. Those steps have effects (an invitation redeemed, an account
 * written), so the second run would fail ("already used") and the browser would show that
 * failure although the first submission succeeded. A repeat instead waits for the first and gets
 * its answer again when that answer ended the journey's business with this page: a redirect (to
 * the application with its code or error, or to the journey's next page) or the page that ended
 * the journey (a form_post response). When the first answered with a page of the journey (field
 * errors), the repeat runs as a new attempt.
 *
 * A repeat must carry the same session, page nonce, CSRF token and button as the first; the
 * caller checks the origin and the policy. Records live in memory: a repeat that reaches another
 * instance meets the session's versioned write instead (and is shown where the journey is).
 */
export class PageSubmissions {
  private readonly entries = new Map<string, Entry>();

  /** The submission of `sessionId` that `key` repeats, running or answered a moment ago. */
  find(sessionId: string, key: SubmissionKey): PageSubmission | undefined {
    const entry = this.entries.get(sessionId);
    if (!entry || entry.step !== key.step || !constantTimeEquals(key.csrf, entry.csrf)) return undefined;
    if (entry.action !== text(key.action) || entry.selection !== text(key.selection)) return undefined;
    return entry;
  }

  /**
   * Records the first submission of a page. Call the returned function once it has answered,
   * with its response, the body it sent, and whether that answer ended the journey. Without a
   * record (the table is full), the function does nothing.
   */
  begin(
    sessionId: string,
    key: SubmissionKey & { step: string; csrf: string },
    about: { policyId: string; correlationId: string },
  ): (res: Response, sent: { body?: string; ended: boolean }) => void {
    let settle!: (answer: SubmissionAnswer | undefined) => void;
    const answer = new Promise<SubmissionAnswer | undefined>((resolve) => (settle = resolve));
    const entry: Entry = { ...about, step: key.step, csrf: key.csrf, action: text(key.action), selection: text(key.selection), answer };
    this.entries.delete(sessionId);
    if (this.entries.size >= MAX_SUBMISSIONS) return () => undefined;
    this.entries.set(sessionId, entry);
    return (res, sent) => {
      const answered = answerOf(res, sent);
      settle(answered);
      const forget = () => {
        if (this.entries.get(sessionId) === entry) this.entries.delete(sessionId);
      };
      // A page of the journey is no answer to repeat: the next submission of it is a new attempt.
      if (!answered) return forget();
      setTimeout(forget, SUBMISSION_REPLAY_MS).unref();
    };
  }

  get size(): number {
    return this.entries.size;
  }
}

function answerOf(res: Response, sent: { body?: string; ended: boolean }): SubmissionAnswer | undefined {
  const redirect = res.statusCode >= 300 && res.statusCode < 400 && typeof res.getHeader('location') === 'string';
  if (!redirect && !(sent.ended && res.statusCode === 200 && sent.body !== undefined)) return undefined;
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(res.getHeaders())) {
    // Per-response framing and the rate limiter's counters are the repeat's own.
    if (value === undefined || /^(content-length|date|connection|keep-alive|transfer-encoding|x-ratelimit-.*|retry-after)$/i.test(name)) continue;
    headers[name] = Array.isArray(value) ? value : String(value);
  }
  return { status: res.statusCode, headers, ...(redirect ? {} : { body: sent.body }) };
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

export function constantTimeEquals(given: unknown, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
