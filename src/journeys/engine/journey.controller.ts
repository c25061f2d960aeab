import { Body, Controller, Get, Header, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Public } from '../../auth/scopes';
import { RateLimit } from '../../common/rate-limit';
import { PageRenderer, STYLESHEET_PATH } from '../pages/page-renderer.service';
import { JourneyEngine } from './journey-engine.service';

/**
 * The pages of running journeys: `GET /:policy/journey` shows the page a journey waits at,
 * `POST /:policy/journey` takes its form. Anonymous (the journey cookie is the credential),
 * rate-limited per client like every public page, HTML only.
 */
@ApiExcludeController()
@Controller()
@Public()
export class JourneyController {
  constructor(
    private readonly engine: JourneyEngine,
    private readonly pages: PageRenderer,
  ) {}

  @Get(STYLESHEET_PATH.slice(1))
  @Header('Content-Type', 'text/css; charset=utf-8')
  @Header('Cache-Control', 'public, max-age=3600')
  @Header('X-Content-Type-Options', 'nosniff')
  stylesheet(@Req() req: Request, @Res() res: Response): void {
    const { body, etag } = this.pages.stylesheet;
    res.setHeader('ETag', etag);
    if (req.headers['if-none-match'] === etag) {
      res.status(304).end();
      return;
    }
    res.status(200).send(body);
  }

  @Get(':policy/journey')
  @RateLimit('public')
  show(@Param('policy') policy: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    return this.engine.show(policy, req, res);
  }

  @Post(':policy/journey')
  @RateLimit('public')
  @HttpCode(200)
  submit(@Param('policy') policy: string, @Body() body: unknown, @Req() req: Request, @Res() res: Response): Promise<void> {
    const form = body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
    return this.engine.submit(policy, form, req, res);
  }
}
