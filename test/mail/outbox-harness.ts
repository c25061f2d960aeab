import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FixedClock } from '../../src/common/clock';
import { Random } from '../../src/common/random';
import { loadConfig } from '../../src/config/config.loader';
import type { TesseraConfig } from '../../src/config/config.schema';
import { MailDeliveryListeners } from '../../src/mail/mail-delivery-listeners';
import { MailTemplates } from '../../src/mail/mail-templates.service';
import { MailTransport, type MailSendResult, type OutgoingMail } from '../../src/mail/mail-transport';
import type { MailMessage } from '../../src/mail/outbox.service';
import { OutboxService } from '../../src/mail/outbox.service';
import { OutboxWorker } from '../../src/mail/outbox.worker';
import type { DatabaseService } from '../../src/persistence/database.service';

export function mailConfig(databaseUrl: string, mail: Record<string, unknown> = {}, env: Record<string, string> = {}): TesseraConfig {
  const cwd = mkdtempSync(join(tmpdir(), 'tessera-mail-'));
  try {
    return loadConfig({
      env: { DATABASE_URL: databaseUrl, PUBLIC_URL: 'https://tessera.test', LOG_LEVEL: 'silent', ...env },
      overrides: { mail: { smtpTimeoutSeconds: 5, leaseSeconds: 60, ...mail } },
      cwd,
    }).config;
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}

/** The pieces of the mail module for one instance, wired by hand around a given database. */
export interface MailInstance {
  outbox: OutboxService;
  worker: OutboxWorker;
  listeners: MailDeliveryListeners;
  templates: MailTemplates;
}

export function mailInstance(
  database: DatabaseService,
  config: TesseraConfig,
  transport: MailTransport,
  clock: FixedClock,
  random: Random = new Random(),
): MailInstance {
  const templates = new MailTemplates(config);
  templates.load();
  const outbox = new OutboxService(database, config, clock, random, templates);
  const listeners = new MailDeliveryListeners();
  const worker = new OutboxWorker(config, database, outbox, transport, listeners, clock, random, templates);
  return { outbox, worker, listeners, templates };
}

export function message(n: number, overrides: Partial<MailMessage> = {}): MailMessage {
  return {
    to: `Invitee ${n} <invitee${n}@example.com>`,
    subject: `Invitation ${n}`,
    html: `<p>Hello ${n}</p>`,
    text: `Hello ${n}\n`,
    reference: { type: 'invitation', id: `inv-${n}` },
    dedupeKey: `invitation:inv-${n}:v1`,
    ...overrides,
  };
}

type Script = (mail: OutgoingMail, call: number) => MailSendResult | Promise<MailSendResult>;

/**
 * A transport for worker tests that are about the outbox, not SMTP: it records every hand-over
 * and answers as the test script says (the real transports have their own tests).
 */
export class ScriptedTransport extends MailTransport {
  readonly kind = 'smtp' as const;
  readonly sent: OutgoingMail[] = [];
  private calls = 0;

  constructor(private readonly script: Script = (mail) => ({ messageId: mail.messageId, response: '250 OK' })) {
    super();
  }

  async send(mail: OutgoingMail): Promise<MailSendResult> {
    const call = ++this.calls;
    // Yield to the event loop so that concurrent workers really interleave.
    await new Promise((resolve) => setImmediate(resolve));
    const result = await this.script(mail, call);
    this.sent.push(mail);
    return result;
  }

  describe(): string {
    return 'scripted transport';
  }
}

export { FixedClock };
