import nodemailer, { type Mail } from 'nodemailer';
import { classifySendError } from './mail-delivery.error';
import { MailTransport, type MailSendResult, type OutgoingMail } from './mail-transport';

export interface SmtpTransportOptions {
  /** `smtp://user:pass@host:587` (STARTTLS when offered) or `smtps://…:465` (TLS from the start). */
  url: string;
  /** Pooled connections: messages of one batch travel side by side. */
  maxConnections: number;
  timeoutSeconds: number;
}

/**
 * Production transport: nodemailer's SMTP pool. Nothing about a message reaches the logs from
 * here (bodies carry secret-bearing links); failures surface to the worker as classified errors.
 */
export class SmtpMailTransport extends MailTransport {
  readonly kind = 'smtp' as const;
  private readonly transporter: Mail;
  private readonly target: string;

  constructor(options: SmtpTransportOptions) {
    super();
    const ms = options.timeoutSeconds * 1000;
    this.transporter = nodemailer.createTransport({
      url: options.url,
      pool: true,
      maxConnections: options.maxConnections,
      // The pool would otherwise re-send a message whose connection closed mid-transaction on
      // its own, out of sight of the outbox: retries belong to the outbox, which counts them,
      // backs off and keeps the lease that stops two instances sending one row.
      maxRequeues: 0,
      connectionTimeout: ms,
      greetingTimeout: ms,
      socketTimeout: ms,
      // Messages are built from our own templates; nothing may make nodemailer read a file or URL.
      disableFileAccess: true,
      disableUrlAccess: true,
    });
    const url = new URL(options.url);
    this.target = `${url.protocol}//${url.hostname}${url.port ? `:${url.port}` : ''}`;
  }

  async send(mail: OutgoingMail): Promise<MailSendResult> {
    try {
      const info = (await this.transporter.sendMail({
        messageId: mail.messageId,
        date: mail.createdAt,
        from: mail.from,
        to: mail.to,
        subject: mail.subject,
        html: mail.html,
        text: mail.text,
        headers: mail.headers,
      })) as { messageId?: string; response?: string };
      return { messageId: info.messageId ?? mail.messageId, response: info.response ?? '' };
    } catch (error) {
      throw classifySendError(error);
    }
  }

  describe(): string {
    return `SMTP server ${this.target}`;
  }

  override async close(): Promise<void> {
    this.transporter.close();
  }
}
