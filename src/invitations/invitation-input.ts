import { isEmail } from 'class-validator';
import type { FieldProblem } from '../common/errors';
import { RESERVED_CLAIM_NAMES, SUPPORTED_LOCALES, type Locale } from '../relying-parties/relying-parties.config';
import { isEmailDomainAllowed, type ClaimSpec, type RelyingParty } from '../relying-parties/relying-party';

/**
 * Checks of one invitation request against its relying party, shared by the HTTP API and by
 * callers that bring rows of their own (bulk import): pure functions, so a dry run validates
 * exactly as a real run would without touching anything.
 */

export type ClaimValue = string | number | boolean | string[];

/** Bounds on what an invitation carries: the hint travels in a URL, which browsers and B2C cap. */
export const INPUT_LIMITS = {
  emailLength: 254, // RFC 5321 §4.5.3.1.3 path limit
  nameLength: 200,
  claimStringLength: 1024,
  claimArrayItems: 50,
  claimsJsonBytes: 4096,
} as const;

export function normalizeEmail(value: unknown, field: string, problems: FieldProblem[]): string | undefined {
  if (typeof value !== 'string' || value.trim() === '') {
    problems.push({ field, problem: 'is required: the invitee\'s email address' });
    return undefined;
  }
  const email = value.trim().toLowerCase();
  if (email.length > INPUT_LIMITS.emailLength) {
    problems.push({ field, problem: `must be at most ${INPUT_LIMITS.emailLength} characters` });
    return undefined;
  }
  if (!isEmail(email, { allow_display_name: false, allow_ip_domain: false, require_tld: true })) {
    problems.push({ field, problem: `"${value}" is not an email address` });
    return undefined;
  }
  return email;
}

/** An optional single-line display text (a name). */
export function optionalText(value: unknown, field: string, problems: FieldProblem[]): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') {
    problems.push({ field, problem: 'must be a string' });
    return undefined;
  }
  const text = value.trim();
  if (text === '') return undefined;
  if (text.length > INPUT_LIMITS.nameLength) problems.push({ field, problem: `must be at most ${INPUT_LIMITS.nameLength} characters` });
  // eslint-disable-next-line no-control-regex
  else if (/[\u0000-\u001f\u007f]/.test(text)) problems.push({ field, problem: 'must not contain control characters or line breaks' });
  else return text;
  return undefined;
}

export function optionalLocale(value: unknown, fallback: Locale, field: string, problems: FieldProblem[]): Locale {
  if (value === undefined || value === null) return fallback;
  if (typeof value === 'string' && (SUPPORTED_LOCALES as readonly string[]).includes(value)) return value as Locale;
  problems.push({ field, problem: `must be one of ${SUPPORTED_LOCALES.join(', ')}` });
  return fallback;
}

export function optionalBoolean(value: unknown, fallback: boolean, field: string, problems: FieldProblem[]): boolean {
  if (value === undefined || value === null) return fallback;
  if (typeof value === 'boolean') return value;
  problems.push({ field, problem: 'must be true or false' });
  return fallback;
}

/** `expiresIn` in seconds: at least a minute, at most the relying party's cap. */
export function lifetimeSeconds(value: unknown, rp: RelyingParty | undefined, field: string, problems: FieldProblem[]): number | undefined {
  if (value === undefined || value === null) return rp?.invitationLifetimeSeconds;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    problems.push({ field, problem: 'must be a whole number of seconds' });
    return undefined;
  }
  if (value < 60) {
    problems.push({ field, problem: 'must be at least 60 seconds' });
    return undefined;
  }
  if (rp && value > rp.maxInvitationLifetimeSeconds) {
    problems.push({ field, problem: `must not exceed ${rp.maxInvitationLifetimeSeconds} seconds, the cap of relying party "${rp.id}"` });
    return undefined;
  }
  return value;
}

export function checkEmailDomain(rp: RelyingParty, email: string, field: string, problems: FieldProblem[]): void {
  if (!isEmailDomainAllowed(rp, email)) {
    problems.push({
      field,
      problem: `the domain "${email.slice(email.lastIndexOf('@') + 1)}" is not allowed for relying party "${rp.id}" (allowed: ${rp.allowedEmailDomains.join(', ')})`,
    });
  }
}

/**
 * The extra claims: only those the relying party declares, each of its declared type. Registered
 * claim names are refused by name, so a caller cannot forge `iss`, `exp` or `aud` of a hint.
 */
export function checkClaims(rp: RelyingParty, value: unknown, field: string, problems: FieldProblem[]): Record<string, ClaimValue> {
  const out: Record<string, ClaimValue> = {};
  if (value !== undefined && value !== null && (typeof value !== 'object' || Array.isArray(value))) {
    problems.push({ field, problem: 'must be a JSON object of claim names to values' });
    return out;
  }
  const given = (value ?? {}) as Record<string, unknown>;
  for (const [name, claimValue] of Object.entries(given)) {
    const path = `${field}.${name}`;
    if (RESERVED_CLAIM_NAMES.has(name)) {
      problems.push({ field: path, problem: 'is a registered claim name; Tessera sets it and an invitation cannot' });
      continue;
    }
    const spec = rp.claims.get(name);
    if (!spec) {
      const allowed = [...rp.claims.keys()];
      problems.push({
        field: path,
        problem: `is not a claim relying party "${rp.id}" allows` + (allowed.length ? ` (allowed: ${allowed.join(', ')})` : ' (it allows none)'),
      });
      continue;
    }
    const problem = claimTypeProblem(spec, claimValue);
    if (problem) problems.push({ field: path, problem });
    else out[name] = claimValue as ClaimValue;
  }
  for (const spec of rp.claims.values()) {
    if (spec.required && !(spec.name in given)) problems.push({ field: `${field}.${spec.name}`, problem: `is required by relying party "${rp.id}"` });
  }
  if (Buffer.byteLength(JSON.stringify(out)) > INPUT_LIMITS.claimsJsonBytes) {
    problems.push({ field, problem: `must be at most ${INPUT_LIMITS.claimsJsonBytes} bytes as JSON (the hint travels in a URL)` });
  }
  return out;
}

function claimTypeProblem(spec: ClaimSpec, value: unknown): string | undefined {
  switch (spec.type) {
    case 'string':
      if (typeof value !== 'string') return 'must be a string';
      return value.length > INPUT_LIMITS.claimStringLength ? `must be at most ${INPUT_LIMITS.claimStringLength} characters` : undefined;
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? undefined : 'must be a number';
    case 'integer':
      return Number.isSafeInteger(value) ? undefined : 'must be an integer';
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'must be true or false';
    case 'string[]':
      if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) return 'must be an array of strings';
      if (value.length > INPUT_LIMITS.claimArrayItems) return `must have at most ${INPUT_LIMITS.claimArrayItems} items`;
      return value.some((v: string) => v.length > INPUT_LIMITS.claimStringLength)
        ? `items must be at most ${INPUT_LIMITS.claimStringLength} characters`
        : undefined;
  }
}
