import { Controller, Get, Options, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Public } from '../auth/scopes';
import { WellKnownDocumentsService } from './well-known-documents.service';

/**
 * `GET /.well-known/openid-configuration`. The same bytes are usually served by the fast path
 * (well-known-fast-path.ts) before a request reaches Nest; this route is what answers when the
 * fast path is not installed, and what OpenAPI describes.
 */
@ApiTags('discovery')
@Public()
@Controller('.well-known/openid-configuration')
export class OpenIdConfigurationController {
  constructor(private readonly documents: WellKnownDocumentsService) {}

  @Get()
  @ApiOperation({ summary: 'OpenID Provider metadata: issuer, jwks_uri, supported signing algorithms' })
  @ApiOkResponse({ description: 'application/json; cacheable (Cache-Control, ETag), CORS-open' })
  get(@Req() req: Request, @Res() res: Response): void {
    this.documents.openidConfiguration().respond(req, res);
  }

  @Options()
  preflight(@Req() req: Request, @Res() res: Response): void {
    this.documents.openidConfiguration().respond(req, res);
  }
}
