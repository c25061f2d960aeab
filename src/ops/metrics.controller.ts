import { Controller, Get, Headers, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { bearerToken, constantTimeEqual } from '../auth/api-key-format';
import { Public } from '../auth/scopes';
import { UnauthorizedError } from '../common/errors';
import { TesseraConfig } from '../config/config.schema';
import { MetricsService } from './metrics.service';

/** Prometheus text exposition; open unless `metrics.bearerToken` is configured. */
@ApiExcludeController()
@Controller('metrics')
@Public()
export class MetricsController {
  constructor(
    private readonly metrics: MetricsService,
    private readonly config: TesseraConfig,
  ) {}

  @Get()
  async scrape(@Headers('authorization') authorization: string | undefined, @Res() res: Response): Promise<void> {
    const expected = this.config.metrics.bearerToken;
    if (expected) {
      const presented = bearerToken(authorization);
      if (!presented || !constantTimeEqual(presented, expected)) {
        throw new UnauthorizedError('the metrics endpoint needs "Authorization: Bearer <metrics.bearerToken>"');
      }
    }
    const { contentType, body } = await this.metrics.render();
    res.setHeader('Content-Type', contentType);
    res.setHeader('Cache-Control', 'no-store');
    res.send(body);
  }
}
