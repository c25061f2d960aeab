import type { AuthorizationRequest } from '../journeys.contracts';
import type { ResolverContext } from '../policy/claim-resolvers';
import type { ClaimValue, Locale, ProfileKind, RunnablePolicy, TechnicalProfileDef } from '../policy/policy.model';

/** What a technical profile sees of the running journey. */
export interface ProfileContext {
  policy: RunnablePolicy;
  request: Readonly<AuthorizationRequest>;
  correlationId: string;
  locale: Locale;
  resolver: ResolverContext;
  clientIp?: string;
  /** The request's `id_token_hint`, handed out once: it is not kept after it has been read. */
  takeHint(): string | undefined;
  /** Marks the moment the user proved who they are (OpenID Connect `auth_time`). */
  authenticated(): void;
}

/**
 * A kind of technical profile that exchanges claims without a page: it receives the input
 * claims (by partner name, defaults applied) and returns what it produced (by partner name);
 * `ProfileRunner` does the B2C claim mapping and the claims transformations around it.
 * Handlers that must leave the browser (federation) will return a redirect instead; the
 * engine already parks a journey at a page and resumes it on the next request.
 */
export interface ClaimsExchangeHandler {
  readonly kind: ProfileKind;
  invoke(tp: TechnicalProfileDef, claims: ExchangeClaims, ctx: ProfileContext): Promise<Record<string, unknown>>;
}

/** The claims a profile sends, by partner name, defaults applied. */
export interface ExchangeClaims {
  inputs: Readonly<Record<string, ClaimValue>>;
  /** B2C `PersistedClaims` (user store profiles): mapped like input claims */
  persisted: Readonly<Record<string, ClaimValue>>;
}

export const CLAIMS_EXCHANGE_HANDLERS = Symbol('CLAIMS_EXCHANGE_HANDLERS');
