import { Injectable, Logger } from '@nestjs/common';
import type { Db } from '../persistence/database';

/** What a message belongs to, e.g. `{ type: 'invitation', id }`: mail knows no more of it. */
export interface MailReference {
  type: string;
  id: string;
}

export interface MailDeliveryResult {
  /** The outbox row. */
  outboxId: string;
  /** `retrying`: this attempt failed transiently and another is scheduled at `nextAttemptAt`. */
  status: 'sent' | 'retrying' | 'failed';
  /** 1 for the first attempt. */
  attempt: number;
  /** Why the attempt failed: an error code and the server's reply, never the message. */
  error?: string;
  messageId: string;
  /** The SMTP server's reply on success. */
  response?: string;
  nextAttemptAt?: Date;
  at: Date;
}

/**
 * Called after each attempt, inside the transaction that records it on the outbox row, with that
 * transaction as `executor`: write through it and the owner's record (an invitation's delivery
 * result) commits together with the row. Do not use another connection from here — on SQLite it
 * would wait for this very transaction.
 */
export type MailDeliveryListener = (reference: MailReference, result: MailDeliveryResult, executor: Db) => void | Promise<void>;

/**
 * The hook through which other modules learn delivery results without mail depending on them:
 * a module registers a listener for its reference type (usually in its `onModuleInit`).
 */
@Injectable()
export class MailDeliveryListeners {
  private readonly logger = new Logger('Mail');
  private readonly listeners = new Map<string, Set<MailDeliveryListener>>();

  /** Listens to the results of messages whose reference has `type`. Returns the way to stop. */
  register(type: string, listener: MailDeliveryListener): () => void {
    let set = this.listeners.get(type);
    if (!set) this.listeners.set(type, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  }

  /**
   * Runs the listeners of `reference.type` in registration order. The first failure is thrown
   * (after being logged) so that the caller can roll back what the listeners wrote together.
   */
  async notify(reference: MailReference, result: MailDeliveryResult, executor: Db): Promise<void> {
    for (const listener of [...(this.listeners.get(reference.type) ?? [])]) {
      try {
        await listener(reference, result, executor);
      } catch (error) {
        this.logger.error(
          `a delivery listener for ${reference.type} failed on outbox row ${result.outboxId}: ${error instanceof Error ? error.message : String(error)}`,
        );
        throw error;
      }
    }
  }

  has(type: string): boolean {
    return (this.listeners.get(type)?.size ?? 0) > 0;
  }
}
