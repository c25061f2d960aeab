import type { TesseraConfig } from '../config/config.schema';

/** Where the JWKS is served; `/.well-known/jwks` is an alias of the first. */
export const JWKS_PATH = '/.well-known/keys';
export const JWKS_ALIAS_PATH = '/.well-known/jwks';
export const OPENID_CONFIGURATION_PATH = '/.well-known/openid-configuration';

/**
 * The OpenID Provider metadata (OpenID Connect Discovery 1.0 §3) of the token issuer: only
 * members that are true of this service. There is no authorization or token endpoint at this
 * level (policy-specific metadata lives with the journeys), so none is advertised.
 */
export function buildOpenIdConfiguration(config: Pick<TesseraConfig, 'issuer' | 'publicUrl'>): Record<string, unknown> {
  return {
    // Byte for byte the `iss` of every token (B2C compares them exactly); never from the Host header.
    issuer: config.issuer,
    jwks_uri: `${config.publicUrl}${JWKS_PATH}`,
    id_token_signing_alg_values_supported: ['RS256'],
    // Subjects are the same for every relying party (no pairwise identifiers).
    subject_types_supported: ['public'],
  };
}
