import nodemailer from 'nodemailer';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { mailDomain, parseMailbox } from './mail-address';
import { classifySendError } from './mail-delivery.error';
import { MailTransport, type MailLog, type MailSendResult, type OutgoingMail } from './mail-transport';

/**
 * Development transport (no `SMTP_URL`): each message becomes `<dir>/<created>-<id>.eml`, the raw
 * RFC 5322 message any mail client opens. The message's link is logged so a developer can click
 * it; that is the point of this transport and why it is never used once SMTP is configured.
 */
export class FileMailTransport extends MailTransport {
  readonly kind = 'file' as const;
  private readonly composer = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });

  constructor(
    readonly directory: string,
    private readonly logger: MailLog,
  ) {
    super();
  }

  async send(mail: OutgoingMail): Promise<MailSendResult> {
    try {
      const info = await this.composer.sendMail({
        messageId: mail.messageId,
        date: mail.createdAt,
        from: mail.from,
        to: mail.to,
        subject: mail.subject,
        html: mail.html,
        text: mail.text,
        headers: mail.headers,
      });
      // Named after the row, not the attempt: a retry rewrites the same file instead of adding one.
      const name = `${mail.createdAt.toISOString().replace(/[:.]/g, '-')}-${mail.id}.eml`;
      const path = join(this.directory, name);
      await writeAtomically(path, info.message as Buffer);
      const domain = mailDomain(parseMailbox(mail.to)?.address ?? '');
      this.logger.log(`mail to a recipient at ${domain || 'an unknown domain'} written to ${path}${mail.primaryLink ? `; link: ${mail.primaryLink}` : ''}`);
      return { messageId: mail.messageId, response: `written to ${path}` };
    } catch (error) {
      throw classifySendError(error);
    }
  }

  describe(): string {
    return `file outbox ${this.directory}`;
  }
}

/** A reader never sees half a message: write beside the target, then rename over it (POSIX rename is atomic). */
async function writeAtomically(path: string, data: Buffer): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(temp, data, { mode: 0o600 });
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
