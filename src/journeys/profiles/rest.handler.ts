import { Injectable, Logger } from '@nestjs/common';
import { OutboundHttpError } from '../../common/outbound-http.error';
import { OutboundHttp } from '../../common/outbound-http.service';
import { JOURNEY_ERROR_CODES, JourneyStepError, UserFacingError } from '../engine/journey.errors';
import { resolveClaimValue } from '../policy/claim-resolvers';
import type { LocalizedText, TechnicalProfileDef } from '../policy/policy.model';
import type { ClaimsExchangeHandler, ExchangeClaims, ProfileContext } from './technical-profile.handler';

const MAX_RESPONSE_BYTES = 64 * 1024;
const MAX_USER_MESSAGE = 500;
const UNAVAILABLE: LocalizedText = {
  en: 'We could not check your information right now. Please try again in a few minutes.',
  ko: '지금은 정보를 확인할 수 없습니다. 잠시 후 다시 시도하세요.',
};

/**
 * B2C's RESTful technical profile (Microsoft Learn, "Define a RESTful technical profile"): the
 * input claims go as a JSON object in a POST body, the output claims are read from the JSON
 * answer by their partner names, and a `409 {version, status, userMessage}` answer shows the
 * `userMessage` to the user. Authentication: `None`, `Basic`, `Bearer`, or `ApiKeyHeader` (the
 * key's id is the header name); secrets come from environment variables named in the policy.
 * Requests go through the outbound HTTP edge, with its SSRF checks, deadline and size cap.
 */
@Injectable()
export class RestHandler implements ClaimsExchangeHandler {
  readonly kind = 'Rest' as const;
  private readonly logger = new Logger('Journeys');

  constructor(private readonly http: OutboundHttp) {}

  async invoke(tp: TechnicalProfileDef, { inputs }: ExchangeClaims, ctx: ProfileContext): Promise<Record<string, unknown>> {
    const url = String(tp.metadata.ServiceUrl).replace(/\{[^{}]+\}/g, (m) => encodeURIComponent(String(resolveClaimValue(m, ctx.resolver) ?? '')));
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    const key = (id: string) => process.env[tp.cryptographicKeys.find((k) => k.id === id)?.env ?? ''] ?? '';
    switch (tp.metadata.AuthenticationType) {
      case 'Basic':
        headers.authorization = `Basic ${Buffer.from(`${key('BasicAuthenticationUsername')}:${key('BasicAuthenticationPassword')}`, 'utf8').toString('base64')}`;
        break;
      case 'Bearer':
        headers.authorization = `Bearer ${key('BearerAuthenticationToken')}`;
        break;
      case 'ApiKeyHeader': {
        const [apiKey] = tp.cryptographicKeys;
        headers[apiKey.id.toLowerCase()] = process.env[apiKey.env] ?? '';
        break;
      }
    }
    const log = { correlationId: ctx.correlationId, technicalProfile: tp.id };
    let response;
    try {
      response = await this.http.fetch(url, {
        method: 'POST',
        headers,
        body: JSON.stringify(inputs),
        allowHttp: tp.metadata['tessera.allowHttp'] === true,
        allowPrivateNetworks: tp.metadata['tessera.allowPrivateNetworks'] === true,
        timeoutMs: Number(tp.metadata['tessera.timeoutMs']),
        maxResponseBytes: MAX_RESPONSE_BYTES,
      });
    } catch (e) {
      if (!(e instanceof OutboundHttpError)) throw e;
      this.logger.warn({ ...log, reason: e.message }, 'REST technical profile: request failed');
      throw new RestFailure(tp.id, `the service could not be reached (${e.reason})`);
    }
    let body: unknown;
    try {
      body = response.body.length ? response.json() : {};
    } catch {
      body = undefined;
    }
    if (response.status === 409) {
      const message = (body as { userMessage?: unknown } | undefined)?.userMessage;
      if (typeof message === 'string' && message.trim()) throw new UserFacingError({ en: message.trim().slice(0, MAX_USER_MESSAGE) }, `REST 409 from ${tp.id}`);
    }
    if (response.status < 200 || response.status > 299 || body === null || typeof body !== 'object' || Array.isArray(body)) {
      this.logger.warn({ ...log, status: response.status }, 'REST technical profile: unusable answer');
      throw new RestFailure(tp.id, `the service answered HTTP ${response.status}${body === undefined ? ' without JSON' : ''}`);
    }
    return body as Record<string, unknown>;
  }
}

/**
 * A REST call that produced no usable answer: as a validation profile the page says "try
 * again later"; as a step the journey ends with B2C's claims-exchange code.
 */
export class RestFailure extends UserFacingError {
  constructor(readonly technicalProfileId: string, detail: string) {
    super(UNAVAILABLE, detail);
  }

  toStepError(): JourneyStepError {
    return new JourneyStepError(JOURNEY_ERROR_CODES.claimsExchange, `The claims exchange '${this.technicalProfileId}' failed: ${this.detail}.`, 'server_error');
  }
}
