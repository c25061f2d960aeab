/**
 * What every page Tessera renders for a browser sends besides its Content-Security-Policy
 * (invitation landing pages, journey pages, protocol pages). Such pages carry personal data, or a
 * bearer secret in their URL or form, so no cache may keep them (RFC 9111 §5.2.2.5; `Pragma` for
 * HTTP/1.0 caches), their URL must not leave in a Referer, they must not be sniffed as another
 * type, and no other site may frame them (clickjacking).
 */
export const PRIVATE_PAGE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Cache-Control': 'no-store',
  Pragma: 'no-cache',
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
});
