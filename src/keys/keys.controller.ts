import { Body, Controller, Get, Header, HttpCode, Param, Post } from '@nestjs/common';
import { ApiConflictResponse, ApiCreatedResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { InvalidRequestError, type FieldProblem } from '../common/errors';
import { RequireScopes } from '../auth/scopes';
import { KeyStoreService, type KeySource } from './key-store.service';
import {
  CreatedHmacSecretDto,
  ExportedPfxDto,
  ExportKeyDto,
  HmacSecretListDto,
  PromoteKeyDto,
  RotateKeyDto,
  SetHmacSecretDto,
  SigningKeyDto,
  SigningKeyListDto,
} from './keys.dto';

/** Signing keys and HS256 secrets. Private material leaves only as a password-protected PFX. */
@ApiTags('keys')
@Controller('api/keys')
export class KeysController {
  constructor(private readonly keys: KeyStoreService) {}

  @Get()
  @RequireScopes('keys:read')
  @ApiOperation({ summary: 'List signing keys (public metadata only), newest first' })
  @ApiOkResponse({ type: SigningKeyListDto })
  async list(): Promise<SigningKeyListDto> {
    return { items: await this.keys.list() };
  }

  @Post('rotate')
  @RequireScopes('keys:admin')
  @ApiOperation({
    summary: 'Add the next signing key: generated (empty body) or imported (PEM key + certificate, or base64 PFX + password)',
    description: 'The key is published at once and signs only after `promote`.',
  })
  @ApiCreatedResponse({ type: SigningKeyDto })
  @ApiConflictResponse({ description: 'a next key is already waiting, or this key is already in the store' })
  async rotate(@Body() body: RotateKeyDto): Promise<SigningKeyDto> {
    return this.keys.rotate(rotateSource(body));
  }

  @Post(':kid/promote')
  @HttpCode(200)
  @RequireScopes('keys:admin')
  @ApiOperation({ summary: 'Make a next key the active one; the active key is retired (and stays published for its retention)' })
  @ApiOkResponse({ type: SigningKeyDto })
  @ApiNotFoundResponse({ description: 'no key with this kid' })
  @ApiConflictResponse({ description: 'the key is not next, or has not been published long enough (send force)' })
  async promote(@Param('kid') kid: string, @Body() body: PromoteKeyDto): Promise<SigningKeyDto> {
    return this.keys.promote(kid, { force: body?.force === true });
  }

  @Post(':kid/retire')
  @HttpCode(200)
  @RequireScopes('keys:admin')
  @ApiOperation({ summary: 'Retire a next key that should not become active (the active key is retired by promoting another)' })
  @ApiOkResponse({ type: SigningKeyDto })
  @ApiNotFoundResponse({ description: 'no key with this kid' })
  @ApiConflictResponse({ description: 'the key is active or already retired' })
  async retire(@Param('kid') kid: string): Promise<SigningKeyDto> {
    return this.keys.retire(kid);
  }

  @Get(':kid/certificate')
  @RequireScopes('keys:read')
  @Header('Content-Type', 'application/x-pem-file')
  @ApiOperation({ summary: 'The signing certificate as PEM (public), e.g. for relying parties that pin it' })
  @ApiProduces('application/x-pem-file')
  @ApiNotFoundResponse({ description: 'no key with this kid' })
  async certificate(@Param('kid') kid: string): Promise<string> {
    return this.keys.exportCertificatePem(kid);
  }

  @Post(':kid/export')
  @HttpCode(200)
  @RequireScopes('keys:admin')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Export key + certificate as a password-protected PFX (what B2C takes as an uploaded policy key)' })
  @ApiOkResponse({ type: ExportedPfxDto })
  @ApiNotFoundResponse({ description: 'no key with this kid' })
  async export(@Param('kid') kid: string, @Body() body: ExportKeyDto): Promise<ExportedPfxDto> {
    const pfx = await this.keys.exportPfx(kid, body.password);
    return { kid, filename: `tessera-${kid}.pfx`, pfx: pfx.toString('base64') };
  }

  @Get('secrets')
  @RequireScopes('keys:read')
  @ApiOperation({ summary: 'List HS256 secrets: names, kids and dates, never a secret' })
  @ApiOkResponse({ type: HmacSecretListDto })
  async listSecrets(): Promise<HmacSecretListDto> {
    return { items: await this.keys.listHmacSecrets() };
  }

  @Post('secrets')
  @RequireScopes('keys:admin')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Set (or generate) an HS256 secret; the response carries it, once' })
  @ApiCreatedResponse({ type: CreatedHmacSecretDto })
  async setSecret(@Body() body: SetHmacSecretDto): Promise<CreatedHmacSecretDto> {
    return this.keys.setHmacSecret(body.name, body.secret);
  }
}

/** Which of the three body shapes was sent; a mix of them is refused naming each field. */
function rotateSource(body: RotateKeyDto): KeySource {
  const problems: FieldProblem[] = [];
  const pem = body.key !== undefined || body.certificate !== undefined;
  const pfx = body.pfx !== undefined || body.password !== undefined;
  if (pem && pfx) {
    return refuse([{ field: 'pfx', problem: 'send either key + certificate or pfx + password, not both' }]);
  }
  if (pem) {
    if (body.key === undefined) problems.push({ field: 'key', problem: 'is required with certificate' });
    if (body.certificate === undefined) problems.push({ field: 'certificate', problem: 'is required with key' });
    if (problems.length) return refuse(problems);
    return { kind: 'pem', key: body.key!, certificate: body.certificate! };
  }
  if (pfx) {
    if (body.pfx === undefined) return refuse([{ field: 'pfx', problem: 'is required with password' }]);
    return { kind: 'pfx', pfx: Buffer.from(body.pfx, 'base64'), password: body.password ?? '' };
  }
  return { kind: 'generate' };
}

function refuse(problems: FieldProblem[]): never {
  throw InvalidRequestError.fields(problems);
}
