import { effectiveStatus, type InvitationStatus } from './invitation-status';
import type { InvitationEventRow, InvitationRow, InvitationTokenRow } from './invitations.tables';

/** An invitation as the admin API returns it. Never carries a code or a token. */
export interface InvitationView {
  id: string;
  email: string;
  name?: string;
  inviterName?: string;
  claims: Record<string, unknown>;
  relyingParty: string;
  invitedBy: string;
  locale: string;
  status: InvitationStatus;
  version: number;
  createdAt: string;
  expiresAt: string;
  openedAt?: string;
  redeemedAt?: string;
  revokedAt?: string;
}

export interface InvitationTokenView {
  jti: string;
  version: number;
  kid?: string;
  alg?: string;
  issuedAt: string;
  lastMintedAt?: string;
  supersededAt?: string;
  current: boolean;
}

export interface InvitationEventView {
  type: string;
  actor: string;
  at: string;
  data?: Record<string, unknown>;
}

export interface InvitationDetailView extends InvitationView {
  tokens: InvitationTokenView[];
  events: InvitationEventView[];
}

const iso = (ms: number | null): string | undefined => (ms === null ? undefined : new Date(ms).toISOString());

export function toInvitationView(row: InvitationRow, nowMs: number): InvitationView {
  return {
    id: row.id,
    email: row.email,
    ...(row.name ? { name: row.name } : {}),
    ...(row.inviter_name ? { inviterName: row.inviter_name } : {}),
    claims: JSON.parse(row.claims) as Record<string, unknown>,
    relyingParty: row.relying_party,
    invitedBy: row.invited_by,
    locale: row.locale,
    status: effectiveStatus(row, nowMs),
    version: row.version,
    createdAt: iso(row.created_at) as string,
    expiresAt: iso(row.expires_at) as string,
    ...(row.opened_at !== null ? { openedAt: iso(row.opened_at) } : {}),
    ...(row.redeemed_at !== null ? { redeemedAt: iso(row.redeemed_at) } : {}),
    ...(row.revoked_at !== null ? { revokedAt: iso(row.revoked_at) } : {}),
  };
}

export function toTokenView(row: InvitationTokenRow, currentJti: string): InvitationTokenView {
  return {
    jti: row.jti,
    version: row.version,
    ...(row.kid ? { kid: row.kid } : {}),
    ...(row.alg ? { alg: row.alg } : {}),
    issuedAt: iso(row.issued_at) as string,
    ...(row.last_minted_at !== null ? { lastMintedAt: iso(row.last_minted_at) } : {}),
    ...(row.superseded_at !== null ? { supersededAt: iso(row.superseded_at) } : {}),
    current: row.jti === currentJti,
  };
}

export function toEventView(row: InvitationEventRow): InvitationEventView {
  return {
    type: row.type,
    actor: row.actor,
    at: iso(row.at) as string,
    ...(row.data ? { data: JSON.parse(row.data) as Record<string, unknown> } : {}),
  };
}
