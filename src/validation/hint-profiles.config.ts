import { plainToInstance, Transform, Type } from 'class-transformer';
import {
  ArrayNotEmpty,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsDefined,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
  registerDecorator,
  Validate,
  ValidateIf,
  ValidateNested,
  ValidatorConstraint,
  type ValidationArguments,
  type ValidationOptions,
  type ValidatorConstraintInterface,
} from 'class-validator';
import { isValidCidr } from '../common/outbound-http.policy';

/**
 * Hint profiles: one per issuer whose `id_token_hint`s Tessera accepts, mirroring Azure AD B2C's
 * "ID token hint" technical profile. The caller names the profile; nothing in a token (`alg`,
 * `kid`, `iss`, `jku`, `x5u`) ever chooses it. Every default is written here, next to its field.
 *
 * ```yaml
 * hintProfiles:
 *   - id: partner-portal
 *     kind: symmetric
 *     issuer: https://portal.example.com
 *     audience: b2c-signup
 *     secretEnv: PARTNER_PORTAL_HINT_SECRET
 *   - id: contoso
 *     kind: metadata
 *     metadataUrl: https://id.contoso.com/.well-known/openid-configuration
 *     audience: b2c-signup
 *     outputClaims:
 *       - { claimType: email, required: true }
 *       - { claimType: displayName, partnerClaimType: name, defaultValue: Friend }
 * ```
 */

/** HS256 keys under 32 bytes are refused, as B2C refuses them for policy keys (RFC 7518 §3.2). */
export const MIN_SECRET_BYTES = 32;
export const DISCOVERY_SUFFIX = '/.well-known/openid-configuration';
export const METADATA_ALGORITHMS = ['RS256', 'PS256', 'ES256'] as const;
export type MetadataAlgorithm = (typeof METADATA_ALGORITHMS)[number];

const PROFILE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

// Constraints first: decorators below refer to them while their classes are being defined.

function IsScalar(options?: ValidationOptions): PropertyDecorator {
  return (target, key) =>
    registerDecorator({
      name: 'isScalar',
      target: target.constructor,
      propertyName: key as string,
      options: { message: 'must be a string, a number or a boolean', ...options },
      validator: { validate: (v: unknown) => ['string', 'number', 'boolean'].includes(typeof v) },
    });
}

function IsNonEmptyString(options: ValidationOptions): PropertyDecorator {
  return (target, key) =>
    registerDecorator({
      name: 'isNonEmptyString',
      target: target.constructor,
      propertyName: key as string,
      options,
      validator: { validate: (v: unknown) => typeof v === 'string' && v.length > 0 },
    });
}

function MinUtf8Bytes(min: number): PropertyDecorator {
  return (target, key) =>
    registerDecorator({
      name: 'minUtf8Bytes',
      target: target.constructor,
      propertyName: key as string,
      constraints: [min],
      options: {
        message: (args: ValidationArguments) =>
          `is ${Buffer.byteLength(String(args.value), 'utf8')} bytes; HS256 secrets need at least ${min} bytes (B2C refuses shorter policy keys)`,
      },
      validator: { validate: (v: unknown) => typeof v !== 'string' || Buffer.byteLength(v, 'utf8') >= min },
    });
}

@ValidatorConstraint({ name: 'envSecret' })
class EnvSecret implements ValidatorConstraintInterface {
  private problem = '';

  validate(name: unknown, args: ValidationArguments): boolean {
    if (typeof name !== 'string') return true;
    if ((args.object as SymmetricHintProfileConfig).secret !== undefined) {
      this.problem = 'set either secret or secretEnv, not both';
      return false;
    }
    // Read when the configuration is loaded, so a missing variable stops the start with the others.
    const value = process.env[name];
    if (value === undefined || value === '') {
      this.problem = `environment variable ${name} is not set`;
      return false;
    }
    const bytes = Buffer.byteLength(value, 'utf8');
    if (bytes < MIN_SECRET_BYTES) {
      this.problem = `environment variable ${name} holds ${bytes} bytes; HS256 secrets need at least ${MIN_SECRET_BYTES} bytes (B2C refuses shorter policy keys)`;
      return false;
    }
    return true;
  }

  defaultMessage(): string {
    return this.problem;
  }
}

@ValidatorConstraint({ name: 'metadataUrl' })
class MetadataUrl implements ValidatorConstraintInterface {
  private problem = '';

  validate(value: unknown, args: ValidationArguments): boolean {
    if (typeof value !== 'string') return true;
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      this.problem = 'is not an absolute URL';
      return false;
    }
    const allowHttp = (args.object as MetadataHintProfileConfig).allowHttp === true;
    if (url.protocol === 'http:' && !(allowHttp && isLoopbackHost(url.hostname))) {
      this.problem = allowHttp
        ? 'plain http is only allowed for a loopback host (localhost, 127.0.0.1, [::1])'
        : 'must be an https URL (plain http only for a loopback host, with allowHttp: true)';
      return false;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      this.problem = 'must be an https URL';
      return false;
    }
    if (url.username || url.password) {
      this.problem = 'must not carry credentials';
      return false;
    }
    if (url.hash) {
      this.problem = 'must not carry a fragment';
      return false;
    }
    return true;
  }

  defaultMessage(): string {
    return this.problem;
  }
}

