/**
 * Why a send failed, as the outbox needs to know it: `transient` failures are retried with
 * backoff (the server may come back, the mailbox may free up), `permanent` ones end the message
 * at once because the same message would be refused again.
 */
export type MailFailureKind = 'transient' | 'permanent';

export class MailDeliveryError extends Error {
  constructor(
    readonly kind: MailFailureKind,
    /** Safe to record and log: an error code and the server's reply, never the message. */
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(reason, options);
    this.name = 'MailDeliveryError';
  }
}

/** nodemailer codes for a problem with our side's settings rather than with the message. */
const CONFIGURATION_CODES = new Set(['EAUTH', 'ENOAUTH', 'EOAUTH2', 'ECONFIG', 'ETLS', 'EREQUIRETLS']);

interface SmtpLikeError {
  code?: unknown;
  responseCode?: unknown;
  response?: unknown;
  command?: unknown;
  message?: unknown;
}

/**
 * RFC 5321 §4.2.1: a 5yz reply is a permanent negative completion, a 4yz reply a transient one.
 * 503 "bad sequence of commands" is the exception: it says the session was confused, not that
 * the message was refused, so it is retried on a new connection. Anything without a reply code
 * (refused or dropped connection, timeout, TLS, DNS, a full disk for the file outbox) is treated
 * as transient: retrying costs little and giving up would lose the message. So are failures of
 * our own settings (authentication, TLS), whatever their reply code.
 */
export function classifySendError(error: unknown): MailDeliveryError {
  if (error instanceof MailDeliveryError) return error;
  const e = (typeof error === 'object' && error !== null ? error : {}) as SmtpLikeError;
  const code = typeof e.code === 'string' ? e.code : undefined;
  const responseCode = typeof e.responseCode === 'number' ? e.responseCode : undefined;
  const reason = describe(e, code, responseCode);
  // Credentials and settings are the operator's to fix, and fixing them makes the very same
  // message deliverable: failing every queued message over a 535 would lose them all.
  if (code !== undefined && CONFIGURATION_CODES.has(code)) {
    return new MailDeliveryError('transient', reason, { cause: error });
  }
  if (responseCode !== undefined && responseCode >= 500 && responseCode < 600 && responseCode !== 503) {
    return new MailDeliveryError('permanent', reason, { cause: error });
  }
  // An envelope nodemailer refuses before talking to anyone (no valid recipient) will not improve.
  if (code === 'EENVELOPE' && responseCode === undefined) {
    return new MailDeliveryError('permanent', reason, { cause: error });
  }
  return new MailDeliveryError('transient', reason, { cause: error });
}

function describe(e: SmtpLikeError, code: string | undefined, responseCode: number | undefined): string {
  // The server's own words are the most useful reason ("550 5.1.1 no such user"); they name the
  // recipient at most, which the row already holds.
  const reply = typeof e.response === 'string' ? e.response.trim() : '';
  const message = typeof e.message === 'string' ? e.message.trim() : String(e);
  const parts = [code, responseCode !== undefined && !reply.startsWith(String(responseCode)) ? String(responseCode) : undefined, reply || message];
  return truncate(parts.filter(Boolean).join(' '), 1000);
}

function truncate(value: string, max: number): string {
  const single = value.replace(/\s+/g, ' ');
  return single.length > max ? `${single.slice(0, max - 1)}…` : single;
}
