import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  Validate,
  ValidateNested,
  ValidatorConstraint,
  type ValidationArguments,
  type ValidatorConstraintInterface,
} from 'class-validator';
import { parseMailbox } from '../mail/mail-address';
import { signUpUrlProblems } from './sign-up-url';

/**
 * The `relyingParties` section: one entry per application invitees are sent to. Every default
 * is written here, next to its field; README "Invitations" shows a B2C example.
 */

export const SUPPORTED_LOCALES = ['en', 'ko'] as const;
export type Locale = (typeof SUPPORTED_LOCALES)[number];

export const LINK_MODES = ['landing', 'direct'] as const;
export type LinkMode = (typeof LINK_MODES)[number];

export const CLAIM_TYPES = ['string', 'number', 'integer', 'boolean', 'string[]'] as const;
export type ClaimType = (typeof CLAIM_TYPES)[number];

/**
 * Claim names an invitation can never set: the JWT registered claims (RFC 7519 §4.1), the
 * ID-token claims a relying party interprets (OpenID Connect Core §2), and `email`/`name`,
 * which come from the invitation's own fields.
 */
export const RESERVED_CLAIM_NAMES: ReadonlySet<string> = new Set([
  'iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti',
  'nonce', 'auth_time', 'acr', 'amr', 'azp', 'at_hash', 'c_hash', 'sid', 'cnf', 'typ',
  'email', 'name',
]);

/** B2C claim type ids and JSON member names that need no quoting. */
export const CLAIM_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_.:-]{0,63}$/;

@ValidatorConstraint({ name: 'signUpUrlTemplate' })
class IsSignUpUrlTemplate implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return signUpUrlProblems(value).length === 0;
  }
  defaultMessage(args: ValidationArguments): string {
    return signUpUrlProblems(args.value).join('; ');
  }
}

@ValidatorConstraint({ name: 'notReservedClaim' })
class IsNotReservedClaim implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return typeof value !== 'string' || !RESERVED_CLAIM_NAMES.has(value);
  }
  defaultMessage(args: ValidationArguments): string {
    return `"${String(args.value)}" is a registered claim name that an invitation cannot set`;
  }
}

@ValidatorConstraint({ name: 'withinInvitationCap' })
class IsWithinInvitationCap implements ValidatorConstraintInterface {
  validate(value: unknown, args: ValidationArguments): boolean {
    const rp = args.object as RelyingPartyConfig;
    return typeof value !== 'number' || typeof rp.maxInvitationLifetimeSeconds !== 'number' || value <= rp.maxInvitationLifetimeSeconds;
  }
  defaultMessage(): string {
    return 'must not exceed maxInvitationLifetimeSeconds';
  }
}

@ValidatorConstraint({ name: 'emailDomainPattern' })
class IsEmailDomainPattern implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return Array.isArray(value) && value.every((d) => typeof d === 'string' && DOMAIN_PATTERN.test(d));
  }
  defaultMessage(): string {
    return 'each entry must be a domain name ("example.com") or a subdomain wildcard ("*.example.com")';
  }
}
const DOMAIN_PATTERN = /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

@ValidatorConstraint({ name: 'mailbox' })
class IsMailbox implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return parseMailbox(value) !== undefined;
  }
  defaultMessage(): string {
    return 'must be one mailbox, e.g. "Contoso <invites@contoso.com>"';
  }
}

@ValidatorConstraint({ name: 'secretMatchesAlg' })
class SecretMatchesAlg implements ValidatorConstraintInterface {
  validate(value: unknown, args: ValidationArguments): boolean {
    const signing = args.object as RelyingPartySigningConfig;
    if (signing.alg === 'HS256') return typeof value === 'string' && SECRET_NAME.test(value);
    return value === undefined;
  }
  defaultMessage(args: ValidationArguments): string {
    return (args.object as RelyingPartySigningConfig).alg === 'HS256'
      ? 'must name the key store secret to sign with (letters, digits, ".", "_", "-")'
      : 'is only used with alg HS256';
  }
}
const SECRET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export class RelyingPartySigningConfig {
  /** RS256 signs with the key store's active RSA key (B2C's default); HS256 with a named secret. */
  @IsIn(['RS256', 'HS256'])
  alg: 'RS256' | 'HS256' = 'RS256';

  /** HS256 only: the name of the key store's HMAC secret (the value lives in the key store, never here). */
  @Validate(SecretMatchesAlg)
  secret?: string;
}

export class RelyingPartyClaimConfig {
  @IsString() @Matches(CLAIM_NAME_PATTERN, { message: 'must be a claim name of letters, digits and _ . : - (at most 64)' })
  @Validate(IsNotReservedClaim)
  name: string;

  /** `string`, `number`, `integer`, `boolean` or `string[]`; values of another type are refused. */
  @IsIn(CLAIM_TYPES)
  type: ClaimType = 'string';

  /** Every invitation to this relying party must carry the claim. */
  @IsBoolean()
  required = false;
}

export class RelyingPartyMailConfig {
  /** `From` of this relying party's invitations. Default: `mail.from`. */
  @IsOptional() @Validate(IsMailbox)
  from?: string;

