/**
 * The issuer's discovery document or key set could not be used. `unavailable`: fetching failed
 * or the answer was not usable (status, size, JSON, shape); `issuer_mismatch`: the document
 * names another issuer than the profile trusts. Messages name the URL and the reason only.
 */
export class IssuerMetadataError extends Error {
  constructor(
    readonly kind: 'unavailable' | 'issuer_mismatch',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'IssuerMetadataError';
  }
}
