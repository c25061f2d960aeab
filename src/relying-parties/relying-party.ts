import type { ClaimType, LinkMode, Locale, RelyingPartyConfig } from './relying-parties.config';
import { parseSignUpUrl, type SignUpUrlTemplate } from './sign-up-url';

/** How hints for a relying party are signed: the `signing` option of `TokensService.mint`. */
export type RelyingPartySigning = { alg: 'RS256' } | { alg: 'HS256'; secret: string };

export interface ClaimSpec {
  name: string;
  type: ClaimType;
  required: boolean;
}

/** A relying party as the services use it: validated config, with the sign-up URL parsed once. */
export interface RelyingParty {
  readonly id: string;
  readonly displayName: string;
  readonly audience: string;
  readonly signing: RelyingPartySigning;
  readonly signUpUrl: SignUpUrlTemplate;
  readonly linkMode: LinkMode;
  readonly hintLifetimeSeconds: number;
  readonly invitationLifetimeSeconds: number;
  readonly maxInvitationLifetimeSeconds: number;
  /** Lower-cased; `*.example.com` matches subdomains only. */
  readonly allowedEmailDomains: readonly string[];
  readonly claims: ReadonlyMap<string, ClaimSpec>;
  readonly defaultLocale: Locale;
  readonly mail: { readonly from?: string; readonly subject?: string };
}

export function toRelyingParty(config: RelyingPartyConfig): RelyingParty {
  return {
    id: config.id,
    displayName: config.displayName,
    audience: config.audience,
    signing: config.signing.alg === 'HS256' ? { alg: 'HS256', secret: config.signing.secret as string } : { alg: 'RS256' },
    signUpUrl: parseSignUpUrl(config.signUpUrl),
    linkMode: config.linkMode,
    hintLifetimeSeconds: config.hintLifetimeSeconds,
    invitationLifetimeSeconds: config.invitationLifetimeSeconds,
    maxInvitationLifetimeSeconds: config.maxInvitationLifetimeSeconds,
    allowedEmailDomains: config.allowedEmailDomains.map((d) => d.toLowerCase()),
    claims: new Map(config.claims.map((c) => [c.name, { name: c.name, type: c.type, required: c.required }])),
    defaultLocale: config.defaultLocale,
    mail: { from: config.mail.from, subject: config.mail.subject },
  };
}

/** True when `email`'s domain is one the relying party allows (an empty list allows any). */
export function isEmailDomainAllowed(rp: Pick<RelyingParty, 'allowedEmailDomains'>, email: string): boolean {
  if (rp.allowedEmailDomains.length === 0) return true;
  const domain = email.slice(email.lastIndexOf('@') + 1).toLowerCase();
  return rp.allowedEmailDomains.some((allowed) =>
    allowed.startsWith('*.') ? domain.endsWith(allowed.slice(1)) && domain.length > allowed.length - 1 : domain === allowed,
  );
}

/**
 * What `GET /api/relying-parties` shows. The HS256 secret's *name* is configuration an admin
 * needs to see; its value never leaves the key store.
 */
export interface RelyingPartyView {
  id: string;
  displayName: string;
  audience: string;
  signing: { alg: 'RS256' } | { alg: 'HS256'; secretName: string };
  signUpUrl: string;
  linkMode: LinkMode;
  hintLifetimeSeconds: number;
  invitationLifetimeSeconds: number;
  maxInvitationLifetimeSeconds: number;
  allowedEmailDomains: string[];
  claims: ClaimSpec[];
  defaultLocale: Locale;
  mail: { from?: string; subject?: string };
}

export function toRelyingPartyView(rp: RelyingParty): RelyingPartyView {
  return {
    id: rp.id,
    displayName: rp.displayName,
    audience: rp.audience,
    signing: rp.signing.alg === 'HS256' ? { alg: 'HS256', secretName: rp.signing.secret } : { alg: 'RS256' },
    signUpUrl: rp.signUpUrl.source,
    linkMode: rp.linkMode,
    hintLifetimeSeconds: rp.hintLifetimeSeconds,
    invitationLifetimeSeconds: rp.invitationLifetimeSeconds,
    maxInvitationLifetimeSeconds: rp.maxInvitationLifetimeSeconds,
    allowedEmailDomains: [...rp.allowedEmailDomains],
    claims: [...rp.claims.values()],
    defaultLocale: rp.defaultLocale,
    mail: { ...rp.mail },
  };
}
