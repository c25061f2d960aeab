import { Logger, Module } from '@nestjs/common';
import { join } from 'node:path';
import { TesseraConfig } from '../config/config.schema';
import { FileMailTransport } from './file-mail-transport';
import { MailDeliveryListeners } from './mail-delivery-listeners';
import { MailTemplates } from './mail-templates.service';
import { MailTransport } from './mail-transport';
import { OutboxService } from './outbox.service';
import { OutboxWorker } from './outbox.worker';
import { SmtpMailTransport } from './smtp-mail-transport';

/** SMTP when `SMTP_URL` is set; otherwise the development file outbox under `<dataDir>/outbox`. */
export function createMailTransport(config: TesseraConfig): MailTransport {
  if (config.smtpUrl) {
    return new SmtpMailTransport({
      url: config.smtpUrl,
      maxConnections: config.mail.concurrency,
      timeoutSeconds: config.mail.smtpTimeoutSeconds,
    });
  }
  return new FileMailTransport(join(config.dataDir, 'outbox'), new Logger('Mail'));
}

/**
 * Outgoing mail: templates, the transactional outbox and the worker that delivers it. Other
 * modules queue messages (rendered, or a template the worker renders at send) with
 * `OutboxService.enqueue` inside their own transaction and learn results through
 * `MailDeliveryListeners`.
 */
@Module({
  providers: [
    {
      provide: MailTransport,
      inject: [TesseraConfig],
      useFactory: createMailTransport,
    },
    MailTemplates,
    MailDeliveryListeners,
    OutboxService,
    OutboxWorker,
  ],
  exports: [OutboxService, MailTemplates, MailDeliveryListeners, OutboxWorker],
})
export class MailModule {}
