import { SetMetadata } from '@nestjs/common';

/**
 * Named request budgets (configured under `rateLimits` in the configuration):
 *  - `admin`: the admin API, per API key (per client IP while no valid key is shown);
 *  - `public`: anonymous pages such as invitation landing pages, per client IP;
 *  - `validate`: hint validation, which relying-party backends call on every sign-up.
 * Admin routes get `admin` without saying so; public routes are not limited unless they opt in,
 * which keeps discovery, JWKS, health and metrics (read by relying parties and monitors) free.
 */
export const RATE_LIMIT_NAMES = ['admin', 'public', 'validate'] as const;
export type RateLimitName = (typeof RATE_LIMIT_NAMES)[number];

export const RATE_LIMIT_METADATA = 'tessera:rate-limit';

/** Counts requests to this route (or every route of this controller) against the named budget. */
export function RateLimit(name: RateLimitName): MethodDecorator & ClassDecorator {
  return SetMetadata(RATE_LIMIT_METADATA, name);
}
