/**
 * Authorization codes (RFC 6749 §4.1.2). Only the SHA-256 of a code is stored: a database
 * read does not yield a redeemable code. Timestamps are epoch milliseconds; JSON is text (see
 * `src/persistence/database.ts` for the portable column conventions).
 */
export interface AuthorizationCodeTable {
  /** base64url SHA-256 of the code */
  code_hash: string;
  policy_id: string;
  client_id: string;
  /** the redirect_uri of the authorization request; the token request must repeat it (§4.1.3) */
  redirect_uri: string;
  /** space-separated scope of the authorization request */
  scope: string;
  nonce: string | null;
  /** RFC 7636 S256 challenge, when the request carried one */
  code_challenge: string | null;
  subject: string;
  /** JSON: the relying-party claims of the journey */
  claims: string;
  /** NumericDate (seconds) of the end-user's authentication */
  auth_time: number;
  correlation_id: string;
  created_at: number;
  expires_at: number;
  /** set once, by the one redemption that wins */
  consumed_at: number | null;
}

declare module '../../persistence/database' {
  interface Database {
    authorization_codes: AuthorizationCodeTable;
  }
}
