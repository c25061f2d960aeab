import type { Generated, Insertable, Selectable } from 'kysely';

/**
 * What is stored in `invitations.status`. `expired` is written only when a row is moved out of
 * the way (a new invitation for the same person); otherwise expiry is computed from
 * `expires_at` wherever a status is read or acted on (see `invitation-status.ts`).
 */
export type StoredInvitationStatus = 'pending' | 'opened' | 'redeemed' | 'revoked' | 'expired';

/** One invitation (migration `0030_invitations`). Timestamps are epoch milliseconds. */
export interface InvitationsTable {
  id: string;
  /** Lower-cased, so one person is one invitee whatever the admin typed. */
  email: string;
  name: string | null;
  /** Who the landing page and the email say invited them (free text from the request). */
  inviter_name: string | null;
  /** JSON object of the extra claims, checked against the relying party's declaration. */
  claims: string;
  relying_party: string;
  /** The API key (id) that created it. */
  invited_by: string;
  locale: string;
  created_at: number;
  expires_at: number;
  status: StoredInvitationStatus;
  /** The `jti` of the current token version: the only one redemption accepts. */
  current_jti: string;
  /** SHA-256 (hex) of the landing-page code of the current version; null in direct mode. */
  code_hash: string | null;
  /** Token versions issued so far (1 at creation, +1 per resend). */
  version: number;
  opened_at: number | null;
  redeemed_at: number | null;
  revoked_at: number | null;
  updated_at: number;
}

/** Every token version an invitation has had. */
export interface InvitationTokensTable {
  jti: string;
  invitation_id: string;
  version: number;
  /** Kept after the version is superseded, so an old link can say it was replaced. */
  code_hash: string | null;
  /** Key of the last hint minted for this version (landing mode mints at each click). */
  kid: string | null;
  alg: string | null;
  issued_at: number;
  last_minted_at: number | null;
  superseded_at: number | null;
}

export interface InvitationEventsTable {
  id: Generated<number>;
  invitation_id: string;
  /** created, sent, delivered, delivery_retrying, delivery_failed, opened, accepted, resent, revoked, expired, redeemed */
  type: string;
  /** API key id, `invitee` (landing page) or `system`. */
  actor: string;
  at: number;
  /** JSON object or null. */
  data: string | null;
}

/** A random secret created once and shared by every instance (the landing page's CSRF key). */
export interface InvitationSecretsTable {
  name: string;
  /** base64url */
  value: string;
  created_at: number;
}

export type InvitationRow = Selectable<InvitationsTable>;
export type NewInvitationRow = Insertable<InvitationsTable>;
export type InvitationTokenRow = Selectable<InvitationTokensTable>;
export type InvitationEventRow = Selectable<InvitationEventsTable>;

declare module '../persistence/database' {
  interface Database {
    invitations: InvitationsTable;
    invitation_tokens: InvitationTokensTable;
    invitation_events: InvitationEventsTable;
    invitation_secrets: InvitationSecretsTable;
  }
}
