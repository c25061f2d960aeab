import { Injectable } from '@nestjs/common';
import { SignJWT, type JWTHeaderParameters, type JWTPayload } from 'jose';
import { webcrypto } from 'node:crypto';
import { Clock } from '../common/clock';
import { InvalidRequestError } from '../common/errors';
import { Random } from '../common/random';
import { TesseraConfig } from '../config/config.schema';
import { KeyStoreService } from '../keys/key-store.service';

export type SigningChoice = { alg: 'RS256' } | { alg: 'HS256'; /** the secret's name in the key store */ secret: string };

export interface MintInput {
  /** `aud` (RFC 7519 §4.1.3): one audience, or several */
  audience: string | string[];
  /** further claims; none may name a registered claim this service sets */
  claims?: Record<string, unknown>;
  subject?: string;
  /** `exp - nbf`; default tokens.defaultLifetimeSeconds, at most tokens.maxLifetimeSeconds */
  lifetimeSeconds?: number;
  /** NumericDate (seconds); default now */
  notBefore?: number;
  /** default: a random UUID */
  jti?: string;
  /** default RS256 with the active key */
  signing?: SigningChoice;
  /** `iss`; default the configured issuer (a journey policy issues under its own) */
  issuer?: string;
}

export interface MintedToken {
  token: string;
  jti: string;
  kid: string;
  alg: string;
  iat: number;
  nbf: number;
  exp: number;
}

/** Claims this service sets itself; a caller naming one is refused, never silently overridden. */
const REGISTERED = ['iss', 'aud', 'exp', 'nbf', 'iat', 'jti'] as const;
const MAX_JTI_LENGTH = 256;

interface HmacKey {
  secret: string;
  key: webcrypto.CryptoKey;
}

/**
 * The one place JWTs are signed (jose). RS256 with the active key of the key store, or HS256
 * with a named shared secret. Nothing here reads the database per token: the key store serves
 * the active key from memory.
 */
@Injectable()
export class TokensService {
  /** HS256 CryptoKeys by secret name, so that jose does not import the raw key per token */
  private readonly hmacKeys = new Map<string, HmacKey>();

  constructor(
    private readonly config: TesseraConfig,
    private readonly keys: KeyStoreService,
    private readonly clock: Clock,
    private readonly random: Random,
  ) {}

  async mint(input: MintInput): Promise<MintedToken> {
    const audience = checkAudience(input.audience);
    const claims = input.claims ?? {};
    if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) {
      throw InvalidRequestError.field('claims', 'must be an object of claim names to values');
    }
    for (const name of REGISTERED) {
      if (Object.prototype.hasOwnProperty.call(claims, name)) {
        throw InvalidRequestError.field(`claims.${name}`, `"${name}" is a registered claim this service sets itself; it cannot be given`);
      }
    }
    if (input.subject !== undefined) {
      if (typeof input.subject !== 'string' || input.subject.length === 0) throw InvalidRequestError.field('subject', 'must be a non-empty string');
      if (Object.prototype.hasOwnProperty.call(claims, 'sub')) {
        throw InvalidRequestError.field('claims.sub', 'is given twice: as subject and as a claim');
      }
    }

