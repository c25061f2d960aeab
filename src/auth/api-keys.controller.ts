import { Body, Controller, Get, Header, HttpCode, Param, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiKeyDto, ApiKeyListDto, CreateApiKeyDto, CreatedApiKeyDto } from './api-key.dto';
import { ApiKeysService } from './api-keys.service';
import { CurrentPrincipal } from './current-principal.decorator';
import { RequireScopes, type Principal } from './scopes';

/** Admin API keys: the plaintext key appears once, in the creation response. */
@ApiTags('api-keys')
@Controller('api/api-keys')
@RequireScopes('api-keys:admin')
export class ApiKeysController {
  constructor(private readonly apiKeys: ApiKeysService) {}

  @Post()
  // The response carries the plaintext key: no cache may keep a copy (RFC 9111 §5.2.2.5).
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Create an API key; the response carries the key, once' })
  @ApiCreatedResponse({ type: CreatedApiKeyDto })
  async create(@Body() body: CreateApiKeyDto, @CurrentPrincipal() principal: Principal): Promise<CreatedApiKeyDto> {
    return CreatedApiKeyDto.fromCreated(await this.apiKeys.create(body, principal));
  }

  @Get()
  @ApiOperation({ summary: 'List API keys, revoked ones included (never a key or its hash)' })
  @ApiOkResponse({ type: ApiKeyListDto })
  async list(): Promise<ApiKeyListDto> {
    return { items: (await this.apiKeys.list()).map(ApiKeyDto.from) };
  }

  @Post(':id/revoke')
  @HttpCode(200)
  @ApiOperation({ summary: 'Revoke an API key at once (idempotent)' })
  @ApiOkResponse({ type: ApiKeyDto })
  @ApiNotFoundResponse({ description: 'no API key with this id' })
  async revoke(@Param('id') id: string, @CurrentPrincipal() principal: Principal): Promise<ApiKeyDto> {
    return ApiKeyDto.from(await this.apiKeys.revoke(id, principal));
  }
}