@ValidatorConstraint({ name: 'cidrList' })
class CidrList implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return !Array.isArray(value) || value.every((v) => typeof v === 'string' && isValidCidr(v));
  }
  defaultMessage(args: ValidationArguments): string {
    const bad = (args.value as unknown[]).filter((v) => typeof v !== 'string' || !isValidCidr(v));
    return `${bad.map((b) => JSON.stringify(b)).join(', ')} ${bad.length === 1 ? 'is not a CIDR' : 'are not CIDRs'} (expected e.g. 10.0.0.0/8 or fd00::/8)`;
  }
}

@ValidatorConstraint({ name: 'uniqueClaimTypes' })
class UniqueClaimTypes implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return duplicates(value, 'claimType').length === 0;
  }
  defaultMessage(args: ValidationArguments): string {
    return `claimType ${duplicates(args.value, 'claimType').map((d) => `"${d}"`).join(', ')} is listed more than once`;
  }
}

@ValidatorConstraint({ name: 'uniqueProfileIds' })
class UniqueProfileIds implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return duplicates(value, 'id').length === 0;
  }
  defaultMessage(args: ValidationArguments): string {
    const list = args.value as { id?: unknown }[];
    return duplicates(list, 'id')
      .map((id) => {
        const at = list.flatMap((p, i) => (p && typeof p === 'object' && p.id === id ? [`hintProfiles[${i}]`] : []));
        return `profile id "${id}" is used more than once (${at.join(', ')})`;
      })
      .join('; ');
  }
}

function duplicates(list: unknown, field: string): string[] {
  if (!Array.isArray(list)) return [];
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const item of list) {
    const v = item && typeof item === 'object' ? (item as Record<string, unknown>)[field] : undefined;
    if (typeof v !== 'string') continue;
    if (seen.has(v)) dup.add(v);
    seen.add(v);
  }
  return [...dup];
}

/** One claim to extract, with B2C's `OutputClaim` meaning. */
export class OutputClaimConfig {
  /** Name of the claim in the result. */
  @IsString() @MinLength(1)
  claimType: string;

  /** Name of the claim in the token; defaults to `claimType`. */
  @IsOptional() @IsString() @MinLength(1)
  partnerClaimType?: string;

  /** Used when the token lacks the claim (or always, with `alwaysUseDefaultValue`). */
  @ValidateIf((o: OutputClaimConfig) => o.defaultValue !== undefined || o.alwaysUseDefaultValue === true)
  @IsDefined({ message: 'is required when alwaysUseDefaultValue is true' })
  @IsScalar()
  defaultValue?: string | number | boolean;

  /** Ignore the token's value and always use `defaultValue`. */
  @IsBoolean()
  alwaysUseDefaultValue = false;

  /** Fail validation when the claim ends up without a value. */
  @IsBoolean()
  required = false;
}

/** Fields shared by both kinds. */
export abstract class HintProfileCommonConfig {
  /** What callers name: `POST /api/hints/validate {profile: <id>}`. */
  @IsString() @Matches(PROFILE_ID, { message: 'must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit' })
  id: string;

  abstract kind: 'symmetric' | 'metadata';

  /** The `aud` the token must carry (one of, when `aud` is an array). */
  @IsString() @MinLength(1)
  audience: string;

  /** Leeway for `exp`, `nbf` and `iat` against this server's clock. B2C allows 5 minutes. */
  @IsInt() @Min(0) @Max(3600)
  clockSkewSeconds = 300;

  /** Longer tokens are refused before any parsing (characters of the compact form). */
  @IsInt() @Min(256) @Max(64 * 1024)
  maxTokenLength = 8 * 1024;

  @IsArray() @ValidateNested({ each: true }) @Type(() => OutputClaimConfig) @Validate(UniqueClaimTypes)
  outputClaims: OutputClaimConfig[] = [];
}

/** A shared secret (B2C: a policy key of usage "Signature"); HS256 only. */
export class SymmetricHintProfileConfig extends HintProfileCommonConfig {
  @IsIn(['symmetric'])
  kind: 'symmetric' = 'symmetric';

  /** The exact `iss` the tokens carry. */
  @IsString() @MinLength(1)
  issuer: string;

  /** The secret string; the HMAC key is its UTF-8 bytes, as in B2C (not base64-decoded). */
  @ValidateIf((o: SymmetricHintProfileConfig) => o.secretEnv === undefined)
  @IsString({ message: 'is required (or name an environment variable that holds it in secretEnv)' })
  @MinUtf8Bytes(MIN_SECRET_BYTES)
  secret?: string;

  /** Name of an environment variable holding the secret, so it need not sit in the YAML file. */
  @IsOptional()
  @IsString() @Matches(ENV_NAME, { message: 'must be an environment variable name' })
  @Validate(EnvSecret)
  secretEnv?: string;
}

