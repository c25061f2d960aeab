import type { StoredInvitationStatus } from './invitations.tables';

/**
 * Lifecycle: pending → opened → redeemed, or → revoked, or → expired. Expiry is a fact of time,
 * not of the row: an invitation whose `expires_at` has passed is expired even if nothing ever
 * wrote that down, so every read and every action computes it from the injected clock.
 */
export type InvitationStatus = StoredInvitationStatus;

export const INVITATION_STATUSES: readonly InvitationStatus[] = ['pending', 'opened', 'redeemed', 'revoked', 'expired'];

/** Stored statuses in which an invitation can still be used (when not past `expires_at`). */
export const LIVE_STATUSES = ['pending', 'opened'] as const satisfies readonly StoredInvitationStatus[];

export function effectiveStatus(row: { status: StoredInvitationStatus; expires_at: number }, nowMs: number): InvitationStatus {
  if ((row.status === 'pending' || row.status === 'opened') && row.expires_at <= nowMs) return 'expired';
  return row.status;
}

export function isUsable(row: { status: StoredInvitationStatus; expires_at: number }, nowMs: number): boolean {
  const status = effectiveStatus(row, nowMs);
  return status === 'pending' || status === 'opened';
}
