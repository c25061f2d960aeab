/**
 * The key store's tables. Timestamps are epoch milliseconds; JSON is text (see
 * `src/persistence/database.ts` for the portable column conventions).
 */

export type SigningKeyState = 'next' | 'active' | 'retired';
export type SigningKeySource = 'generated' | 'imported-pem' | 'imported-pfx';

/** One RSA signing key with its certificate. `kid` is the RFC 7638 thumbprint of the key. */
export interface SigningKeyTable {
  kid: string;
  alg: 'RS256';
  state: SigningKeyState;
  source: SigningKeySource;
  /** JSON: the public JWK as published (kid, kty, use, alg, n, e, x5c, x5t, x5t#S256) */
  public_jwk: string;
  /** the leaf certificate first, then any chain, as PEM */
  certificate_pem: string;
  /** encrypted PKCS#8 PEM (AES-256-CBC under KEYSTORE_PASSPHRASE) */
  private_key_enc: string;
  certificate_not_before: number;
  certificate_not_after: number;
  /** when the key entered the JWKS (every stored key is published from then on) */
  created_at: number;
  activated_at: number | null;
  retired_at: number | null;
  /** a retired key leaves the JWKS at this time; null while next or active */
  publish_until: number | null;
}

/** One HS256 shared secret, by the name relying parties refer to it. */
export interface HmacSecretTable {
  name: string;
  /** stable random id sent as the JWS `kid`; never derived from the secret bytes */
  kid: string;
  /** `v1:` + AES-256-GCM sealed secret (see secret-box.ts) */
  secret_enc: string;
  created_at: number;
  updated_at: number;
}

declare module '../persistence/database' {
  interface Database {
    signing_keys: SigningKeyTable;
    hmac_secrets: HmacSecretTable;
  }
}
