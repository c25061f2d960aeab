import type { Response } from 'express';

/**
 * The seam between the protocol surface (`protocol/`: OpenID Connect endpoints, applications,
 * codes, tokens) and the journey engine (`engine/`: policies, orchestration steps, pages).
 * Each side implements one of these abstract classes; Nest injects them by class.
 */

/** An authorization request the protocol side has already validated (OpenID Connect Core §3.1.2.1). */
export interface AuthorizationRequest {
  policyId: string;
  clientId: string;
  /** exact match against the application's registered URIs: safe to redirect to */
  redirectUri: string;
  responseType: 'code' | 'id_token' | 'code id_token';
  responseMode: 'query' | 'fragment' | 'form_post';
  scope: string[];
  state?: string;
  nonce?: string;
  prompt?: string;
  loginHint?: string;
  domainHint?: string;
  idTokenHint?: string;
  codeChallenge?: string;
  codeChallengeMethod?: 'S256';
  uiLocales?: string[];
  /** every query parameter as received, for `{OAUTH-KV:<param>}` claim resolvers */
  parameters: Record<string, string>;
}

/** A registered application (client), declared in the policies folder. */
export interface RegisteredApplication {
  clientId: string;
  displayName: string;
  redirectUris: string[];
  /** confidential clients authenticate at the token endpoint (client_secret_basic or _post) */
  clientSecret?: string;
  responseTypes: Array<AuthorizationRequest['responseType']>;
  /** require PKCE S256 for the code flow (default true for public clients) */
  requirePkce: boolean;
}

/** What the protocol side needs to know about one policy. */
export interface PolicyDescriptor {
  id: string;
  /** `iss` of tokens issued for this policy (from its JWT issuer technical profile) */
  issuer: string;
  idTokenLifetimeSeconds: number;
  /** authorization code lifetime */
  codeLifetimeSeconds: number;
  /** claim types the relying-party section emits, for discovery `claims_supported` */
  claimsSupported: string[];
}

export abstract class PolicyCatalog {
  abstract policy(policyId: string): PolicyDescriptor | undefined;
  abstract policies(): PolicyDescriptor[];
  abstract application(clientId: string): RegisteredApplication | undefined;
}

export interface JourneyOutcome {
  res: Response;
  request: AuthorizationRequest;
  correlationId: string;
}

/** The protocol side ends a journey: issues code and/or id_token, or returns the error. */
export abstract class JourneyCompletion {
  /** `subject` becomes `sub`; `claims` are the relying-party output claims (no registered claims). */
  abstract complete(outcome: JourneyOutcome & { subject: string; claims: Record<string, unknown>; authTime: number }): Promise<void>;
  /** `code` is an AADB2C code such as `AADB2C90208`; sent as `error=access_denied&error_description=<code>: <description>` */
  abstract fail(outcome: JourneyOutcome & { code: string; description: string; error?: string }): Promise<void>;
}

/** The engine side starts a journey for a validated request and drives it to completion. */
export abstract class JourneyStarter {
  abstract begin(request: AuthorizationRequest, res: Response): Promise<void>;
}
