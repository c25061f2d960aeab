import { createHash, hash, timingSafeEqual } from 'node:crypto';

/**
 * The wire format of an admin API key: `tsk_<id>_<secret>`.
 *
 * The id travels inside the key so that authentication is one lookup by primary key instead of
 * hashing against every stored row; the id is not secret (it is listed and logged). The secret
 * is 32 random bytes in base64url (RFC 4648 §5), which may itself contain `_`, so parsing splits
 * on the first two separators only.
 */
export const API_KEY_PREFIX = 'tsk';
export const API_KEY_SECRET_BYTES = 32;

/** Ids are lowercase hex: no `_`, so they can never be confused with the separator. */
const ID_PATTERN = /^[0-9a-f]{12,64}$/;
const SECRET_PATTERN = /^[A-Za-z0-9_-]{43,}$/;

export interface ParsedApiKey {
  id: string;
  secret: string;
}

export function formatApiKey(id: string, secret: string): string {
  return `${API_KEY_PREFIX}_${id}_${secret}`;
}

/** Splits a presented key into id and secret; `null` when it is not shaped like one of ours. */
export function parseApiKey(value: string): ParsedApiKey | null {
  if (!value.startsWith(`${API_KEY_PREFIX}_`)) return null;
  const rest = value.slice(API_KEY_PREFIX.length + 1);
  const sep = rest.indexOf('_');
  if (sep === -1) return null;
  const id = rest.slice(0, sep);
  const secret = rest.slice(sep + 1);
  if (!ID_PATTERN.test(id) || !SECRET_PATTERN.test(secret)) return null;
  return { id, secret };
}

/**
 * SHA-256 of the whole key, hex. A slow password hash (bcrypt, scrypt, Argon2) exists to make
 * guessing low-entropy passwords expensive; these keys carry 256 random bits, so nobody can
 * enumerate them whatever the hash costs, and a fast hash keeps every request's check cheap.
 * Hashing the whole key (id included) binds a stored hash to its row.
 */
export function hashApiKey(key: string): string {
  return apiKeyDigest(key).toString('hex');
}

/** `hashApiKey` as bytes: what a presented key is compared by, without a hex round trip per request. */
export function apiKeyDigest(key: string): Buffer {
  // One-shot: no Hash object per request.
  return hash('sha256', key, 'buffer');
}

/**
 * Constant-time equality of two strings of any length. Both sides are hashed first so that
 * neither the content nor the length of the expected value leaks through timing
 * (`timingSafeEqual` itself throws on unequal lengths).
 */
export function constantTimeEqual(a: string, b: string): boolean {
  const da = createHash('sha256').update(a, 'utf8').digest();
  const db = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(da, db);
}

/**
 * Constant-time comparison of a stored digest (hex as `hashApiKey` writes it, or its bytes) with
 * a presented key's `apiKeyDigest`.
 */
export function digestsEqual(expected: string | Buffer, actual: Buffer): boolean {
  const a = typeof expected === 'string' ? Buffer.from(expected, 'hex') : expected;
  return a.length === actual.length && a.length > 0 && timingSafeEqual(a, actual);
}

/**
 * What listings show: the id plus the first four characters of the secret, enough for an operator
 * to match a key in hand against the list. Four base64url characters are 24 of the secret's 256
 * bits, so the rest stays far beyond guessing.
 */
export function displayPrefix(id: string, secret: string): string {
  return `${API_KEY_PREFIX}_${id}_${secret.slice(0, 4)}`;
}

/** The credentials of `Authorization: Bearer <token>` (RFC 6750 §2.1); `null` if absent or malformed. */
export function bearerToken(authorization: string | string[] | undefined): string | null {
  if (typeof authorization !== 'string') return null;
  const match = /^Bearer[ ]+([A-Za-z0-9\-._~+/]+=*)\s*$/i.exec(authorization);
  return match ? match[1] : null;
}
