import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBase64, IsBoolean, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { HMAC_SECRET_NAME, MAX_HMAC_SECRET_BYTES, MIN_PFX_PASSWORD_LENGTH, type SigningKeyInfo } from './key-store.service';
import type { SigningKeySource, SigningKeyState } from './keys.tables';

/**
 * `POST /api/keys/rotate`: an empty body generates the next key; `key` + `certificate` (PEM) or
 * `pfx` (base64) + `password` import one.
 */
export class RotateKeyDto {
  @ApiPropertyOptional({ description: 'PEM private key (PKCS#8 or PKCS#1, unencrypted), with `certificate`' })
  @IsOptional() @IsString() @MaxLength(64 * 1024)
  key?: string;

  @ApiPropertyOptional({ description: 'PEM certificate for `key`, leaf first, then any chain' })
  @IsOptional() @IsString() @MaxLength(64 * 1024)
  certificate?: string;

  @ApiPropertyOptional({ description: 'PKCS#12 (.pfx) file, standard base64, with `password`' })
  @IsOptional() @IsString() @IsBase64(undefined, { message: 'must be standard base64 (the PFX file bytes)' }) @MaxLength(64 * 1024)
  pfx?: string;

  @ApiPropertyOptional({ description: 'password of `pfx`' })
  @IsOptional() @IsString() @MaxLength(1024)
  password?: string;
}

export class PromoteKeyDto {
  @ApiPropertyOptional({ description: 'promote even if the key has not been published for keys.minPublishedSecondsBeforePromotion' })
  @IsOptional() @IsBoolean()
  force?: boolean;
}

export class ExportKeyDto {
  @ApiProperty({ description: `password protecting the PFX (at least ${MIN_PFX_PASSWORD_LENGTH} characters)` })
  @IsString()
  @MinLength(MIN_PFX_PASSWORD_LENGTH, { message: `must be at least ${MIN_PFX_PASSWORD_LENGTH} characters: the PFX carries the private key` })
  @MaxLength(1024)
  password: string;
}

export class SetHmacSecretDto {
  @ApiProperty({ description: 'the name relying-party configuration refers to', example: 'b2c-contoso' })
  @IsString() @Matches(HMAC_SECRET_NAME, { message: 'must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit' })
  name: string;

  @ApiPropertyOptional({ description: 'at least 32 UTF-8 bytes; leave out to generate 32 random bytes in base64' })
  @IsOptional() @IsString() @MaxLength(MAX_HMAC_SECRET_BYTES)
  secret?: string;
}

export class CertificateInfoDto {
  @ApiProperty() subject: string;
  @ApiProperty() issuer: string;
  @ApiProperty() serialNumber: string;
  @ApiProperty({ format: 'date-time' }) notBefore: string;
  @ApiProperty({ format: 'date-time' }) notAfter: string;
  @ApiProperty({ description: 'base64url SHA-1 of the DER certificate' }) x5t: string;
  @ApiProperty({ name: 'x5t#S256', description: 'base64url SHA-256 of the DER certificate' }) 'x5t#S256': string;
}

export class SigningKeyDto implements SigningKeyInfo {
  @ApiProperty({ description: 'RFC 7638 thumbprint of the public key' }) kid: string;
  @ApiProperty({ enum: ['RS256'] }) alg: 'RS256';
  @ApiProperty({ enum: ['next', 'active', 'retired'] }) state: SigningKeyState;
  @ApiProperty({ enum: ['generated', 'imported-pem', 'imported-pfx'] }) source: SigningKeySource;
  @ApiProperty({ description: 'in the JWKS now' }) published: boolean;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiPropertyOptional({ format: 'date-time', nullable: true, type: String }) promotableAt: string | null;
  @ApiPropertyOptional({ format: 'date-time', nullable: true, type: String }) activatedAt: string | null;
  @ApiPropertyOptional({ format: 'date-time', nullable: true, type: String }) retiredAt: string | null;
  @ApiPropertyOptional({ format: 'date-time', nullable: true, type: String }) publishUntil: string | null;
  @ApiProperty({ type: CertificateInfoDto }) certificate: CertificateInfoDto;
}

export class SigningKeyListDto {
  @ApiProperty({ type: [SigningKeyDto] }) items: SigningKeyDto[];
}

export class ExportedPfxDto {
  @ApiProperty() kid: string;
  @ApiProperty({ example: 'tessera-<kid>.pfx' }) filename: string;
  @ApiProperty({ description: 'the PKCS#12 file, standard base64' }) pfx: string;
}

export class HmacSecretDto {
  @ApiProperty() name: string;
  @ApiProperty({ description: 'sent as the JWS `kid` of HS256 tokens; not derived from the secret' }) kid: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}

export class HmacSecretListDto {
  @ApiProperty({ type: [HmacSecretDto] }) items: HmacSecretDto[];
}

export class CreatedHmacSecretDto {
  @ApiProperty() name: string;
  @ApiProperty() kid: string;
  @ApiProperty({ description: 'the secret: shown in this response only; its UTF-8 bytes are the HS256 key' }) secret: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ description: 'an earlier value under this name was replaced' }) replaced: boolean;
}
