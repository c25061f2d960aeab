import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { registerDecorator, type ValidationArguments } from 'class-validator';
import type { ApiKey, CreatedApiKey } from './api-keys.service';
import { NAME_MAX_LENGTH } from './api-keys.service';
import { scopeListProblems } from './scope-check';
import { ALL_SCOPES, SCOPES } from './scopes';

const GRANTABLE = [...SCOPES, ALL_SCOPES];

/**
 * One check, one message: a field that is wrong in several ways at once (not an array, hence
 * also empty and unknown) is reported once, in the words that help.
 */
function Satisfies(problem: (value: unknown) => string | undefined): PropertyDecorator {
  return (target: object, property: string | symbol) =>
    registerDecorator({
      name: 'satisfies',
      target: target.constructor,
      propertyName: String(property),
      validator: {
        validate: (value: unknown) => problem(value) === undefined,
        defaultMessage: (args?: ValidationArguments) => problem(args?.value) ?? 'is not valid',
      },
    });
}

function nameProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return 'must be a string';
  const length = value.trim().length;
  return length >= 1 && length <= NAME_MAX_LENGTH ? undefined : `must be 1 to ${NAME_MAX_LENGTH} characters`;
}

function scopesProblem(value: unknown): string | undefined {
  if (!Array.isArray(value)) return `must be an array of scope names, e.g. ["invitations:read"]`;
  const nonStrings = value.filter((v) => typeof v !== 'string');
  if (nonStrings.length) return `must hold scope names (strings), not ${nonStrings.map((v) => JSON.stringify(v)).join(', ')}`;
  const problems = scopeListProblems(value as string[]);
  return problems.length ? problems.join('; ') : undefined;
}

export class CreateApiKeyDto {
  @ApiProperty({ description: 'what the key is for, shown in listings', example: 'back-office importer', maxLength: NAME_MAX_LENGTH })
  @Satisfies(nameProblem)
  name: string;

  @ApiProperty({
    description: 'scopes the key grants; `*` is every scope. A key can only grant scopes it holds.',
    enum: GRANTABLE,
    isArray: true,
    example: ['invitations:write', 'invitations:read'],
  })
  @Satisfies(scopesProblem)
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
