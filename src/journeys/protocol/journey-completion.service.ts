import { Injectable, Logger } from '@nestjs/common';
import { JourneyCompletion, type AuthorizationRequest, type JourneyOutcome, type PolicyDescriptor } from '../journeys.contracts';
import { AuthorizationCodesService } from './authorization-codes.service';
import { AuthorizationResponder, type ResponseTarget } from './authorization-responder';
import { PolicyLookup } from './policy-lookup.service';
import { PolicyTokensService } from './policy-tokens.service';

/**
 * The end of a journey, as the protocol sees it: issue the code and/or the ID token the
 * request asked for and answer in its response mode, or return the journey's error B2C-style
 * (`error=access_denied&error_description=AADB2C90208: …`).
 *
 * The request was validated when the journey began, but policies and applications can change
 * while a journey runs (a reload, another instance): the redirect URI is checked again, and if
 * it is no longer registered the browser gets the error page instead of a redirect.
 */
@Injectable()
export class ProtocolJourneyCompletion extends JourneyCompletion {
  private readonly logger = new Logger('JourneyCompletion');

  constructor(
    private readonly lookup: PolicyLookup,
    private readonly codes: AuthorizationCodesService,
    private readonly tokens: PolicyTokensService,
    private readonly responder: AuthorizationResponder,
  ) {
    super();
  }

  async complete(outcome: JourneyOutcome & { subject: string; claims: Record<string, unknown>; authTime: number }): Promise<void> {
    const { res, request, correlationId } = outcome;
    const policy = this.trustedPolicy(outcome);
    if (!policy) return;
    const base = { policy, clientId: request.clientId, subject: outcome.subject, claims: outcome.claims, authTime: outcome.authTime, correlationId };
    const code = request.responseType.includes('code') ? await this.codes.issue({ ...base, request }) : undefined;
    const idToken = request.responseType.includes('id_token')
      ? (await this.tokens.idToken({ ...base, ...(request.nonce !== undefined ? { nonce: request.nonce } : {}), ...(code !== undefined ? { code } : {}) })).token
      : undefined;
    this.logger.log(
      { correlationId, policy: policy.id, clientId: request.clientId, responseType: request.responseType, responseMode: request.responseMode },
      'journey completed; authorization response sent',
    );
    this.responder.success(res, target(request, policy), { ...(code !== undefined ? { code } : {}), ...(idToken !== undefined ? { id_token: idToken } : {}) });
  }

  async fail(outcome: JourneyOutcome & { code: string; description: string; error?: string }): Promise<void> {
    const { res, request, correlationId } = outcome;
    const policy = this.trustedPolicy(outcome, `${outcome.code}: ${outcome.description}`);
    if (!policy) return;
    const error = outcome.error ?? 'access_denied';
    this.logger.warn(
      { correlationId, policy: policy.id, clientId: request.clientId, error, code: outcome.code },
      `journey failed: ${outcome.code}: ${outcome.description}`,
    );
    this.responder.error(res, target(request, policy), error, `${outcome.code}: ${outcome.description}`);
  }

  /** The policy, when the request's redirect URI is still registered; otherwise the error page is sent. */
  private trustedPolicy(outcome: JourneyOutcome, journeyError?: string): PolicyDescriptor | undefined {
    const { res, request, correlationId } = outcome;
    const policy = this.lookup.policy(request.policyId);
    const application = this.lookup.application(request.clientId);
    const problem = !policy
      ? `The policy '${request.policyId}' no longer exists.`
      : !application
        ? `The client ID '${request.clientId}' is no longer a registered application.`
        : !application.redirectUris.includes(request.redirectUri)
          ? `AADB2C90006: The redirect URI '${request.redirectUri}' provided in the request is not registered for the client ID '${request.clientId}'.`
          : undefined;
    if (problem === undefined) return policy;
    this.responder.errorPage(res, {
      status: 400,
      error: journeyError ? 'access_denied' : 'invalid_request',
      description: journeyError ? `${journeyError} (${problem})` : problem,
      correlationId,
      ...(request.uiLocales ? { uiLocales: request.uiLocales } : {}),
    });
    return undefined;
  }
}

function target(request: AuthorizationRequest, policy: PolicyDescriptor): ResponseTarget {
  return {
    redirectUri: request.redirectUri,
    responseMode: request.responseMode,
    ...(request.state !== undefined ? { state: request.state } : {}),
    issuer: policy.issuer,
    ...(request.uiLocales ? { uiLocales: request.uiLocales } : {}),
  };
}
