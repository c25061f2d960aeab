import { Injectable } from '@nestjs/common';
import { ConfigError, type FieldProblem } from '../common/errors';
import { TesseraConfig } from '../config/config.schema';
import { HintValidationError, quote } from './hint-validation.error';
import {
  expectedIssuer,
  MIN_SECRET_BYTES,
  type MetadataHintProfileConfig,
  type SymmetricHintProfileConfig,
} from './hint-profiles.config';
import type { OutputClaim } from './claim-mapper';
import type { StrictAlgorithm } from './verification-key';

interface ResolvedCommon {
  id: string;
  issuer: string;
  audience: string;
  algorithms: readonly StrictAlgorithm[];
  clockSkewSeconds: number;
  maxTokenLength: number;
  outputClaims: readonly OutputClaim[];
}

export interface SymmetricHintProfile extends ResolvedCommon {
  kind: 'symmetric';
  /** B2C: the HMAC key is the UTF-8 bytes of the secret string, not a base64 decoding of it. */
  key: Uint8Array;
}

export interface MetadataHintProfile extends ResolvedCommon {
  kind: 'metadata';
  config: MetadataHintProfileConfig;
}

export type HintProfile = SymmetricHintProfile | MetadataHintProfile;

/**
 * The configured profiles, resolved once at start (secrets read, issuers derived). A profile is
 * found only by the id the caller gives; nothing in a token can choose one.
 */
@Injectable()
export class HintProfileRegistry {
  private readonly profiles = new Map<string, HintProfile>();

  constructor(config: TesseraConfig) {
    const problems: FieldProblem[] = [];
    config.hintProfiles.forEach((p, i) => {
      const common = {
        id: p.id,
        audience: p.audience,
        clockSkewSeconds: p.clockSkewSeconds,
        maxTokenLength: p.maxTokenLength,
        outputClaims: p.outputClaims,
      };
      if (p.kind === 'symmetric') {
        const secret = readSecret(p, `hintProfiles[${i}]`, problems);
        if (secret) this.profiles.set(p.id, { ...common, kind: 'symmetric', issuer: p.issuer, algorithms: ['HS256'], key: new TextEncoder().encode(secret) });
      } else {
        this.profiles.set(p.id, { ...common, kind: 'metadata', issuer: expectedIssuer(p), algorithms: p.algorithms, config: p });
      }
    });
    if (problems.length) throw new ConfigError(problems);
  }

  get(id: unknown): HintProfile {
    const profile = typeof id === 'string' ? this.profiles.get(id) : undefined;
    if (!profile) {
      const known = [...this.profiles.keys()];
      throw new HintValidationError(
        'unknownProfile',
        `there is no hint profile ${quote(id)}; ` + (known.length ? `configured profiles: ${known.join(', ')}` : 'no hint profiles are configured (see hintProfiles in the configuration)'),
      );
    }
    return profile;
  }

  ids(): string[] {
    return [...this.profiles.keys()];
  }
}

/** The configuration checked the variable when it was loaded; this re-reads it for use. */
function readSecret(p: SymmetricHintProfileConfig, path: string, problems: FieldProblem[]): string | undefined {
  const secret = p.secret ?? (p.secretEnv ? process.env[p.secretEnv] : undefined);
  if (secret === undefined || secret === '') {
    problems.push({ field: `${path}.secretEnv`, problem: `environment variable ${p.secretEnv ?? '(none)'} is not set` });
    return undefined;
  }
  if (Buffer.byteLength(secret, 'utf8') < MIN_SECRET_BYTES) {
    problems.push({ field: `${path}.secretEnv`, problem: `the secret is shorter than ${MIN_SECRET_BYTES} bytes` });
    return undefined;
  }
  return secret;
}
