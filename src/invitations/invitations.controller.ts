import { Body, Controller, Get, Header, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { RequireScopes, type Principal } from '../auth/scopes';
import { CreateInvitationDto, ListInvitationsQuery, ResendInvitationDto, RevokeInvitationDto } from './invitations.dto';
import { InvitationsService, type IssuedInvitation } from './invitations.service';
import type { InvitationDetailView, InvitationView } from './invitation.view';

/** The record, plus the link and mail outcome of the version this response created. */
type IssuedResponse = InvitationView & { link?: string; mail: IssuedInvitation['mail'] };

function issued(result: IssuedInvitation): IssuedResponse {
  return { ...result.invitation, ...(result.link ? { link: result.link } : {}), mail: result.mail };
}

/** The admin invitations API. Only `invitations:write` responses ever carry a link. */
@ApiTags('invitations')
@Controller('api/invitations')
export class InvitationsController {
  constructor(private readonly invitations: InvitationsService) {}

  @Post()
  @RequireScopes('invitations:write')
  // The link is a bearer credential (a landing code, or in direct mode the signed hint): no
  // cache may keep a copy (RFC 9111 §5.2.2.5).
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Create an invitation (and queue its email unless send is false)' })
  async create(@Body() body: CreateInvitationDto, @CurrentPrincipal() principal: Principal): Promise<IssuedResponse> {
    return issued(await this.invitations.create(body, principal.keyId));
  }

  @Get()
  @RequireScopes('invitations:read')
  @ApiOperation({ summary: 'List invitations, newest first, with cursor paging' })
  list(@Query() query: ListInvitationsQuery): Promise<{ items: InvitationView[]; nextCursor?: string }> {
    return this.invitations.list(query);
  }

  @Get(':id')
  @RequireScopes('invitations:read')
  @ApiOperation({ summary: 'One invitation with its token versions and event history' })
  get(@Param('id') id: string): Promise<InvitationDetailView> {
    return this.invitations.get(id);
  }

  @Post(':id/resend')
  @HttpCode(200)
  @RequireScopes('invitations:write')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Issue a new token version (the previous jti and link stop working) and send it' })
  async resend(@Param('id') id: string, @Body() body: ResendInvitationDto, @CurrentPrincipal() principal: Principal): Promise<IssuedResponse> {
    return issued(await this.invitations.resend(id, body, principal.keyId));
  }

  @Post(':id/revoke')
  @HttpCode(200)
  @RequireScopes('invitations:write')
  @ApiOperation({ summary: 'Revoke an invitation' })
  revoke(@Param('id') id: string, @Body() body: RevokeInvitationDto, @CurrentPrincipal() principal: Principal): Promise<InvitationView> {
    return this.invitations.revoke(id, principal.keyId, body.reason);
  }
}
