import { Type } from 'class-transformer';
import {
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Max,
  Min,
  MinLength,
  Validate,
  ValidateNested,
} from 'class-validator';
import { RateLimitsConfig } from '../auth/rate-limit.config';
import { BulkConfig } from '../invitations/bulk/bulk.config';
import { KeyImportConfig } from '../keys/key-import.config';
import { MetricsConfig } from '../ops/metrics.config';
import { IsTrustProxy, type TrustProxySetting } from '../ops/trust-proxy.config';
import { JourneysConfig } from '../journeys/journeys.config';
import { MailConfig } from '../mail/mail.config';
import { RelyingPartiesConsistent, RelyingPartyConfig } from '../relying-parties/relying-parties.config';
import { HintProfiles, type HintProfileConfig } from '../validation/hint-profiles.config';

/**
 * The whole configuration, validated once at start (see `config.loader.ts`). Every default is
 * written here, next to its field; DEFAULTS.md-style documentation lives in README
 * "Configuration". Sections that belong to one feature live in that feature's folder.
 */

export class TokensConfig {
  /** Upper bound for any minted token's lifetime (`exp - nbf`). Also bounds key retirement. */
  @IsInt() @Min(60) @Max(90 * 24 * 3600)
  maxLifetimeSeconds = 30 * 24 * 3600;

  /** Lifetime when a caller asks for none. */
  @IsInt() @Min(1) @Max(90 * 24 * 3600)
  defaultLifetimeSeconds = 3600;
}

export class KeysConfig {
  /** RSA modulus size for generated keys. B2C accepts 2048 and larger. */
  @IsInt() @IsIn([2048, 3072, 4096])
  rsaBits = 2048;

  /** Validity of generated self-signed certificates. */
  @IsInt() @Min(1) @Max(3650)
  certificateValidityDays = 730;

  /**
   * How long a retired key stays published after the last token it could have signed expires:
   * covers relying parties' metadata caches (B2C refreshes its copy about once a day).
   */
  @IsInt() @Min(0) @Max(30 * 24 * 3600)
  retentionMarginSeconds = 24 * 3600;

  /** How long an instance trusts its in-memory copy of the key set before re-reading the store. */
  @IsInt() @Min(0) @Max(3600)
  cacheTtlSeconds = 10;

  /**
   * How long a `next` key must have been in the JWKS before `promote` lets it sign (without
   * `force`): relying parties that cache the JWKS must have seen it first. One day, as B2C
   * refreshes its metadata about once a day.
   */
  @IsInt() @Min(0) @Max(30 * 24 * 3600)
  minPublishedSecondsBeforePromotion = 24 * 3600;

  /** Signing keys imported at start from files (see src/keys/key-import.config.ts). */
  @IsArray() @ValidateNested({ each: true }) @Type(() => KeyImportConfig)
  import: KeyImportConfig[] = [];
}

export class DiscoveryConfig {
  /** `Cache-Control: max-age` of the discovery document and the JWKS. */
  @IsInt() @Min(0) @Max(7 * 24 * 3600)
  maxAgeSeconds = 3600;
}

export class LoggingConfig {
  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  level = 'info';

  /** `json` for production (one object a line); `pretty` is not offered: pipe to pino-pretty. */
  @IsIn(['json'])
  format = 'json';
}

export class TesseraConfig {
  @IsInt() @Min(0) @Max(65535)
  port = 3000;

  /** Public base URL; discovery, JWKS and email links are built from it. No trailing slash. */
  @IsString()
  publicUrl: string;

  /** The exact `iss`, byte for byte the discovery `issuer`. Defaults to `publicUrl`. */
  @IsString() @MinLength(1)
  issuer: string;

  @IsString() @MinLength(1)
  dataDir = './data';

  /** `postgres://…`, or a SQLite file path. Default: `<dataDir>/tessera.sqlite`. */
  @IsString() @MinLength(1)
  databaseUrl: string;

  @IsOptional() @IsString() @MinLength(32, { message: 'must be at least 32 characters (use a random key)' })
  adminApiKey?: string;

  @IsOptional() @IsString()
  smtpUrl?: string;

  @IsOptional() @IsString() @MinLength(16, { message: 'must be at least 16 characters' })
  keystorePassphrase?: string;

  /** Body size limit for JSON requests. */
  @IsString()
  bodyLimit = '100kb';

  @ValidateNested() @Type(() => TokensConfig)
  tokens: TokensConfig = new TokensConfig();

  @ValidateNested() @Type(() => KeysConfig)
  keys: KeysConfig = new KeysConfig();

  @ValidateNested() @Type(() => DiscoveryConfig)
  discovery: DiscoveryConfig = new DiscoveryConfig();

  @ValidateNested() @Type(() => LoggingConfig)
  logging: LoggingConfig = new LoggingConfig();

  @ValidateNested() @Type(() => MailConfig)
  mail: MailConfig = new MailConfig();

  /** Issuers whose `id_token_hint`s are validated; see src/validation/hint-profiles.config.ts. */
  @HintProfiles()
  hintProfiles: HintProfileConfig[] = [];

  /** Policies, journey sessions, local accounts and pages; see src/journeys/journeys.config.ts. */
  @ValidateNested() @Type(() => JourneysConfig)
  journeys: JourneysConfig = new JourneysConfig();

  /** Express `trust proxy`: which forwarded client address to believe. See trust-proxy.config.ts. */
  @IsTrustProxy()
  trustProxy: TrustProxySetting = false;

  @ValidateNested() @Type(() => RateLimitsConfig)
  rateLimits: RateLimitsConfig = new RateLimitsConfig();

  @ValidateNested() @Type(() => MetricsConfig)
  metrics: MetricsConfig = new MetricsConfig();

  /** Bulk invitation import; see src/invitations/bulk/bulk.config.ts. */
  @ValidateNested() @Type(() => BulkConfig)
  bulk: BulkConfig = new BulkConfig();

  /** Applications invitees are sent to; see src/relying-parties/relying-parties.config.ts. */
  @IsArray() @ValidateNested({ each: true }) @Type(() => RelyingPartyConfig) @Validate(RelyingPartiesConsistent)
  relyingParties: RelyingPartyConfig[] = [];

  get databaseKind(): 'postgres' | 'sqlite' {
    return /^postgres(ql)?:\/\//i.test(this.databaseUrl) ? 'postgres' : 'sqlite';
  }
}
