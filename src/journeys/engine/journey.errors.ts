import type { LocalizedText } from '../policy/policy.model';

/**
 * AADB2C codes a journey ends with, besides the validator's own (AADB2C90208 expired, 90209
 * audience, 90210 not validated, 90232 issuer, 90233 signature). They are B2C's codes for the
 * same situations, so an application that handles B2C's errors handles Tessera's.
 */
export const JOURNEY_ERROR_CODES = {
  /** B2C: "The user has cancelled entering self-asserted information." */
  cancelled: 'AADB2C90091',
  /** B2C: "An unhandled exception has occurred on the server." */
  serverError: 'AADB2C90048',
  /** B2C: a claims exchange of a step (REST, directory, …) returned an error. */
  claimsExchange: 'AADB2C90075',
  /** B2C's code for an id_token_hint that could not be validated; stands in for Tessera's other hint codes */
  hintNotValidated: 'AADB2C90210',
  /** B2C: "User does not have an existing session and request prompt parameter has a value of 'None'." */
  loginRequired: 'AADB2C90077',
} as const;

/** The journey cannot go on: the protocol side returns `error=<error>&error_description=<code>: <description>`. */
export class JourneyStepError extends Error {
  constructor(
    readonly code: string,
    readonly description: string,
    readonly error: 'access_denied' | 'server_error' | 'login_required' = 'access_denied',
  ) {
    super(`${code}: ${description}`);
    this.name = 'JourneyStepError';
  }
}

/**
 * Something the user should read and can act on (a REST 409 `userMessage`, "an account already
 * exists", a wrong password). Raised by a validation profile, it re-renders the page with the
 * message; raised by an orchestration step, it ends the journey with `AADB2C90075`.
 */
export class UserFacingError extends Error {
  constructor(
    readonly userMessage: LocalizedText,
    /** for the log only: never shown */
    readonly detail?: string,
  ) {
    super(userMessage.en);
    this.name = 'UserFacingError';
  }
}
