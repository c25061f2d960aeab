import { Injectable } from '@nestjs/common';
import { Clock } from '../../common/clock';
import { effectiveStatus } from '../../invitations/invitation-status';
import { InvitationsRepository } from '../../invitations/invitations.repository';
import { RedemptionError, type RedemptionFailure } from '../../invitations/redemption.errors';
import { RedemptionService } from '../../invitations/redemption.service';
import { UserFacingError } from '../engine/journey.errors';
import type { LocalizedText, TechnicalProfileDef } from '../policy/policy.model';
import type { ClaimsExchangeHandler, ExchangeClaims, ProfileContext } from './technical-profile.handler';

/** What the invitee reads, per outcome; English as the redemption API words it. */
const MESSAGES: Record<RedemptionFailure | 'invalid_request', LocalizedText> = {
  unknown: {
    en: 'This invitation is not valid. Ask the person who invited you to send you a new invitation.',
    ko: '유효하지 않은 초대입니다. 초대한 분께 새 초대를 요청하세요.',
  },
  invalid_token: {
    en: 'This invitation link could not be verified. Open the link in your invitation email again, or ask for a new invitation.',
    ko: '초대 링크를 확인할 수 없습니다. 초대 이메일의 링크를 다시 열거나 새 초대를 요청하세요.',
  },
  superseded: {
    en: 'This invitation link has been replaced by a newer one. Use the link in the most recent invitation email.',
    ko: '이 초대 링크는 새 링크로 바뀌었습니다. 가장 최근에 받은 초대 이메일의 링크를 사용하세요.',
  },
  revoked: {
    en: 'This invitation has been withdrawn. Ask the person who invited you if you should receive a new one.',
    ko: '초대가 취소되었습니다. 새 초대를 받아야 하는지 초대한 분께 문의하세요.',
  },
  expired: {
    en: 'This invitation has expired. Ask the person who invited you to send you a new invitation.',
    ko: '초대가 만료되었습니다. 초대한 분께 새 초대를 요청하세요.',
  },
  hint_expired: {
    en: 'This sign-up link has expired. Open your invitation email and select the link again.',
    ko: '가입 링크가 만료되었습니다. 초대 이메일을 열고 링크를 다시 선택하세요.',
  },
  already_redeemed: {
    en: 'This invitation has already been used. If you accepted it before, sign in instead of signing up.',
    ko: '이미 사용된 초대입니다. 이전에 수락했다면 가입하지 말고 로그인하세요.',
  },
  invalid_request: {
    en: 'This invitation is not valid. Ask the person who invited you to send you a new invitation.',
    ko: '유효하지 않은 초대입니다. 초대한 분께 새 초대를 요청하세요.',
  },
};

export function invitationMessage(failure: RedemptionFailure | 'invalid_request'): LocalizedText {
  return MESSAGES[failure];
}

/**
 * Tessera's invitations as a technical profile, by the hint's `jti` (partner claim `jti`).
 * `Operation`:
 * - `Check` changes nothing and answers `status` (`usable`, or why not: `already_redeemed`,
 *   `revoked`, `expired`, `superseded`, `unknown`) and `userMessage` in the journey's language,
 *   so a precondition can show a page before the invitee types anything;
 * - `Redeem` marks the invitation redeemed, exactly once of any number of attempts (the ledger's
 *   conditional update), and answers `invitationId`, `email`, `name`, `relyingParty`,
 *   `redeemedAt` and the invitation's claims; a refusal is shown to the invitee.
 */
@Injectable()
export class InvitationRedemptionHandler implements ClaimsExchangeHandler {
  readonly kind = 'InvitationRedemption' as const;

  constructor(
    private readonly redemption: RedemptionService,
    private readonly invitations: InvitationsRepository,
    private readonly clock: Clock,
  ) {}

  async invoke(tp: TechnicalProfileDef, { inputs }: ExchangeClaims, ctx: ProfileContext): Promise<Record<string, unknown>> {
    const jti = typeof inputs.jti === 'string' && inputs.jti.length ? inputs.jti : undefined;
    if (tp.metadata.Operation === 'Check') {
      const status = jti ? await this.statusOf(jti) : 'unknown';
      return { status, ...(status === 'usable' ? {} : { userMessage: pick(MESSAGES[status], ctx) }) };
    }
    if (!jti) throw new UserFacingError(MESSAGES.unknown, 'no jti to redeem');
    try {
      const redeemed = await this.redemption.redeem({ jti }, `journey:${ctx.policy.policyId}:${ctx.correlationId}`);
      return { ...redeemed.claims, invitationId: redeemed.invitationId, email: redeemed.email, name: redeemed.name, relyingParty: redeemed.relyingParty, redeemedAt: redeemed.redeemedAt };
    } catch (e) {
      if (e instanceof RedemptionError) throw new UserFacingError(MESSAGES[e.failure], `redemption refused: ${e.code}`);
      throw e;
    }
  }

  /** The verdict `RedemptionService` would reach, without changing anything. */
  private async statusOf(jti: string): Promise<'usable' | RedemptionFailure> {
    const current = await this.invitations.findByCurrentJti(jti);
    if (!current) return (await this.invitations.findToken(jti)) ? 'superseded' : 'unknown';
    switch (effectiveStatus(current, this.clock.now().getTime())) {
      case 'pending':
      case 'opened':
        return 'usable';
      case 'redeemed':
        return 'already_redeemed';
      case 'revoked':
        return 'revoked';
      default:
        return 'expired';
    }
  }
}

function pick(text: LocalizedText, ctx: ProfileContext): string {
  return text[ctx.locale] ?? text.en;
}
