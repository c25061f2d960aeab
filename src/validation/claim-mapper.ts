/**
 * B2C `OutputClaim` semantics, as a pure function:
 * - the value is the token's `partnerClaimType` claim, or its `claimType` claim when no partner
 *   name is given, stored under `claimType`;
 * - `defaultValue` fills in when the token lacks the claim, and replaces it whatever the token
 *   says when `alwaysUseDefaultValue` is set;
 * - a `required` claim that ends up without a value fails the whole mapping.
 * A claim that is absent or `null` in the token counts as missing (JSON null carries no value).
 */

export interface OutputClaim {
  claimType: string;
  partnerClaimType?: string;
  defaultValue?: string | number | boolean;
  alwaysUseDefaultValue?: boolean;
  required?: boolean;
}

export type ClaimMapping =
  | { ok: true; claims: Record<string, unknown> }
  | { ok: false; claims: Record<string, unknown>; missing: string[] };

export function mapClaims(payload: Readonly<Record<string, unknown>>, outputClaims: readonly OutputClaim[]): ClaimMapping {
  const claims: Record<string, unknown> = {};
  const missing: string[] = [];
  for (const claim of outputClaims) {
    const source = claim.partnerClaimType ?? claim.claimType;
    // Own properties only: a token cannot supply `constructor` or `__proto__` through the prototype.
    const fromToken = Object.hasOwn(payload, source) ? payload[source] : undefined;
    let value: unknown;
    if (claim.alwaysUseDefaultValue && claim.defaultValue !== undefined) value = claim.defaultValue;
    else if (fromToken !== undefined && fromToken !== null) value = fromToken;
    else value = claim.defaultValue;

    if (value === undefined) {
      if (claim.required) missing.push(claim.claimType);
      continue;
    }
    Object.defineProperty(claims, claim.claimType, { value, enumerable: true, writable: true, configurable: true });
  }
  return missing.length ? { ok: false, claims, missing } : { ok: true, claims };
}
