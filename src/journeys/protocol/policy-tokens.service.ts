import { Injectable, Logger } from '@nestjs/common';
import { TokensService, type MintedToken } from '../../tokens/tokens.service';
import type { PolicyDescriptor } from '../journeys.contracts';
import { leftHalfSha256 } from './token-hashes';

/**
 * Claims the protocol sets itself. A relying-party claim of the same name would contradict the
 * protocol (a second `nonce`, a forged `c_hash`), so it is left out — with a warning, since it
 * means the policy's output claims name one of these.
 */
export const PROTOCOL_CLAIMS = [
  'iss',
  'sub',
  'aud',
  'exp',
  'nbf',
  'iat',
  'jti',
  'nonce',
  'auth_time',
  'c_hash',
  'at_hash',
  'azp',
  'tfp',
  'acr',
  'ver',
  'scope',
] as const;

export interface SubjectClaims {
  policy: PolicyDescriptor;
  clientId: string;
  subject: string;
  /** the relying-party output claims of the journey */
  claims: Record<string, unknown>;
  /** NumericDate of the end-user's authentication */
  authTime: number;
  correlationId: string;
}

export interface IdTokenInput extends SubjectClaims {
  nonce?: string;
  /** the code issued alongside (hybrid flow): adds `c_hash` (OpenID Connect Core §3.3.2.11) */
  code?: string;
  /** the access token issued alongside: adds `at_hash` (OpenID Connect Core §3.1.3.6) */
  accessToken?: string;
}

export interface AccessTokenInput extends SubjectClaims {
  scope: string[];
}

/**
 * The tokens a policy issues to its applications, shaped as B2C shapes them: `iss` is the
 * policy's issuer, `aud` the client id, `tfp` and `acr` name the policy, `ver` is "1.0".
 * Signing is `TokensService`'s (RS256, the key store's active key).
 */
@Injectable()
export class PolicyTokensService {
  private readonly logger = new Logger('PolicyTokens');

  constructor(private readonly tokens: TokensService) {}

  /** OpenID Connect Core §2: the ID token. */
  idToken(input: IdTokenInput): Promise<MintedToken> {
    return this.mintForPolicy(input, {
      acr: input.policy.id,
      ...(input.nonce !== undefined ? { nonce: input.nonce } : {}),
      ...(input.code !== undefined ? { c_hash: leftHalfSha256(input.code) } : {}),
      ...(input.accessToken !== undefined ? { at_hash: leftHalfSha256(input.accessToken) } : {}),
    });
  }

  /**
   * An access token for the application's own API, as B2C issues one when the scope names the
   * application: audience the client id, the same claims as the ID token, and the granted scope.
   * It has the ID token's lifetime (B2C has one setting for both).
   */
  accessToken(input: AccessTokenInput): Promise<MintedToken> {
    return this.mintForPolicy(input, { azp: input.clientId, scope: input.scope.join(' ') });
  }

  /**
   * What both tokens share: issued by the policy to the client for the subject, with the ID
   * token's lifetime, the relying-party claims and B2C's `ver`/`tfp`/`auth_time`.
   */
  private mintForPolicy(input: IdTokenInput | AccessTokenInput, claims: Record<string, unknown>): Promise<MintedToken> {
    return this.tokens.mint({
      issuer: input.policy.issuer,
      audience: input.clientId,
      subject: input.subject,
      lifetimeSeconds: input.policy.idTokenLifetimeSeconds,
      claims: { ...this.relyingPartyClaims(input), ver: '1.0', tfp: input.policy.id, auth_time: input.authTime, ...claims },
    });
  }

  private relyingPartyClaims(input: SubjectClaims): Record<string, unknown> {
    const kept: Record<string, unknown> = {};
    const dropped: string[] = [];
    for (const [name, value] of Object.entries(input.claims)) {
      if ((PROTOCOL_CLAIMS as readonly string[]).includes(name)) dropped.push(name);
      else if (value !== undefined) kept[name] = value;
    }
    if (dropped.length > 0) {
      this.logger.warn(
        { correlationId: input.correlationId, policy: input.policy.id, claims: dropped },
        `the policy's output claims name protocol claims, which the protocol sets itself; left out: ${dropped.join(', ')}`,
      );
    }
    return kept;
  }
}
