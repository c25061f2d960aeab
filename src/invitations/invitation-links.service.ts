import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { Clock } from '../common/clock';
import { Random } from '../common/random';
import { TesseraConfig } from '../config/config.schema';
import type { RelyingParty } from '../relying-parties/relying-party';
import { buildSignUpUrl } from '../relying-parties/sign-up-url';
import { TokensService } from '../tokens/tokens.service';

/** What a hint is minted from: the parts of an invitation that become claims. */
export interface HintSource {
  id: string;
  email: string;
  name: string | null;
  claims: Record<string, unknown>;
  locale: string;
  jti: string;
  expiresAt: number;
}

export interface MintedHint {
  token: string;
  kid: string;
  alg: string;
  exp: number;
}

/**
 * The two kinds of link an invitation email carries, and the hint behind them. Landing codes are
 * 32 random bytes; only their SHA-256 is stored, so a database dump does not hold usable links.
 */
@Injectable()
export class InvitationLinksService {
  constructor(
    private readonly config: TesseraConfig,
    private readonly tokens: TokensService,
    private readonly clock: Clock,
    private readonly random: Random,
  ) {}

  newCode(): { code: string; codeHash: string } {
    const code = this.random.bytes(32).toString('base64url');
    return { code, codeHash: hashCode(code) };
  }

  landingUrl(code: string): string {
    return `${this.config.publicUrl}/invite/${code}`;
  }

  /**
   * Mints the `id_token_hint` of the invitation's current token version: its `jti` is the
   * version's, so redemption by `jti` finds it, and `exp` never passes the invitation's expiry.
   */
  async mintHint(source: HintSource, rp: RelyingParty, lifetimeSeconds: number): Promise<MintedHint> {
    // Whole seconds on both ends (RFC 7519 NumericDate), from one reading of the clock: a hint
    // valid until the invitation expires gets exactly exp = floor(expiresAt / 1000), however many
    // milliseconds passed since the invitation's expiry was set.
    const nbf = this.clock.nowSeconds();
    const untilExpiry = Math.floor(source.expiresAt / 1000) - nbf;
    const minted = await this.tokens.mint({
      audience: rp.audience,
      claims: { ...source.claims, email: source.email, ...(source.name ? { name: source.name } : {}) },
      jti: source.jti,
      notBefore: nbf,
      lifetimeSeconds: Math.max(1, Math.min(lifetimeSeconds, untilExpiry)),
      signing: rp.signing,
    });
    return { token: minted.token, kid: minted.kid, alg: minted.alg, exp: minted.exp };
  }

  /** The relying party's sign-up URL carrying `hint`, with fresh `nonce` and `state` values. */
  signUpUrl(rp: RelyingParty, hint: string, source: Pick<HintSource, 'id' | 'locale'>): string {
    return buildSignUpUrl(rp.signUpUrl, {
      id_token_hint: hint,
      nonce: this.random.bytes(16).toString('base64url'),
      state: this.random.bytes(16).toString('base64url'),
      locale: source.locale,
      invitation_id: source.id,
    });
  }

  /** Direct mode: the email carries the sign-up URL with a hint valid until the invitation expires. */
  async directLink(source: HintSource, rp: RelyingParty): Promise<{ link: string; hint: MintedHint }> {
    const hint = await this.mintHint(source, rp, Number.MAX_SAFE_INTEGER);
    return { link: this.signUpUrl(rp, hint.token, source), hint };
  }
}

export function hashCode(code: string): string {
  return createHash('sha256').update(code, 'utf8').digest('hex');
}
