import { TesseraError } from '../common/errors';

/**
 * Why a redemption failed. Each has its own code and message, so the B2C page (or any caller)
 * can tell the invitee what happened and what to do.
 */
export type RedemptionFailure = 'unknown' | 'invalid_token' | 'superseded' | 'revoked' | 'expired' | 'hint_expired' | 'already_redeemed';

const USER_MESSAGES: Record<RedemptionFailure, string> = {
  unknown: 'This invitation is not valid. Ask the person who invited you to send you a new invitation.',
  invalid_token: 'This invitation link could not be verified. Open the link in your invitation email again, or ask for a new invitation.',
  superseded: 'This invitation link has been replaced by a newer one. Use the link in the most recent invitation email.',
  revoked: 'This invitation has been withdrawn. Ask the person who invited you if you should receive a new one.',
  expired: 'This invitation has expired. Ask the person who invited you to send you a new invitation.',
  hint_expired: 'This sign-up link has expired. Open your invitation email and select the link again.',
  already_redeemed: 'This invitation has already been used. If you accepted it before, sign in instead of signing up.',
};

/**
 * An error in the Azure AD B2C REST technical-profile contract: B2C shows `userMessage` to the
 * user when the status is 409 ("Return validation error message", B2C RESTful technical profile
 * docs), so a policy can call redemption as a validation step as it is.
 */
export class RedemptionError extends TesseraError {
  constructor(
    readonly failure: RedemptionFailure | 'invalid_request',
    status: number,
    readonly userMessage: string,
    readonly developerMessage?: string,
  ) {
    super(failure === 'invalid_request' ? 'invalid_request' : `invitation_${failure}`, status, developerMessage ?? userMessage);
  }

  static of(failure: RedemptionFailure, developerMessage?: string): RedemptionError {
    return new RedemptionError(failure, 409, USER_MESSAGES[failure], developerMessage);
  }

  /** A malformed request: still B2C-shaped, with the field named. */
  static badRequest(field: string, problem: string): RedemptionError {
    return new RedemptionError('invalid_request', 400, `${field}: ${problem}`, `${field}: ${problem}`);
  }

  override body(): Record<string, unknown> {
    return {
      version: '1.0.0',
      status: this.status,
      code: this.code,
      userMessage: this.userMessage,
      ...(this.developerMessage ? { developerMessage: this.developerMessage } : {}),
    };
  }
}

export function userMessageFor(failure: RedemptionFailure): string {
  return USER_MESSAGES[failure];
}
