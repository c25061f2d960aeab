import { Injectable } from '@nestjs/common';
import { createLocalJWKSet, decodeJwt, errors, jwtVerify, type JSONWebKeySet } from 'jose';
import { Clock } from '../common/clock';
import { NotFoundError } from '../common/errors';
import { TesseraConfig } from '../config/config.schema';
import { JWKS_PATH } from '../discovery/openid-configuration';
import { KeyStoreService } from '../keys/key-store.service';
import { RelyingPartiesService } from '../relying-parties/relying-parties.service';
import type { RelyingParty } from '../relying-parties/relying-party';
import { TokensService } from '../tokens/tokens.service';
import { OwnMetadataFetcher } from './own-metadata.fetcher';
import { metadataFindings, relyingPartyFindings } from './self-check.findings';
import type { HintObservation, MetadataObservation, RelyingPartyObservation, RelyingPartyReport, SelfCheckReport } from './self-check.types';

/** What a test hint carries besides the registered claims: an address that can never be an invitee (RFC 6761 §6.4). */
const TEST_CLAIMS = { email: 'self-check@tessera.invalid' };
const TEST_HINT_LIFETIME_SECONDS = 60;

type HintFailureKind = NonNullable<Extract<HintObservation, { minted: true }>['failure']>['kind'];

/**
 * Looks at Tessera from where a relying party stands, before an invitee does: fetches the
 * discovery document and JWKS through PUBLIC_URL, reads the key store, mints a test hint per
 * relying party and validates it exactly as B2C would (issuer from the fetched discovery, keys
 * from the fetched JWKS, the relying party's audience and algorithm). Writes nothing; the test
 * hints are never stored or shown.
 */
@Injectable()
export class SelfCheckService {
  constructor(
    private readonly config: TesseraConfig,
    private readonly relyingParties: RelyingPartiesService,
    private readonly keys: KeyStoreService,
    private readonly tokens: TokensService,
    private readonly fetcher: OwnMetadataFetcher,
    private readonly clock: Clock,
  ) {}

  async run(): Promise<SelfCheckReport> {
    const now = this.clock.now();
    const relyingParties = this.relyingParties.list();
    const metadata = relyingParties.some((rp) => rp.signing.alg === 'RS256') ? await this.observeMetadata() : undefined;
    const reports: RelyingPartyReport[] = [];
    for (const rp of relyingParties) {
      const observed = await this.observeRelyingParty(rp, metadata);
      const iss = observed.hint.minted ? observed.hint.iss : undefined;
      reports.push({
        id: rp.id,
        signing: rp.signing.alg,
        findings: [...(rp.signing.alg === 'RS256' && metadata ? metadataFindings(metadata, iss ?? this.config.issuer, now) : []), ...relyingPartyFindings(observed)],
      });
    }
    return {
      ok: reports.every((r) => r.findings.every((f) => f.severity !== 'error')),
      publicUrl: this.config.publicUrl,
      issuer: this.config.issuer,
      relyingParties: reports,
      checkedAt: now.toISOString(),
    };
  }

  private async observeMetadata(): Promise<MetadataObservation> {
    const discovery = await this.fetcher.discovery();
    // Without a readable discovery document, look where Tessera would publish the keys anyway,
    // so the report can say whether the keys are reachable too.
    const jwks = await this.fetcher.jwks(discovery.jwksUri ?? `${this.config.publicUrl}${JWKS_PATH}`);
    let activeKey: MetadataObservation['activeKey'];
    try {
      const active = await this.keys.getActiveSigningKey('RS256');
      const info = await this.keys.get(active.kid);
      activeKey = { kid: active.kid, certificateNotAfter: new Date(info.certificate.notAfter) };
    } catch (e) {
      activeKey = { problem: (e as Error).message };
    }
    return { publicUrl: this.config.publicUrl, discovery, jwks, activeKey };
  }

  private async observeRelyingParty(rp: RelyingParty, metadata: MetadataObservation | undefined): Promise<RelyingPartyObservation> {
    const base = { id: rp.id, signing: rp.signing.alg, audience: rp.audience };
    let secret: string | undefined;
    if (rp.signing.alg === 'HS256') {
      try {
        secret = (await this.keys.getHmacSecret(rp.signing.secret)).secret;
      } catch (e) {
        if (!(e instanceof NotFoundError)) throw e;
        return { ...base, secret: { name: rp.signing.secret, present: false }, hint: { minted: false, problem: e.description } };
      }
    }
    // Validated at the clock's time after minting: fetching metadata may have taken a while, and
    // the hint's nbf is its minting time.
    let token: string;
    try {
      token = (await this.tokens.mint({ audience: rp.audience, claims: TEST_CLAIMS, lifetimeSeconds: TEST_HINT_LIFETIME_SECONDS, signing: rp.signing })).token;
    } catch (e) {
      return { ...base, hint: { minted: false, problem: (e as Error).message } };
    }
    const iss = String(decodeJwt(token).iss);
    const hint: HintObservation = { minted: true, iss };
    try {
      if (rp.signing.alg === 'HS256') {
        // B2C: the policy key is the secret string, and its UTF-8 bytes are the HMAC key.
        await jwtVerify(token, Buffer.from(secret as string, 'utf8'), {
          issuer: this.config.issuer,
          audience: rp.audience,
          algorithms: ['HS256'],
          currentDate: this.clock.now(),
        });
      } else {
        const issuer = metadata?.discovery.issuer;
        const jwks = metadata?.jwks.document;
        if (issuer === undefined || jwks === undefined) {
          hint.failure = { kind: 'skipped', message: 'the published metadata could not be read' };
        } else {
          await jwtVerify(token, createLocalJWKSet(jwks as unknown as JSONWebKeySet), {
            issuer,
            audience: rp.audience,
            algorithms: ['RS256'],
            currentDate: this.clock.now(),
          });
        }
      }
    } catch (e) {
      hint.failure = { kind: failureKind(e), message: (e as Error).message };
    }
    return { ...base, ...(rp.signing.alg === 'HS256' ? { secret: { name: rp.signing.secret, present: true } } : {}), hint };
  }
}

/** jose's verdict as the B2C error class it corresponds to (DESIGN §3). */
function failureKind(e: unknown): HintFailureKind {
  if (e instanceof errors.JWTExpired) return 'expired';
  if (e instanceof errors.JWTClaimValidationFailed) return e.claim === 'iss' ? 'issuer' : e.claim === 'aud' ? 'audience' : 'invalid';
  if (
    e instanceof errors.JWSSignatureVerificationFailed ||
    e instanceof errors.JWKSNoMatchingKey ||
    e instanceof errors.JWKSMultipleMatchingKeys ||
    e instanceof errors.JOSEAlgNotAllowed
  ) {
    return 'signature';
  }
  return 'invalid';
}
