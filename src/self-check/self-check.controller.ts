import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireScopes } from '../auth/scopes';
import { SelfCheckService } from './self-check.service';
import type { SelfCheckReport } from './self-check.types';

@ApiTags('operations')
@Controller('api/self-check')
export class SelfCheckController {
  constructor(private readonly selfCheck: SelfCheckService) {}

  /** Always 200: the findings are the answer; `ok` is false when any of them is an error. */
  @Get()
  @RequireScopes('self-check')
  @ApiOperation({ summary: 'Find, per relying party, the misconfigurations behind common B2C failures (each with its AADB2C code)' })
  run(): Promise<SelfCheckReport> {
    return this.selfCheck.run();
  }
}
