import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, MinLength, ValidateNested } from 'class-validator';

/**
 * The `journeys` section. Every default is written here, next to its field; README "Journeys"
 * shows the policy format and an example configuration.
 *
 * ```yaml
 * journeys:
 *   policiesDir: ./policies
 *   sessionLifetimeSeconds: 3600
 *   passwordHashing: { cost: 131072, blockSize: 8, parallelization: 1 }
 * ```
 */

/**
 * scrypt (RFC 7914) for local account passwords: memory-hard and in `node:crypto`, so no native
 * add-on is needed. The defaults are OWASP's Password Storage Cheat Sheet minimum for scrypt:
 * N = 2^17, r = 8, p = 1, which takes 128 MiB and roughly a quarter of a second per hash.
 * Stored hashes carry their parameters, so raising them later re-hashes at the next sign-in.
 */
export class PasswordHashingConfig {
  /** CPU/memory cost N: a power of two. Memory used is 128 × N × r bytes. */
  @IsInt() @IsIn(Array.from({ length: 13 }, (_, i) => 2 ** (i + 10)), { message: 'must be a power of two between 1024 and 4194304' })
  cost = 2 ** 17;

  /** Block size r. */
  @IsInt() @Min(1) @Max(32)
  blockSize = 8;

  /** Parallelization p. */
  @IsInt() @Min(1) @Max(16)
  parallelization = 1;
}

export class JourneyPagesConfig {
  /**
   * Folder of the page templates (`layout.hbs`, `self-asserted.hbs`, `selection.hbs`,
   * `error.hbs`). Default: `templates/pages` of the installation. A file missing from the
   * operator's folder is taken from the installation's.
   */
  @IsOptional() @IsString() @MinLength(1)
  templatesDir?: string;

  /** The stylesheet served at `/journeys/assets/style.css`. Default: `templates/pages/style.css` of the installation. */
  @IsOptional() @IsString() @MinLength(1)
  stylesheet?: string;
}

export class JourneysConfig {
  /**
   * Folder of the policy files (`*.yaml`) and `applications.yaml`, relative to the working
   * directory. Unset (the default): journeys are off and every policy URL answers "unknown
   * policy". The shipped examples live in `policies/` of the installation; they need the hint
   * profile and relying party shown in README "Journeys".
   */
  @IsOptional() @IsString() @MinLength(1)
  policiesDir?: string;

  /** How long a started journey can be continued (absolute, from its start). */
  @IsInt() @Min(60) @Max(24 * 3600)
  sessionLifetimeSeconds = 3600;

  /**
   * Name of the journey cookie. Over HTTPS the `__Host-` prefix is added (RFC 6265bis §4.1.3.2),
   * which pins it to this host and path `/` with `Secure`.
   */
  @IsString() @Matches(/^[A-Za-z0-9_-]{1,64}$/, { message: 'must be 1-64 letters, digits, "_" or "-"' })
  cookieName = 'tessera_journey';

  /**
   * `{Policy:TenantObjectId}` and `{Policy:RelyingPartyTenantId}` resolve to this (B2C: the
   * tenant's GUID). Unset: they resolve to nothing and the claim is left out.
   */
  @IsOptional() @IsString() @MinLength(1)
  tenantId?: string;

  @ValidateNested() @Type(() => PasswordHashingConfig)
  passwordHashing: PasswordHashingConfig = new PasswordHashingConfig();

  @ValidateNested() @Type(() => JourneyPagesConfig)
  pages: JourneyPagesConfig = new JourneyPagesConfig();
}
