import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsString, Length, type ValidationArguments } from 'class-validator';
import type { ApiKey, CreatedApiKey } from './api-keys.service';
import { NAME_MAX_LENGTH } from './api-keys.service';
import { isKnownScope } from './scope-check';
import { ALL_SCOPES, SCOPES } from './scopes';

const GRANTABLE = [...SCOPES, ALL_SCOPES];

function unknownScopesMessage(args: ValidationArguments): string {
  const values: unknown[] = Array.isArray(args.value) ? args.value : [args.value];
  const unknown = values.filter((v) => typeof v !== 'string' || !isKnownScope(v)).map((v) => JSON.stringify(v));
  return `unknown scope${unknown.length === 1 ? '' : 's'} ${unknown.join(', ')}; known: ${GRANTABLE.join(', ')}`;
}

export class CreateApiKeyDto {
  @ApiProperty({ description: 'what the key is for, shown in listings', example: 'back-office importer', maxLength: NAME_MAX_LENGTH })
  @IsString() @Length(1, NAME_MAX_LENGTH, { message: `must be 1 to ${NAME_MAX_LENGTH} characters` })
  name: string;

  @ApiProperty({
    description: 'scopes the key grants; `*` is every scope. A key can only grant scopes it holds.',
    enum: GRANTABLE,
    isArray: true,
    example: ['invitations:write', 'invitations:read'],
  })
  @IsArray() @ArrayMinSize(1, { message: 'must name at least one scope' }) @ArrayMaxSize(GRANTABLE.length * 2)
  @IsIn(GRANTABLE, { each: true, message: unknownScopesMessage })
  scopes: string[];
}

export class ApiKeyDto {
  @ApiProperty({ example: '3f9c2a7d1e4b8c60' })
  id: string;

  @ApiProperty()
  name: string;

  @ApiProperty({ description: 'non-secret start of the key, to recognise it', example: 'tsk_3f9c2a7d1e4b8c60_Qm9v' })
  prefix: string;

  @ApiProperty({ enum: GRANTABLE, isArray: true })
  scopes: string[];

  @ApiProperty({ enum: ['active', 'revoked'] })
  status: 'active' | 'revoked';

  @ApiProperty({ format: 'date-time' })
  createdAt: string;

  @ApiProperty({ description: 'an API key id, `env`, `cli` or `first-start`' })
  createdBy: string;

  @ApiPropertyOptional({ format: 'date-time', nullable: true, type: String, description: 'to the minute' })
  lastUsedAt: string | null;

  @ApiPropertyOptional({ format: 'date-time', nullable: true, type: String })
  revokedAt: string | null;

  @ApiPropertyOptional({ nullable: true, type: String })
  revokedBy: string | null;

  static from(key: ApiKey): ApiKeyDto {
    return {
      id: key.id,
      name: key.name,
      prefix: key.prefix,
      scopes: key.scopes,
      status: key.revokedAt ? 'revoked' : 'active',
      createdAt: key.createdAt.toISOString(),
      createdBy: key.createdBy,
      lastUsedAt: key.lastUsedAt?.toISOString() ?? null,
      revokedAt: key.revokedAt?.toISOString() ?? null,
      revokedBy: key.revokedBy,
    };
  }
}

export class CreatedApiKeyDto extends ApiKeyDto {
  @ApiProperty({ description: 'the key itself: shown in this response only, never again', example: 'tsk_3f9c2a7d1e4b8c60_…' })
  key: string;

  static fromCreated(created: CreatedApiKey): CreatedApiKeyDto {
    return { ...ApiKeyDto.from(created.apiKey), key: created.key };
  }
}

export class ApiKeyListDto {
  @ApiProperty({ type: [ApiKeyDto] })
  items: ApiKeyDto[];
}
