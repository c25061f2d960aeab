import { Injectable, OnModuleInit } from '@nestjs/common';
import { MailDeliveryListeners, type MailDeliveryResult, type MailReference } from '../mail/mail-delivery-listeners';
import { OutboxService, type EnqueuedMail } from '../mail/outbox.service';
import type { Db } from '../persistence/database';
import type { RelyingParty } from '../relying-parties/relying-party';
import { InvitationsRepository } from './invitations.repository';
import type { InvitationRow } from './invitations.tables';

export const INVITATION_MAIL_REFERENCE = 'invitation';

/** Delivery outcomes as invitation events. */
const DELIVERY_EVENTS: Record<MailDeliveryResult['status'], string> = {
  sent: 'delivered',
  retrying: 'delivery_retrying',
  failed: 'delivery_failed',
};

/**
 * Writes the invitation email into the outbox through the caller's transaction (the invitation
 * and its message commit together or not at all), and turns delivery results into events.
 */
@Injectable()
export class InvitationMailer implements OnModuleInit {
  constructor(
    private readonly outbox: OutboxService,
    private readonly listeners: MailDeliveryListeners,
    private readonly repository: InvitationsRepository,
  ) {}

  onModuleInit(): void {
    this.listeners.register(INVITATION_MAIL_REFERENCE, (reference, result, executor) => this.recordDelivery(reference, result, executor));
  }

  async enqueue(executor: Db, invitation: InvitationRow, rp: RelyingParty, link: string): Promise<EnqueuedMail> {
    return this.outbox.enqueue(executor, {
      to: mailbox(invitation.email, invitation.name),
      from: rp.mail.from,
      subject: rp.mail.subject,
      // Rendered by the worker when it sends: the row keeps these few fields instead of ~7 KB of
      // HTML and text. The invitee's locale first, then the relying party's; English last.
      template: {
        name: 'invitation',
        locales: [invitation.locale, rp.defaultLocale],
        context: {
          inviteeName: invitation.name ?? undefined,
          inviterName: invitation.inviter_name ?? undefined,
          relyingPartyName: rp.displayName,
          link,
          expiresAt: new Date(invitation.expires_at),
        },
      },
      reference: { type: INVITATION_MAIL_REFERENCE, id: invitation.id },
      // One message per token version: a retried request cannot queue a second copy, a resend can.
      dedupeKey: `invitation:${invitation.id}:v${invitation.version}`,
    });
  }

  /**
   * Withdraws the invitation's emails that have not gone out yet, through the caller's
   * transaction: after a revocation (often "sent to the wrong address") or a resend (the queued
   * copy carries the link that just stopped working), a late delivery would only tell the
   * recipient about an invitation that no longer stands.
   */
  async cancelPending(executor: Db, invitationId: string, reason: string): Promise<number> {
    return this.outbox.cancelPending(executor, { type: INVITATION_MAIL_REFERENCE, id: invitationId }, reason);
  }

  private async recordDelivery(reference: MailReference, result: MailDeliveryResult, executor: Db): Promise<void> {
    await this.repository.addEvent(executor, {
      invitationId: reference.id,
      type: DELIVERY_EVENTS[result.status],
      actor: 'system',
      at: result.at.getTime(),
      data: {
        attempt: result.attempt,
        messageId: result.messageId,
        ...(result.error ? { error: result.error } : {}),
        ...(result.nextAttemptAt ? { nextAttemptAt: result.nextAttemptAt.toISOString() } : {}),
      },
    });
  }
}

/** RFC 5322 §3.4 mailbox with the display name as a quoted string (§3.2.4). */
function mailbox(address: string, name: string | null): string {
  if (!name) return address;
  return `"${name.replace(/[\\"]/g, (c) => `\\${c}`)}" <${address}>`;
}
