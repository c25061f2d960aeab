import { timingSafeEqual } from 'node:crypto';
import type { Response } from 'express';
import type { Clock } from '../../common/clock';

/** How the first submission of a page was answered when that answer was a redirect. */
export interface SubmissionAnswer {
  status: number;
  location: string;
}

/** A page submission that is running, or ran recently, on this instance. */
export interface PageSubmission {
  readonly policyId: string;
  readonly redirectUri?: string;
  /**
   * Settles once the first submission has answered: with its redirect, or undefined when it
   * answered with a page, and then the repeat runs as a submission of its own.
   */
  readonly answer: Promise<SubmissionAnswer | undefined>;
}

interface Entry extends PageSubmission {
  nonce: string;
  csrf: string;
  settledAt?: number;
}

/** How long a settled submission can still answer a repeat of itself: a double click, a retry. */
export const SUBMISSION_REPLAY_MS = 60_000;
/** Entries kept at most; the oldest go first. */
const MAX_ENTRIES = 10_000;

/**
 * The submissions of journey pages on this instance, so that submitting one page twice (a
 * double click: the browser sends both forms and shows the second answer) does not run the
 * page's validation steps twice. Those steps have effects (an invitation redeemed, an account
 * written), so the second run would fail ("already used") and the browser would show that
 * failure although the first submission succeeded. A repeat instead waits for the first and
 * answers with the same redirect (to the application with its code or error, or to the next
 * page). When the first answered with a page (field errors; a form_post response), the repeat
 * runs as a submission of its own against the session as the first left it.
 *
 * A repeat must carry the same session, page nonce and CSRF token as the first. Entries live in
 * memory: a repeat that reaches another instance meets the session's versioned write instead
 * (it then shows the journey's current page, or that it has finished).
 */
export class PageSubmissions {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly clock: Clock) {}

  /** The submission of `sessionId`'s page `nonce` running or recently run, if `csrf` is its token. */
  find(sessionId: string, nonce: unknown, csrf: unknown): PageSubmission | undefined {
    this.prune();
    const entry = this.entries.get(sessionId);
    if (!entry || entry.nonce !== nonce || !constantTimeEquals(csrf, entry.csrf)) return undefined;
    return entry;
  }

  /**
   * Records the first submission of a page. Call the returned function with the response once
   * the submission has answered (or failed to): a redirect it wrote becomes the answer repeats get.
   */
  begin(sessionId: string, page: { nonce: string; csrf: string; policyId: string; redirectUri?: string }): (res: Response) => void {
    this.prune();
    let settle!: (answer: SubmissionAnswer | undefined) => void;
    const answer = new Promise<SubmissionAnswer | undefined>((resolve) => (settle = resolve));
    const entry: Entry = { ...page, answer };
    this.entries.delete(sessionId);
    this.entries.set(sessionId, entry);
    if (this.entries.size > MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value as string);
    return (res) => {
      entry.settledAt = this.clock.now().getTime();
      const location = res.getHeader('location');
      const answered = res.statusCode >= 300 && res.statusCode < 400 && typeof location === 'string' ? { status: res.statusCode, location } : undefined;
      // A page (field errors, say) is no answer to repeat: the next submission of it is a new
      // attempt and runs.
      if (!answered && this.entries.get(sessionId) === entry) this.entries.delete(sessionId);
      settle(answered);
    };
  }

  get size(): number {
    return this.entries.size;
  }

  private prune(): void {
    const oldest = this.clock.now().getTime() - SUBMISSION_REPLAY_MS;
    for (const [id, entry] of this.entries) {
      if (entry.settledAt !== undefined && entry.settledAt < oldest) this.entries.delete(id);
    }
  }
}

export function constantTimeEquals(given: unknown, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
