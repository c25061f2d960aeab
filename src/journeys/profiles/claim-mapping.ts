import { JOURNEY_ERROR_CODES, JourneyStepError } from '../engine/journey.errors';
import { resolveClaimValue, type ResolverContext } from '../policy/claim-resolvers';
import type { ClaimRef, ClaimsBag, ClaimTypeDef, ClaimValue, DataType } from '../policy/policy.model';
import { claimExists } from '../policy/preconditions';

/**
 * B2C's `InputClaim` / `OutputClaim` semantics for technical profiles:
 * - an input claim sends the bag's `claimType` value under its `partnerClaimType` (default: the
 *   claim type id); `defaultValue` stands in when the bag has none, or always with
 *   `alwaysUseDefaultValue`;
 * - an output claim takes the provider's `partnerClaimType` value into the bag as `claimType`,
 *   with the same default rules;
 * - default values pass through the claim resolvers;
 * - values are converted to the claim type's data type, and a value that cannot be is refused
 *   (a provider answering `"maybe"` for a boolean is a fault, not a truthy string).
 */

export function partnerName(ref: ClaimRef): string {
  return ref.partnerClaimType ?? ref.claimType;
}

export class ClaimValueError extends Error {}

/** Converts a provider's value to the claim type's data type; null/undefined/'' are "no value". */
export function coerceClaim(value: unknown, dataType: DataType): ClaimValue | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  switch (dataType) {
    case 'string':
      if (typeof value === 'string') return value;
      if (typeof value === 'number' || typeof value === 'boolean') return String(value);
      break;
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (typeof value === 'string' && /^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
      break;
    case 'int': {
      const n = typeof value === 'string' && /^-?\d{1,15}$/.test(value) ? Number(value) : value;
      if (typeof n === 'number' && Number.isSafeInteger(n)) return n;
      break;
    }
    case 'stringCollection':
      if (typeof value === 'string') return [value];
      if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value.length ? [...value] : undefined;
      break;
  }
  throw new ClaimValueError(`is not a ${dataType} value`);
}

function defaultOf(ref: ClaimRef, resolver: ResolverContext): unknown {
  return ref.defaultValue === undefined ? undefined : resolveClaimValue(ref.defaultValue, resolver);
}

/** The claims a profile sends, by partner name. A required input claim without a value ends the journey. */
export function inputClaimsFor(
  profileId: string,
  refs: readonly ClaimRef[],
  bag: Readonly<ClaimsBag>,
  schema: ReadonlyMap<string, ClaimTypeDef>,
  resolver: ResolverContext,
): Record<string, ClaimValue> {
  const out: Record<string, ClaimValue> = {};
  for (const ref of refs) {
    const fromBag = claimExists(bag, ref.claimType) ? bag[ref.claimType] : undefined;
    const raw = ref.alwaysUseDefaultValue || fromBag === undefined ? (defaultOf(ref, resolver) ?? fromBag) : fromBag;
    const value = convert(profileId, ref.claimType, raw, schema);
    if (value === undefined) {
      if (ref.required) {
        throw new JourneyStepError(JOURNEY_ERROR_CODES.claimsExchange, `The technical profile '${profileId}' needs the claim '${ref.claimType}', which this journey has not produced.`, 'server_error');
      }
      continue;
    }
    out[partnerName(ref)] = value;
  }
  return out;
}

/** The claims a profile returns, by claim type. Required output claims without a value end the journey. */
export function outputClaimsFrom(
  profileId: string,
  refs: readonly ClaimRef[],
  provided: Readonly<Record<string, unknown>>,
  schema: ReadonlyMap<string, ClaimTypeDef>,
  resolver: ResolverContext,
): ClaimsBag {
  const out: ClaimsBag = {};
  for (const ref of refs) {
    const name = partnerName(ref);
    const fromProvider = Object.hasOwn(provided, name) ? provided[name] : undefined;
    const given = fromProvider === undefined || fromProvider === null || fromProvider === '' ? undefined : fromProvider;
    const raw = ref.alwaysUseDefaultValue || given === undefined ? (defaultOf(ref, resolver) ?? given) : given;
    const value = convert(profileId, ref.claimType, raw, schema);
    if (value === undefined) {
      if (ref.required) {
        throw new JourneyStepError(JOURNEY_ERROR_CODES.claimsExchange, `The technical profile '${profileId}' did not return the required claim '${ref.claimType}'.`, 'server_error');
      }
      continue;
    }
    out[ref.claimType] = value;
  }
  return out;
}

function convert(profileId: string, claimType: string, raw: unknown, schema: ReadonlyMap<string, ClaimTypeDef>): ClaimValue | undefined {
  const dataType = schema.get(claimType)?.dataType ?? 'string';
  try {
    return coerceClaim(raw, dataType);
  } catch (e) {
    if (!(e instanceof ClaimValueError)) throw e;
    throw new JourneyStepError(JOURNEY_ERROR_CODES.claimsExchange, `The technical profile '${profileId}' produced a value for '${claimType}' that ${e.message}.`, 'server_error');
  }
}
