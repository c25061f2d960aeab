import { Type } from 'class-transformer';
import { IsBoolean, IsInt, Max, Min, ValidateNested } from 'class-validator';

/** One budget: at most `limit` requests per `windowSeconds`, per tracked client. */
export abstract class RateLimitRule {
  /** validated in each subclass, which also carries its default */
  abstract limit: number;

  @IsInt() @Min(1) @Max(24 * 3600)
  windowSeconds = 60;
}

/** The admin API: generous for scripts and bulk tooling, per API key. */
export class AdminRateLimit extends RateLimitRule {
  @IsInt() @Min(1) @Max(1_000_000)
  limit = 600;
}

/** Anonymous pages (invitation landing pages), per client IP. */
export class PublicRateLimit extends RateLimitRule {
  @IsInt() @Min(1) @Max(1_000_000)
  limit = 60;
}

/** Hint validation: relying-party backends call it once per sign-up. */
export class ValidateRateLimit extends RateLimitRule {
  @IsInt() @Min(1) @Max(1_000_000)
  limit = 1200;
}

/**
 * `rateLimits` in the configuration. Counters live in memory per instance, so with N instances
 * behind a balancer a client gets up to N times each budget.
 */
export class RateLimitsConfig {
  /** Off when a gateway in front already limits requests. */
  @IsBoolean()
  enabled = true;

  @ValidateNested() @Type(() => AdminRateLimit)
  admin: AdminRateLimit = new AdminRateLimit();

  @ValidateNested() @Type(() => PublicRateLimit)
  public: PublicRateLimit = new PublicRateLimit();

  @ValidateNested() @Type(() => ValidateRateLimit)
  validate: ValidateRateLimit = new ValidateRateLimit();
}
