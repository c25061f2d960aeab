import type { HINT_ERROR_CODES } from '../validation/hint-validation.error';

/** The Azure AD B2C error a misconfiguration would make B2C show an invitee (DESIGN §3). */
export type B2cErrorCode = (typeof HINT_ERROR_CODES)['expired' | 'audience' | 'invalid' | 'issuer' | 'signature'];

/** What each check is called in a finding; stable, for scripts that look for one. */
export type CheckName =
  | 'public-url-https'
  | 'discovery-reachable'
  | 'issuer-matches-discovery'
  | 'issuer-matches-public-url'
  | 'jwks-uri-https'
  | 'jwks-uri-host'
  | 'jwks-reachable'
  | 'active-key-published'
  | 'certificate-validity'
  | 'hs256-secret'
  | 'hint-validates';

export interface Finding {
  severity: 'error' | 'warning';
  /** The B2C error a user would meet, or null when the fault is not one B2C reports. */
  code: B2cErrorCode | null;
  check: CheckName;
  message: string;
  fix: string;
}

export interface RelyingPartyReport {
  id: string;
  signing: 'RS256' | 'HS256';
  findings: Finding[];
}

export interface SelfCheckReport {
  /** No finding of severity `error` for any relying party. */
  ok: boolean;
  publicUrl: string;
  issuer: string;
  relyingParties: RelyingPartyReport[];
  checkedAt: string;
}

/** One HTTP GET as a relying party makes it: never following a redirect. */
export interface FetchObservation {
  url: string;
  /** An HTTP answer arrived (any status). */
  status?: number;
  /** The Location of a 3xx answer. */
  location?: string;
  /** Why there is no usable document: a transport failure, a status, or a body of the wrong shape. */
  problem?: string;
}

export interface DiscoveryObservation extends FetchObservation {
  issuer?: string;
  jwksUri?: string;
}

export interface JwksObservation extends FetchObservation {
  /** Key ids published, when the JWKS was read. */
  kids?: string[];
  /** The JWKS itself, for verifying a test hint exactly as a relying party would. */
  document?: { keys: Record<string, unknown>[] };
}

/** What the self-check saw of Tessera's own metadata, fetched through PUBLIC_URL. */
export interface MetadataObservation {
  publicUrl: string;
  discovery: DiscoveryObservation;
  /**
   * The JWKS at the discovery's `jwks_uri` or, when the discovery could not be read, at the
   * address Tessera would publish it under PUBLIC_URL.
   */
  jwks: JwksObservation;
  /** The key the store signs RS256 hints with, or why it could not be read. */
  activeKey: { kid: string; certificateNotAfter?: Date } | { problem: string };
}

/** The outcome of minting a test hint for a relying party and validating it as B2C would. */
export type HintObservation =
  | { minted: false; problem: string }
  | {
      minted: true;
      /** The `iss` the hint carries: what every invitation carries. */
      iss: string;
      /** Absent when the hint validated. `skipped`: nothing to validate against (metadata unreadable). */
      failure?: { kind: 'issuer' | 'audience' | 'signature' | 'expired' | 'invalid' | 'skipped'; message: string };
    };

export interface RelyingPartyObservation {
  id: string;
  signing: 'RS256' | 'HS256';
  audience: string;
  /** HS256: the key store secret it names, and whether the store holds it. */
  secret?: { name: string; present: boolean };
  hint: HintObservation;
}
