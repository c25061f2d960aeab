import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '../../common/clock';
import { AuthorizationCodesService } from './authorization-codes.service';
import { authenticateClient, readClientCredentials } from './client-authentication';
import { OAuthError } from './oauth.errors';
import { isValidCodeVerifier, verifyS256 } from './pkce';
import { PolicyLookup } from './policy-lookup.service';
import { PolicyTokensService } from './policy-tokens.service';

/** RFC 6749 §5.1 (plus `id_token`, OpenID Connect Core §3.1.3.3, and B2C's `id_token_expires_in`). */
export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
  id_token: string;
  id_token_expires_in: number;
}

/**
 * The token endpoint's one grant: `authorization_code` (RFC 6749 §4.1.3, OpenID Connect Core
 * §3.1.3.2). Every check runs before the code is consumed, so a request that fails them leaves
 * the legitimate client's code usable; the consumption itself is one conditional UPDATE, so a
 * code yields tokens once, however many requests race for it.
 */
@Injectable()
export class TokenExchangeService {
  private readonly logger = new Logger('TokenEndpoint');

  constructor(
    private readonly lookup: PolicyLookup,
    private readonly codes: AuthorizationCodesService,
    private readonly tokens: PolicyTokensService,
    private readonly clock: Clock,
  ) {}

  async exchange(policyId: string, body: Record<string, string>, authorization: string | undefined): Promise<TokenResponse> {
    const policy = this.lookup.policy(policyId);
    if (!policy) throw new OAuthError('invalid_request', `The policy '${policyId}' does not exist.`, 404);
    const grantType = body.grant_type;
    if (grantType === undefined) throw new OAuthError('invalid_request', 'The request does not contain a grant_type parameter.');
    // Credentials are checked before the grant type is judged: an unauthenticated caller learns nothing else.
    const presented = readClientCredentials(authorization, body);
    const application = authenticateClient(this.lookup.application(presented.clientId), presented);
    if (grantType !== 'authorization_code') {
      throw new OAuthError('unsupported_grant_type', `The grant type '${grantType}' is not supported; this endpoint accepts authorization_code only.`);
    }
    const code = body.code;
    if (code === undefined) throw new OAuthError('invalid_request', 'The request does not contain a code parameter.');
    const invalidGrant = (description: string) => new OAuthError('invalid_grant', description);

    const stored = await this.codes.find(code);
    const now = this.clock.now().getTime();
    if (!stored || stored.expiresAt <= now) throw invalidGrant('The authorization code is not valid or has expired.');
    if (stored.consumedAt !== undefined) {
      // RFC 6749 §4.1.2: a second use of a code is a sign of theft. The tokens it bought are
      // self-contained JWTs that cannot be recalled; the attempt is refused and recorded.
      this.logger.warn(
        { correlationId: stored.correlationId, policy: stored.policyId, clientId: presented.clientId },
        'an authorization code was presented again after it was used',
      );
      throw invalidGrant('The authorization code has already been used.');
    }
    if (stored.policyId !== policy.id) throw invalidGrant(`The authorization code was not issued by the policy '${policy.id}'.`);
    if (stored.clientId !== application.clientId) throw invalidGrant('The authorization code was issued to another client.');
    // RFC 6749 §4.1.3: required, and identical to the authorization request's.
    if (body.redirect_uri === undefined) throw new OAuthError('invalid_request', 'The request does not contain the redirect_uri of the authorization request.');
    if (body.redirect_uri !== stored.redirectUri) throw invalidGrant('The redirect_uri differs from the one of the authorization request.');
    this.checkPkce(stored.codeChallenge, body.code_verifier);

    if (!(await this.codes.consume(stored))) {
      this.logger.warn(
        { correlationId: stored.correlationId, policy: stored.policyId, clientId: presented.clientId },
        'an authorization code was presented twice at the same time; one request won',
      );
      throw invalidGrant('The authorization code has already been used.');
    }

    const subject = { policy, clientId: application.clientId, subject: stored.subject, claims: stored.claims, authTime: stored.authTime, correlationId: stored.correlationId };
    // No refresh tokens are issued, so offline_access is not granted (RFC 6749 §3.3: the response says so).
    const scope = stored.scope.filter((s) => s !== 'offline_access');
    const accessToken = await this.tokens.accessToken({ ...subject, scope });
    const idToken = await this.tokens.idToken({
      ...subject,
      ...(stored.nonce !== undefined ? { nonce: stored.nonce } : {}),
      accessToken: accessToken.token,
    });
    this.logger.log({ correlationId: stored.correlationId, policy: policy.id, clientId: application.clientId }, 'authorization code redeemed');
    return {
      access_token: accessToken.token,
      token_type: 'Bearer',
      expires_in: accessToken.exp - accessToken.iat,
      scope: scope.join(' '),
      id_token: idToken.token,
      id_token_expires_in: idToken.exp - idToken.iat,
    };
  }

  /** RFC 7636 §4.6, and OAuth 2.1's rule against downgrades: a verifier needs a challenge. */
  private checkPkce(challenge: string | undefined, verifier: string | undefined): void {
    if (challenge === undefined) {
      if (verifier !== undefined) throw new OAuthError('invalid_grant', 'A code_verifier was sent, but the authorization request had no code_challenge.');
      return;
    }
    if (verifier === undefined) throw new OAuthError('invalid_grant', 'The authorization request had a code_challenge: the code_verifier is required.');
    if (!isValidCodeVerifier(verifier)) {
      throw new OAuthError('invalid_request', 'The code_verifier must be 43 to 128 characters of A-Z, a-z, 0-9, "-", ".", "_", "~" (RFC 7636 §4.1).');
    }
    if (!verifyS256(verifier, challenge)) throw new OAuthError('invalid_grant', 'The code_verifier does not match the code_challenge of the authorization request.');
  }
}