/** An issuer publishing OpenID Connect discovery metadata and a JWKS; RS256 unless told otherwise. */
export class MetadataHintProfileConfig extends HintProfileCommonConfig {
  @IsIn(['metadata'])
  kind: 'metadata' = 'metadata';

  /** The issuer's `/.well-known/openid-configuration`. */
  @IsString() @Validate(MetadataUrl)
  metadataUrl: string;

  /**
   * The exact `iss` expected in the discovery document and in tokens. Default: `metadataUrl`
   * without `/.well-known/openid-configuration` (OpenID Connect Discovery §4.3).
   */
  @ValidateIf((o: MetadataHintProfileConfig) => o.issuer !== undefined || (isAbsoluteUrl(o.metadataUrl) && !endsWithDiscoverySuffix(o.metadataUrl)))
  @IsNonEmptyString({ message: `is required when metadataUrl does not end in ${DISCOVERY_SUFFIX}` })
  issuer?: string;

  /** Accepted `alg` values; HS* is never accepted from published keys. */
  @IsArray() @ArrayNotEmpty() @ArrayUnique()
  @IsIn(METADATA_ALGORITHMS, { each: true, message: `each value must be one of ${METADATA_ALGORITHMS.join(', ')}` })
  algorithms: MetadataAlgorithm[] = ['RS256'];

  /** Permit `http:` metadata, and then only on a loopback address (development). */
  @IsBoolean()
  allowHttp = false;

  /** Permit private, unique-local, CGNAT and loopback addresses (an issuer inside the network). */
  @IsBoolean()
  allowPrivateNetworks = false;

  /** Further addresses permitted, as CIDRs (e.g. `10.20.0.0/16`). */
  @IsArray() @Validate(CidrList)
  allowedCidrs: string[] = [];

  /** How long the discovery document is trusted before it is fetched again. */
  @IsInt() @Min(0) @Max(7 * 24 * 3600)
  metadataCacheSeconds = 24 * 3600;

  /** How long the JWKS is trusted before it is fetched again (jose `cacheMaxAge`). */
  @IsInt() @Min(0) @Max(24 * 3600)
  jwksCacheSeconds = 600;

  /**
   * Least time between two fetches caused by unknown `kid`s (jose `cooldownDuration`), and
   * between retries after a failed fetch: a flood of made-up `kid`s cannot hammer the issuer.
   */
  @IsInt() @Min(0) @Max(3600)
  jwksCooldownSeconds = 30;

  /** How long past their expiry the last good metadata and JWKS are used while the issuer fails. */
  @IsInt() @Min(0) @Max(7 * 24 * 3600)
  staleIfErrorSeconds = 6 * 3600;

  /** Deadline of each metadata or JWKS fetch. */
  @IsInt() @Min(100) @Max(60_000)
  timeoutMs = 5000;

  /** Largest discovery document or JWKS read; the fetch is cut past it. */
  @IsInt() @Min(1024) @Max(10 * 1024 * 1024)
  maxResponseBytes = 256 * 1024;
}

/** A profile whose `kind` is missing or unknown: only `kind` is reported, not every other field. */
class UnknownKindHintProfile {
  @IsIn(['symmetric', 'metadata'], { message: 'must be "symmetric" or "metadata"' })
  kind: unknown;
}

export type HintProfileConfig = SymmetricHintProfileConfig | MetadataHintProfileConfig;

/**
 * The decorators of `TesseraConfig.hintProfiles`: each entry becomes the class of its `kind`
 * and is validated with it; ids must be unique.
 */
export function HintProfiles(): PropertyDecorator {
  return (target, key) => {
    Transform(({ value }: { value: unknown }) => (Array.isArray(value) ? value.map(toProfileInstance) : value))(target, key);
    IsArray()(target, key);
    ValidateNested({ each: true })(target, key);
    Validate(UniqueProfileIds)(target, key);
  };
}

function toProfileInstance(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const kind = (value as { kind?: unknown }).kind;
  if (kind === 'symmetric') return plainToInstance(SymmetricHintProfileConfig, value, { exposeDefaultValues: true });
  if (kind === 'metadata') return plainToInstance(MetadataHintProfileConfig, value, { exposeDefaultValues: true });
  return plainToInstance(UnknownKindHintProfile, { kind });
}

function isAbsoluteUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    new URL(value);
    return true;
  } catch {
    return false;
  }
}

export function endsWithDiscoverySuffix(url: unknown): boolean {
  if (typeof url !== 'string') return false;
  try {
    return new URL(url).pathname.endsWith(DISCOVERY_SUFFIX);
  } catch {
    return false;
  }
}

/** The issuer a metadata profile expects: configured, or derived from the discovery URL. */
export function expectedIssuer(profile: MetadataHintProfileConfig): string {
  if (profile.issuer !== undefined) return profile.issuer;
  const url = new URL(profile.metadataUrl);
  return `${url.origin}${url.pathname.slice(0, -DISCOVERY_SUFFIX.length)}`;
}

export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}
