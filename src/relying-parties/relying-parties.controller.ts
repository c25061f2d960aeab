import { Controller, Get, Param } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireScopes } from '../auth/scopes';
import { NotFoundError } from '../common/errors';
import { RelyingPartiesService } from './relying-parties.service';
import { toRelyingPartyView, type RelyingPartyView } from './relying-party';

/** `GET /api/relying-parties`: what the configuration file declares, without secrets. */
@ApiTags('relying-parties')
@Controller('api/relying-parties')
@RequireScopes('relying-parties:read')
export class RelyingPartiesController {
  constructor(private readonly relyingParties: RelyingPartiesService) {}

  @Get()
  @ApiOperation({ summary: 'List the configured relying parties' })
  list(): { items: RelyingPartyView[] } {
    return { items: this.relyingParties.list().map(toRelyingPartyView) };
  }

  @Get(':id')
  @ApiOperation({ summary: 'One configured relying party' })
  get(@Param('id') id: string): RelyingPartyView {
    const rp = this.relyingParties.find(id);
    if (!rp) throw new NotFoundError(`no relying party "${id}" is configured`);
    return toRelyingPartyView(rp);
  }
}
