/**
 * The mail I/O edge. Two implementations: SMTP (`smtp-mail-transport.ts`, production) and the
 * development file outbox (`file-mail-transport.ts`). The outbox worker sees only this class.
 */

/** One fully rendered message, as read back from its outbox row. */
export interface OutgoingMail {
  /** The outbox row's id. */
  id: string;
  /** RFC 5322 §3.6.4 `Message-ID`, with its angle brackets; the same on every attempt. */
  messageId: string;
  from: string;
  to: string;
  subject: string;
  html?: string;
  text?: string;
  headers: Record<string, string>;
  /** The message's call to action; only the development file outbox logs it. */
  primaryLink?: string;
  createdAt: Date;
}

export interface MailSendResult {
  messageId: string;
  /** The SMTP server's final reply, or where the file outbox wrote the message. */
  response: string;
}

export abstract class MailTransport {
  abstract readonly kind: 'smtp' | 'file';

  /** Hands one message on. Throws `MailDeliveryError` saying whether a retry can help. */
  abstract send(mail: OutgoingMail): Promise<MailSendResult>;

  /** Where messages go, for the start-up log: never carries credentials. */
  abstract describe(): string;

  async close(): Promise<void> {}

  /** Nest calls this after every module's `onModuleDestroy`, so after the worker has stopped. */
  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }
}

/** What a transport logs through: Nest's `Logger` in the app, a recorder in tests. */
export interface MailLog {
  log(message: string): void;
}
