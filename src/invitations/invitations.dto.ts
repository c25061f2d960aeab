import { ApiPropertyOptional, ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { Allow, IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { SUPPORTED_LOCALES } from '../relying-parties/relying-parties.config';
import { INVITATION_STATUSES, type InvitationStatus } from './invitation-status';
import { LIST_LIMITS } from './invitations.service';

/**
 * Request bodies. Fields are only whitelisted here (`@Allow`): `InvitationsService.prepare`
 * checks them, so the API and bulk import refuse exactly the same things with the same words.
 */
export class CreateInvitationDto {
  @ApiProperty({ example: 'ada@example.com' }) @Allow()
  email?: unknown;

  @ApiPropertyOptional({ example: 'Ada Lovelace' }) @Allow()
  name?: unknown;

  @ApiPropertyOptional({ description: 'who the email and landing page say invited them', example: 'Grace at Contoso' }) @Allow()
  inviterName?: unknown;

  @ApiPropertyOptional({ description: 'extra claims the relying party declares', example: { role: 'member' } }) @Allow()
  claims?: unknown;

  @ApiProperty({ example: 'contoso-b2c' }) @Allow()
  relyingParty?: unknown;

  @ApiPropertyOptional({ description: 'seconds; default and cap come from the relying party', example: 604800 }) @Allow()
  expiresIn?: unknown;

  @ApiPropertyOptional({ enum: SUPPORTED_LOCALES }) @Allow()
  locale?: unknown;

  @ApiPropertyOptional({ default: true }) @Allow()
  send?: unknown;

  @ApiPropertyOptional({ default: false, description: 'revoke a live invitation for the same email and relying party instead of answering 409' })
  @Allow()
  supersede?: unknown;
}

export class ResendInvitationDto {
  @ApiPropertyOptional({ description: 'seconds from now; default: keep the expiry (renewed if it has passed)' }) @Allow()
  expiresIn?: unknown;

  @ApiPropertyOptional({ enum: SUPPORTED_LOCALES }) @Allow()
  locale?: unknown;

  @ApiPropertyOptional({ default: true }) @Allow()
  send?: unknown;
}

export class RevokeInvitationDto {
  @ApiPropertyOptional({ example: 'sent to the wrong address' }) @Allow()
  reason?: unknown;
}

export class ListInvitationsQuery {
  @ApiPropertyOptional({ enum: INVITATION_STATUSES })
  @IsOptional() @IsIn(INVITATION_STATUSES)
  status?: InvitationStatus;

  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(254)
  email?: string;

  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(64)
  relyingParty?: string;

  @ApiPropertyOptional({ default: LIST_LIMITS.default, maximum: LIST_LIMITS.max })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(LIST_LIMITS.max)
  limit?: number;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' }) @IsOptional() @IsString() @MaxLength(500)
  cursor?: string;
}
