import { ApiProperty } from '@nestjs/swagger';
import { IsString } from 'class-validator';

/** `POST /api/hints/validate`. Length is the profile's business (its `maxTokenLength`), not the DTO's. */
export class ValidateHintDto {
  @ApiProperty({ description: 'id of the hint profile to validate against', example: 'contoso' })
  // Only the type is checked here: an empty or unknown id gets the validator's own code.
  @IsString()
  profile: string;

  @ApiProperty({ description: 'the id_token_hint, compact JWS', example: 'eyJhbGciOiJSUzI1NiIsImtpZCI6Ii4uLiJ9.eyJpc3MiOiIuLi4ifQ.c2ln' })
  @IsString()
  id_token_hint: string;
}

export class ValidatedHintDto {
  @ApiProperty({ description: "the profile's output claims, mapped", type: 'object', additionalProperties: true })
  claims: Record<string, unknown>;

  @ApiProperty({ description: 'the verified protected header', type: 'object', additionalProperties: true })
  header: Record<string, unknown>;

  @ApiProperty({ description: 'the verified claims set, as the token carries it', type: 'object', additionalProperties: true })
  payload: Record<string, unknown>;
}

export class HintErrorDto {
  @ApiProperty({ enum: ['invalid_token', 'invalid_request'] })
  error: string;

  @ApiProperty({ description: 'AADB2C90208 expired, 90209 audience, 90210 malformed or could not be validated, 90232 issuer, 90233 signature; TESSERA_HINT_NOT_YET_VALID, TESSERA_HINT_MISSING_CLAIM, TESSERA_HINT_UNKNOWN_PROFILE' })
  code: string;

  @ApiProperty({ description: 'what is wrong and what to fix' })
  description: string;
}
