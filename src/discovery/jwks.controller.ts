import { Controller, Get, Options, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Public } from '../auth/scopes';
import { WellKnownDocumentsService } from './well-known-documents.service';

/**
 * `GET /.well-known/keys` (alias `/.well-known/jwks`): the public keys of every published
 * signing key, never a private member. Usually answered by the fast path with the same bytes.
 */
@ApiTags('discovery')
@Public()
@Controller('.well-known')
export class JwksController {
  constructor(private readonly documents: WellKnownDocumentsService) {}

  @Get(['keys', 'jwks'])
  @ApiOperation({ summary: 'JSON Web Key Set (RFC 7517 §5): next, active and retained retired keys' })
  @ApiOkResponse({ description: 'application/json; cacheable (Cache-Control, ETag), CORS-open' })
  async get(@Req() req: Request, @Res() res: Response): Promise<void> {
    (await this.documents.jwks()).respond(req, res);
  }

  @Options(['keys', 'jwks'])
  async preflight(@Req() req: Request, @Res() res: Response): Promise<void> {
    (await this.documents.jwks()).respond(req, res);
  }
}
