/**
 * Shape checks on a compact JWS that run before any decoding, so oversized or malformed input
 * costs next to nothing and is refused with a specific reason.
 */

/** A token that is not a well-formed compact JWS; the message is safe to show the caller. */
export class JwsFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JwsFormatError';
  }
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const PART_NAMES = ['header', 'payload', 'signature'] as const;

/**
 * Checks length, part count and that every part is canonical, unpadded base64url (RFC 7515 §2,
 * RFC 4648 §5). Canonical matters: jose's decoder (atob) ignores non-zero trailing bits, so
 * `…Q` and `…R` would decode alike and one signature would cover several strings.
 */
export function assertCompactJws(token: unknown, maxLength: number): asserts token is string {
  if (typeof token !== 'string') throw new JwsFormatError('the token must be a string');
  if (token.length === 0) throw new JwsFormatError('the token is empty');
  // Before anything else looks at it: a 1 MB token is refused in O(1).
  if (token.length > maxLength) {
    throw new JwsFormatError(`the token is ${token.length} characters long; at most ${maxLength} are accepted`);
  }
  const parts = token.split('.');
  if (parts.length === 5) {
    throw new JwsFormatError('the token is an encrypted JWT (JWE, five parts); only signed tokens (JWS, three parts) are accepted');
  }
  if (parts.length !== 3) {
    throw new JwsFormatError(`a compact JWS has three dot-separated parts; this token has ${parts.length}`);
  }
  parts.forEach((part, i) => {
    const name = PART_NAMES[i];
    if (part.length === 0 && name !== 'payload') throw new JwsFormatError(`the ${name} part is empty`);
    if (!BASE64URL.test(part)) {
      throw new JwsFormatError(`the ${name} part is not base64url: only A-Z, a-z, 0-9, "-" and "_" are allowed, without padding or whitespace`);
    }
    if (!isCanonicalBase64url(part)) throw new JwsFormatError(`the ${name} part is not canonical base64url (wrong length or non-zero trailing bits)`);
  });
}

function isCanonicalBase64url(part: string): boolean {
  const rest = part.length % 4;
  if (rest === 1) return false;
  if (rest === 0) return true;
  const last = ALPHABET.indexOf(part[part.length - 1]);
  // 2 leftover characters carry 12 bits for 8 (4 unused); 3 carry 18 for 16 (2 unused).
  return (last & (rest === 2 ? 0x0f : 0x03)) === 0;
}
