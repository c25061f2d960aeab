import { Injectable } from '@nestjs/common';
import { createLocalJWKSet, decodeJwt, errors as joseErrors, jwtVerify, type JSONWebKeySet } from 'jose';
import { Clock } from '../common/clock';
import { TesseraConfig } from '../config/config.schema';
import { KeyStoreService } from '../keys/key-store.service';
import { RelyingPartiesService } from '../relying-parties/relying-parties.service';
import { effectiveStatus } from './invitation-status';
import { InvitationsRepository } from './invitations.repository';
import type { InvitationRow } from './invitations.tables';
import { RedemptionError } from './redemption.errors';

export interface RedeemInput {
  jti?: unknown;
  /** The `id_token_hint` itself; its signature is checked before its `jti` is trusted. */
  token?: unknown;
}

export interface RedeemedInvitation {
  invitationId: string;
  email: string;
  name?: string;
  relyingParty: string;
  claims: Record<string, unknown>;
  redeemedAt: string;
}

const MAX_JTI = 200;
const MAX_TOKEN = 16 * 1024;

/** One-time redemption of an invitation's current token version. */
@Injectable()
export class RedemptionService {
  constructor(
    private readonly repository: InvitationsRepository,
    private readonly relyingParties: RelyingPartiesService,
    private readonly keys: KeyStoreService,
    private readonly config: TesseraConfig,
    private readonly clock: Clock,
  ) {}

  /**
   * Redeems by `jti` or by the hint. Exactly one of any number of concurrent calls for one
   * invitation succeeds (the repository's conditional UPDATE); the others learn why not.
   */
  async redeem(input: RedeemInput, actor: string): Promise<RedeemedInvitation> {
    const jti = await this.jtiOf(input);
    const now = this.clock.now().getTime();
    const row = await this.repository.db.transaction().execute(async (trx) => {
      const redeemed = await this.repository.redeem(trx, jti, now);
      if (redeemed) await this.repository.addEvent(trx, { invitationId: redeemed.id, type: 'redeemed', actor, at: now, data: { jti } });
      return redeemed;
    });
    if (!row) throw await this.whyNot(jti, now);
    return {
      invitationId: row.id,
      email: row.email,
      ...(row.name ? { name: row.name } : {}),
      relyingParty: row.relying_party,
      claims: JSON.parse(row.claims) as Record<string, unknown>,
      redeemedAt: new Date(now).toISOString(),
    };
  }

  private async jtiOf(input: RedeemInput): Promise<string> {
    if (input === null || typeof input !== 'object') throw RedemptionError.badRequest('body', 'must be a JSON object with "jti" or "token"');
    const { jti, token } = input;
    if (jti !== undefined && token !== undefined) throw RedemptionError.badRequest('jti', 'send either "jti" or "token", not both');
    if (jti !== undefined) {
      if (typeof jti !== 'string' || jti.length === 0 || jti.length > MAX_JTI) {
        throw RedemptionError.badRequest('jti', `must be a non-empty string of at most ${MAX_JTI} characters`);
      }
      return jti;
    }
    if (token !== undefined) {
      if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN) {
        throw RedemptionError.badRequest('token', `must be a compact JWT of at most ${MAX_TOKEN} characters`);
      }
      return this.verifiedJti(token);
    }
    throw RedemptionError.badRequest('jti', 'is required (or send the hint as "token")');
  }

  /**
   * The hint is trusted only after its signature, `iss` and `aud` check out against the relying
   * party of the invitation its `jti` names: Tessera's own published keys for RS256, the
   * relying party's HS256 secret otherwise (RFC 7519 §7.2).
   */
  private async verifiedJti(token: string): Promise<string> {
    let claimed: unknown;
    try {
      claimed = decodeJwt(token).jti;
    } catch {
      throw RedemptionError.of('invalid_token', 'token: is not a JWT');
    }
    if (typeof claimed !== 'string' || claimed.length > MAX_JTI) throw RedemptionError.of('invalid_token', 'token: carries no jti');
    const version = await this.repository.findToken(claimed);
    const invitation = version && (await this.repository.findById(version.invitation_id));
    const rp = invitation && this.relyingParties.find(invitation.relying_party);
    if (!rp) throw RedemptionError.of('unknown', 'token: its jti names no invitation of a configured relying party');
    const options = { issuer: this.config.issuer, audience: rp.audience, algorithms: [rp.signing.alg], currentDate: this.clock.now() };
    try {
      if (rp.signing.alg === 'HS256') {
        const secret = await this.keys.getHmacSecret(rp.signing.secret);
        await jwtVerify(token, new TextEncoder().encode(secret.secret), options);
      } else {
        const jwks = createLocalJWKSet((await this.keys.publishedJwks()) as unknown as JSONWebKeySet);
        await jwtVerify(token, jwks, options);
      }
    } catch (e) {
      if (e instanceof joseErrors.JWTExpired) throw RedemptionError.of('hint_expired', 'token: exp has passed');
      throw RedemptionError.of('invalid_token', `token: ${e instanceof joseErrors.JOSEError ? e.code : 'could not be verified'}`);
    }
    return claimed;
  }

  /** Classifies a failed redemption after the fact; the UPDATE already decided there was no win. */
  private async whyNot(jti: string, now: number): Promise<RedemptionError> {
    const current = await this.repository.findByCurrentJti(jti);
    if (!current) {
      const version = await this.repository.findToken(jti);
      return version ? RedemptionError.of('superseded', 'jti: a newer token version was issued (resend)') : RedemptionError.of('unknown', 'jti: no invitation has it');
    }
    return failureOf(current, now);
  }
}

function failureOf(row: InvitationRow, now: number): RedemptionError {
  switch (effectiveStatus(row, now)) {
    case 'redeemed':
      return RedemptionError.of('already_redeemed', `invitation ${row.id} was redeemed at ${new Date(row.redeemed_at ?? now).toISOString()}`);
    case 'revoked':
      return RedemptionError.of('revoked', `invitation ${row.id} was revoked`);
    case 'expired':
      return RedemptionError.of('expired', `invitation ${row.id} expired at ${new Date(row.expires_at).toISOString()}`);
    default:
      // Usable now yet the UPDATE matched nothing: it changed in between (e.g. a resend). Retry.
      return RedemptionError.of('unknown', `invitation ${row.id} changed during redemption; retry`);
  }
}
