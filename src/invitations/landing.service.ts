import { Injectable } from '@nestjs/common';
import { Clock } from '../common/clock';
import { RelyingPartiesService, RelyingPartyUnavailableError } from '../relying-parties/relying-parties.service';
import type { RelyingParty } from '../relying-parties/relying-party';
import { hashCode, InvitationLinksService } from './invitation-links.service';
import { effectiveStatus } from './invitation-status';
import { InvitationsRepository } from './invitations.repository';
import type { InvitationRow } from './invitations.tables';
import type { StatusPageKind } from './landing.pages';

/** 32 random bytes, base64url without padding: anything else is not a code Tessera issued. */
const CODE_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export type LandingState =
  | { kind: 'usable'; invitation: InvitationRow; rp: RelyingParty; codeHash: string }
  | { kind: Exclude<StatusPageKind, 'forbidden'>; invitation?: InvitationRow; rp?: RelyingParty };

/** What the landing routes do; the controller only turns the outcome into a page or a redirect. */
@Injectable()
export class LandingService {
  constructor(
    private readonly repository: InvitationsRepository,
    private readonly relyingParties: RelyingPartiesService,
    private readonly links: InvitationLinksService,
    private readonly clock: Clock,
  ) {}

  /** Where the code stands. Reads only. */
  async lookup(code: string): Promise<LandingState> {
    if (!CODE_PATTERN.test(code)) return { kind: 'unknown' };
    const codeHash = hashCode(code);
    const invitation = await this.repository.findByCodeHash(codeHash);
    if (!invitation) {
      // An older version's code: say it was replaced, rather than that it never existed.
      const old = await this.repository.findTokenByCodeHash(codeHash);
      const replaced = old && (await this.repository.findById(old.invitation_id));
      return replaced ? { kind: 'superseded', invitation: replaced, rp: this.relyingParties.find(replaced.relying_party) } : { kind: 'unknown' };
    }
    const rp = this.relyingParties.find(invitation.relying_party);
    const status = effectiveStatus(invitation, this.clock.now().getTime());
    if (status === 'expired' || status === 'revoked' || status === 'redeemed') return { kind: status, invitation, rp };
    if (!rp) return { kind: 'unavailable', invitation };
    return { kind: 'usable', invitation, rp, codeHash };
  }

  /**
   * GET/HEAD: the only state they change is "opened", once. A mail scanner following the link
   * therefore marks it opened and burns nothing: the hint is minted only by the POST.
   */
  async open(code: string): Promise<LandingState> {
    const state = await this.lookup(code);
    if (state.kind === 'usable' && state.invitation.status === 'pending') await this.recordOpened(state.invitation.id, 'page');
    return state;
  }

  /** POST accept: mints the hint of the current token version and returns the sign-up URL. */
  async accept(state: Extract<LandingState, { kind: 'usable' }>): Promise<{ location: string } | { kind: 'unavailable' }> {
    const { invitation, rp } = state;
    const now = this.clock.now().getTime();
    let hint;
    try {
      hint = await this.links.mintHint(
        {
          id: invitation.id,
          email: invitation.email,
          name: invitation.name,
          claims: JSON.parse(invitation.claims) as Record<string, unknown>,
          locale: invitation.locale,
          jti: invitation.current_jti,
          expiresAt: invitation.expires_at,
        },
        rp,
        rp.hintLifetimeSeconds,
      );
    } catch (e) {
      if (e instanceof RelyingPartyUnavailableError || isMissingSecret(e)) return { kind: 'unavailable' };
      throw e;
    }
    await this.repository.db.transaction().execute(async (trx) => {
      if (await this.repository.markOpened(trx, invitation.id, now)) {
        await this.repository.addEvent(trx, { invitationId: invitation.id, type: 'opened', actor: 'invitee', at: now, data: { via: 'accept' } });
      }
      await this.repository.recordMint(trx, invitation.current_jti, hint.kid, hint.alg, now);
      await this.repository.addEvent(trx, {
        invitationId: invitation.id,
        type: 'accepted',
        actor: 'invitee',
        at: now,
        data: { version: invitation.version, kid: hint.kid, hintExpiresAt: new Date(hint.exp * 1000).toISOString() },
      });
    });
    return { location: this.links.signUpUrl(rp, hint.token, { id: invitation.id, locale: invitation.locale }) };
  }

  private async recordOpened(id: string, via: string): Promise<void> {
    const now = this.clock.now().getTime();
    await this.repository.db.transaction().execute(async (trx) => {
      if (await this.repository.markOpened(trx, id, now)) {
        await this.repository.addEvent(trx, { invitationId: id, type: 'opened', actor: 'invitee', at: now, data: { via } });
      }
    });
  }
}

/** The key store answers a missing HS256 secret with a 404-coded error. */
function isMissingSecret(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === 'not_found';
}
