import { Controller, Get, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Public } from '../../auth/scopes';
import { NotFoundError } from '../../common/errors';
import { TesseraConfig } from '../../config/config.schema';
import type { PolicyDescriptor } from '../journeys.contracts';
import { sendCacheableJson } from './cacheable-json';
import { PolicyLookup } from './policy-lookup.service';
import { policyAddress, policyBase, policyRoutes } from './policy-routes';

/** Claims every token of a policy carries besides the relying-party claims. */
const PROTOCOL_CLAIMS_SUPPORTED = ['iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'auth_time', 'nonce', 'c_hash', 'at_hash', 'acr', 'tfp', 'ver'];

/**
 * `GET /:policy/v2.0/.well-known/openid-configuration` (OpenID Connect Discovery 1.0 §3), one
 * document per policy as B2C serves them. Only what Tessera does is advertised.
 */
@ApiTags('journeys')
@Controller()
@Public()
export class OpenIdConfigurationController {
  constructor(
    private readonly lookup: PolicyLookup,
    private readonly config: TesseraConfig,
  ) {}

  @Get(policyRoutes('v2.0/.well-known/openid-configuration'))
  @ApiOperation({ summary: "A policy's OpenID Provider metadata" })
  configuration(@Req() req: Request, @Res() res: Response): void {
    const { policyId, tenant } = policyAddress(req);
    const policy = policyId !== undefined ? this.lookup.policy(policyId) : undefined;
    if (!policy) throw new NotFoundError(`no policy named '${policyId ?? ''}'`);
    const body = JSON.stringify(openIdConfiguration(policy, policyBase(this.config.publicUrl, policy.id, tenant)));
    sendCacheableJson(req, res, body, this.config.discovery.maxAgeSeconds);
  }
}

export function openIdConfiguration(policy: PolicyDescriptor, base: string): Record<string, unknown> {
  return {
    issuer: policy.issuer,
    authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
    token_endpoint: `${base}/oauth2/v2.0/token`,
    jwks_uri: `${base}/discovery/v2.0/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    response_types_supported: ['code', 'id_token', 'code id_token'],
    grant_types_supported: ['authorization_code', 'implicit'],
    scopes_supported: ['openid'],
    // B2C says "pairwise", yet its subjects are the same objectId for every application.
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    claims_supported: [...new Set([...policy.claimsSupported, ...PROTOCOL_CLAIMS_SUPPORTED])],
    code_challenge_methods_supported: ['S256'],
    prompt_values_supported: ['none', 'login', 'consent', 'select_account', 'create'],
    ui_locales_supported: ['en', 'ko'],
    claims_parameter_supported: false,
    request_parameter_supported: false,
    // Discovery §3 makes `true` the default when this is absent; it must be said.
    request_uri_parameter_supported: false,
    authorization_response_iss_parameter_supported: true,
  };
}
