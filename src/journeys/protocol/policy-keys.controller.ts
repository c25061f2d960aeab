import { Controller, Get, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Public } from '../../auth/scopes';
import { NotFoundError } from '../../common/errors';
import { TesseraConfig } from '../../config/config.schema';
import { KeyStoreService } from '../../keys/key-store.service';
import { sendCacheableJson } from './cacheable-json';
import { PolicyLookup } from './policy-lookup.service';
import { policyAddress, policyRoutes } from './policy-routes';

/**
 * `GET /:policy/discovery/v2.0/keys`: the policy's `jwks_uri`, where B2C serves it. Every
 * policy signs with Tessera's key store, so this is the same key set as `/.well-known/keys`.
 */
@ApiTags('journeys')
@Controller()
@Public()
export class PolicyKeysController {
  constructor(
    private readonly lookup: PolicyLookup,
    private readonly keys: KeyStoreService,
    private readonly config: TesseraConfig,
  ) {}

  @Get(policyRoutes('discovery/v2.0/keys'))
  @ApiOperation({ summary: "A policy's JSON Web Key Set (RFC 7517 §5)" })
  async keySet(@Req() req: Request, @Res() res: Response): Promise<void> {
    const { policyId } = policyAddress(req);
    const policy = policyId !== undefined ? this.lookup.policy(policyId) : undefined;
    if (!policy) throw new NotFoundError(`no policy named '${policyId ?? ''}'`);
    const body = JSON.stringify(await this.keys.publishedJwks());
    sendCacheableJson(req, res, body, this.config.discovery.maxAgeSeconds);
  }
}
