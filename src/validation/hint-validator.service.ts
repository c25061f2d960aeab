import { Injectable, Logger } from '@nestjs/common';
import type { JWTHeaderParameters, JWTPayload } from 'jose';
import { Clock } from '../common/clock';
import { mapClaims } from './claim-mapper';
import { toHintValidationError } from './hint-error.mapper';
import { HintProfileRegistry, type HintProfile } from './hint-profile.registry';
import { HintValidationError, quote } from './hint-validation.error';
import { IssuerMetadataService } from './issuer-metadata.service';
import { verifyCompactStrict, type KeySource } from './jws-verifier';
import { checkRegisteredClaims, parseClaimsSet } from './registered-claims';

export interface ValidatedHint {
  /** The profile's output claims, mapped (B2C `OutputClaims`). */
  claims: Record<string, unknown>;
  /** The verified protected header. */
  header: JWTHeaderParameters;
  /** The verified claims set, as the token carries it. */
  payload: JWTPayload;
  /** The profile that validated it. */
  profile: string;
}

/**
 * Validates an `id_token_hint` against a named profile: shape and length, then the signature
 * with the profile's key and algorithms only, then `exp`/`nbf`/`iat`/`iss`/`aud`, then the
 * output-claim mapping. Every failure is a HintValidationError; nothing else escapes.
 */
@Injectable()
export class HintValidatorService {
  private readonly logger = new Logger('HintValidator');

  constructor(
    private readonly profiles: HintProfileRegistry,
    private readonly metadata: IssuerMetadataService,
    private readonly clock: Clock,
  ) {}

  async validate(profileId: string, token: string): Promise<ValidatedHint> {
    const profile = this.profiles.get(profileId);
    try {
      const { payload: bytes, protectedHeader } = await verifyCompactStrict(token, this.keySource(profile), {
        algorithms: profile.algorithms,
        maxLength: profile.maxTokenLength,
      });
      const payload = parseClaimsSet(bytes);
      checkRegisteredClaims(payload, {
        issuer: profile.issuer,
        audience: profile.audience,
        now: this.clock.nowSeconds(),
        clockSkewSeconds: profile.clockSkewSeconds,
      });
      const mapping = mapClaims(payload, profile.outputClaims);
      if (!mapping.ok) throw missingClaims(profile, mapping.missing);
      return { claims: mapping.claims, header: protectedHeader as JWTHeaderParameters, payload, profile: profile.id };
    } catch (e) {
      const { error, unexpected } = toHintValidationError(e, profile, token);
      if (unexpected) {
        // The cause's class and message only: never the token.
        this.logger.warn(`hint profile ${profile.id}: validation failed unexpectedly: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
      }
      throw error;
    }
  }

  private keySource(profile: HintProfile): KeySource {
    if (profile.kind === 'symmetric') return profile.key;
    return (header) => this.metadata.getKey(profile, header);
  }
}

function missingClaims(profile: HintProfile, missing: string[]): HintValidationError {
  const described = missing.map((claimType) => {
    const claim = profile.outputClaims.find((c) => c.claimType === claimType);
    return claim?.partnerClaimType ? `${quote(claim.partnerClaimType)} (for ${quote(claimType)})` : quote(claimType);
  });
  return new HintValidationError(
    'missingClaim',
    `the token lacks the required claim${missing.length === 1 ? '' : 's'} ${described.join(', ')} (profile ${profile.id})`,
  );
}