  /** Subject line, replacing the template's. Default: the localized template subject. */
  @IsOptional() @IsString() @MinLength(1) @MaxLength(200) @Matches(/^[^\r\n]*$/, { message: 'must be one line' })
  subject?: string;
}

export class RelyingPartyConfig {
  /** Stable id used in the API (`relyingParty`) and stored with each invitation. */
  @IsString() @Matches(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, { message: 'must be 1-64 letters, digits, ".", "_" or "-"' })
  id: string;

  /** Shown to invitees on the landing page and in the email. */
  @IsString() @MinLength(1) @MaxLength(100)
  displayName: string;

  /** The `aud` of the hints; for B2C, the client id of the application registration. */
  @IsString() @MinLength(1) @MaxLength(256)
  audience: string;

  @ValidateNested() @Type(() => RelyingPartySigningConfig)
  signing: RelyingPartySigningConfig = new RelyingPartySigningConfig();

  /** Where invitees go to sign up; see `sign-up-url.ts` for the placeholders. */
  @Validate(IsSignUpUrlTemplate)
  signUpUrl: string;

  /**
   * `landing` (default): the email links to Tessera's landing page, which mints a short-lived
   * hint at the click. `direct`: the email carries the sign-up URL with the hint itself, minted
   * when the mail is written and valid until the invitation expires (Microsoft's samples).
   */
  @IsIn(LINK_MODES)
  linkMode: LinkMode = 'landing';

  /** Lifetime of a hint minted at the click (landing mode): long enough to reach the sign-up page. */
  @IsInt() @Min(60) @Max(24 * 3600)
  hintLifetimeSeconds = 600;

  /** Lifetime of an invitation when the request names none. */
  @IsInt() @Min(60) @Validate(IsWithinInvitationCap)
  invitationLifetimeSeconds = 7 * 24 * 3600;

  /** The longest `expiresIn` a request may ask for. */
  @IsInt() @Min(60) @Max(90 * 24 * 3600)
  maxInvitationLifetimeSeconds = 30 * 24 * 3600;

  /** Invitee email domains allowed (`example.com`, `*.example.com`); empty allows any. */
  @IsArray() @ArrayMaxSize(1000) @Validate(IsEmailDomainPattern)
  allowedEmailDomains: string[] = [];

  /** The extra claims an invitation may carry; any other claim is refused. */
  @IsArray() @ArrayMaxSize(100) @ValidateNested({ each: true }) @Type(() => RelyingPartyClaimConfig)
  claims: RelyingPartyClaimConfig[] = [];

  /** Locale of the email and the landing page when the request names none. */
  @IsIn(SUPPORTED_LOCALES)
  defaultLocale: Locale = 'en';

  @ValidateNested() @Type(() => RelyingPartyMailConfig)
  mail: RelyingPartyMailConfig = new RelyingPartyMailConfig();
}

/**
 * Checks that need the whole list or another section: ids and claim names are unique, and in
 * direct mode the hint lives as long as the invitation, so the cap must fit `tokens`' cap.
 * Every problem names its path (`relyingParties[1].id`).
 */
@ValidatorConstraint({ name: 'relyingPartiesConsistent' })
export class RelyingPartiesConsistent implements ValidatorConstraintInterface {
  validate(value: unknown, args: ValidationArguments): boolean {
    return relyingPartiesProblems(value, args.object).length === 0;
  }
  defaultMessage(args: ValidationArguments): string {
    return relyingPartiesProblems(args.value, args.object).join('; ');
  }
}

export function relyingPartiesProblems(value: unknown, root: object): string[] {
  if (!Array.isArray(value)) return [];
  const problems: string[] = [];
  const tokenCap = (root as { tokens?: { maxLifetimeSeconds?: unknown } }).tokens?.maxLifetimeSeconds;
  const seen = new Map<string, number>();
  value.forEach((rp: Partial<RelyingPartyConfig> | undefined, i) => {
    if (!rp || typeof rp !== 'object') return;
    if (typeof rp.id === 'string') {
      const first = seen.get(rp.id.toLowerCase());
      if (first !== undefined) problems.push(`relyingParties[${i}].id "${rp.id}" is already used by relyingParties[${first}]`);
      else seen.set(rp.id.toLowerCase(), i);
    }
    const names = new Map<string, number>();
    (Array.isArray(rp.claims) ? rp.claims : []).forEach((c, j) => {
      if (typeof c?.name !== 'string') return;
      const first = names.get(c.name);
      if (first !== undefined) problems.push(`relyingParties[${i}].claims[${j}].name "${c.name}" is already declared by claims[${first}]`);
      else names.set(c.name, j);
    });
    if (typeof tokenCap === 'number') {
      const longest = rp.linkMode === 'direct' ? rp.maxInvitationLifetimeSeconds : rp.hintLifetimeSeconds;
      const field = rp.linkMode === 'direct' ? 'maxInvitationLifetimeSeconds' : 'hintLifetimeSeconds';
      if (typeof longest === 'number' && longest > tokenCap) {
        problems.push(
          `relyingParties[${i}].${field} (${longest}) exceeds tokens.maxLifetimeSeconds (${tokenCap})` +
            (rp.linkMode === 'direct' ? ': in direct mode the hint lives as long as the invitation' : ''),
        );
      }
    }
  });
  return problems;
}
