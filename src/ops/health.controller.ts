import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/scopes';
import { HealthCheckFailedError } from './health-check-failed.error';
import { HealthService } from './health.service';

class HealthChecksDto {
  @ApiProperty({ enum: ['ok', 'error'] })
  database: 'ok' | 'error';
}

class HealthDto {
  @ApiProperty({ enum: ['ok', 'error'] })
  status: 'ok' | 'error';

  @ApiProperty({ type: HealthChecksDto })
  checks: HealthChecksDto;
}

@ApiTags('operations')
@Controller('health')
@Public()
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Liveness and readiness: 200 when every check passes, 503 naming the failing one' })
  @ApiOkResponse({ type: HealthDto })
  @ApiServiceUnavailableResponse({ description: 'a check failed; `checks` says which' })
  async get(): Promise<HealthDto> {
    const report = await this.health.check();
    if (report.status !== 'ok') throw new HealthCheckFailedError(report);
    return { status: report.status, checks: report.checks };
  }
}