    const { maxLifetimeSeconds, defaultLifetimeSeconds } = this.config.tokens;
    const lifetime = input.lifetimeSeconds ?? defaultLifetimeSeconds;
    if (!Number.isSafeInteger(lifetime) || lifetime < 1) throw InvalidRequestError.field('lifetimeSeconds', 'must be a positive whole number of seconds');
    if (lifetime > maxLifetimeSeconds) {
      throw InvalidRequestError.field('lifetimeSeconds', `is ${lifetime}; tokens.maxLifetimeSeconds caps it at ${maxLifetimeSeconds}`);
    }
    const iat = this.clock.nowSeconds();
    const nbf = input.notBefore ?? iat;
    if (!Number.isSafeInteger(nbf) || nbf < 0) throw InvalidRequestError.field('notBefore', 'must be a NumericDate: whole seconds since the epoch');
    const exp = nbf + lifetime;
    // Key retention assumes no token outlives its signing by more than the cap (see the key store).
    if (exp - iat > maxLifetimeSeconds) {
      throw InvalidRequestError.field(
        'notBefore',
        `puts exp ${exp - iat} s from now; tokens.maxLifetimeSeconds caps it at ${maxLifetimeSeconds}`,
      );
    }
    if (input.issuer !== undefined && (typeof input.issuer !== 'string' || input.issuer.length === 0)) {
      throw InvalidRequestError.field('issuer', 'must be a non-empty string');
    }
    const jti = input.jti ?? this.random.uuid();
    if (typeof jti !== 'string' || jti.length === 0 || jti.length > MAX_JTI_LENGTH) {
      throw InvalidRequestError.field('jti', `must be a non-empty string of at most ${MAX_JTI_LENGTH} characters`);
    }

    // Registered claims last, so they win over anything in `claims` (which was refused above anyway).
    const payload: JWTPayload = {
      ...claims,
      iss: input.issuer ?? this.config.issuer,
      ...(input.subject !== undefined ? { sub: input.subject } : {}),
      aud: audience,
      iat,
      nbf,
      exp,
      jti,
    };
    const signing = input.signing ?? { alg: 'RS256' };
    let header: JWTHeaderParameters;
    let key: Parameters<SignJWT['sign']>[0];
    if (signing.alg === 'RS256') {
      const active = await this.keys.getActiveSigningKey('RS256');
      // RFC 7515 §4.1.7: x5t lets a verifier that pinned the certificate pick the key.
      header = { alg: 'RS256', kid: active.kid, typ: 'JWT', ...(active.x5t ? { x5t: active.x5t } : {}) };
      key = active.privateKey;
    } else if (signing.alg === 'HS256') {
      if (typeof signing.secret !== 'string' || signing.secret.length === 0) throw InvalidRequestError.field('signing.secret', 'must name an HS256 secret');
      const secret = await this.keys.getHmacSecret(signing.secret);
      header = { alg: 'HS256', kid: secret.kid, typ: 'JWT' };
      key = await this.hmacKey(secret.name, secret.secret);
    } else {
      throw InvalidRequestError.field('signing.alg', 'must be RS256 or HS256');
    }

    let token: string;
    try {
      token = await new SignJWT(payload).setProtectedHeader(header).sign(key);
    } catch (e) {
      // JSON.stringify refuses BigInt and cycles: that is the caller's claims, not a fault here.
      if (e instanceof TypeError && /BigInt|circular|cyclic/i.test(e.message)) {
        throw InvalidRequestError.field('claims', 'must be plain JSON values (no BigInt, no cycles)');
      }
      throw e;
    }
    return { token, jti, kid: header.kid as string, alg: header.alg, iat, nbf, exp };
  }

  /**
   * B2C signs with the UTF-8 bytes of the policy key's secret string (not its base64 decoding),
   * so the HS256 key here is those bytes too.
   */
  private async hmacKey(name: string, secret: string): Promise<webcrypto.CryptoKey> {
    const cached = this.hmacKeys.get(name);
    if (cached && cached.secret === secret) return cached.key;
    const key = await webcrypto.subtle.importKey('raw', Buffer.from(secret, 'utf8'), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    this.hmacKeys.set(name, { secret, key });
    return key;
  }
}

function checkAudience(audience: unknown): string | string[] {
  if (typeof audience === 'string') {
    if (audience.length === 0) throw InvalidRequestError.field('audience', 'must not be empty');
    return audience;
  }
  if (Array.isArray(audience)) {
    if (audience.length === 0) throw InvalidRequestError.field('audience', 'must name at least one audience');
    audience.forEach((a, i) => {
      if (typeof a !== 'string' || a.length === 0) throw InvalidRequestError.field(`audience[${i}]`, 'must be a non-empty string');
    });
    return [...audience];
  }
  throw InvalidRequestError.field('audience', 'must be a string or an array of strings');
}
