import { simpleParser } from 'mailparser';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MailDeliveryListeners, type MailDeliveryResult } from '../../src/mail/mail-delivery-listeners';
import { MailTemplates } from '../../src/mail/mail-templates.service';
import { MailTransport } from '../../src/mail/mail-transport';
import { OutboxService } from '../../src/mail/outbox.service';
import { OutboxWorker } from '../../src/mail/outbox.worker';
import { DatabaseService } from '../../src/persistence/database.service';
import { startTestApp, type TestApp } from '../utils/app';
import { SmtpTestServer } from './smtp-test-server';

// Not 'invitation': the invitations module listens for those and would look the id up.
const REFERENCE_TYPE = 'mail-e2e';
const pendingWaits = new Set<NodeJS.Timeout>();

/** Resolves with the first delivery result for `id`; rejects after `ms` (a bound on the wait). */
function nextResult(listeners: MailDeliveryListeners, id: string, ms = 4_000): Promise<MailDeliveryResult> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      pendingWaits.delete(timer);
      stop();
      reject(new Error(`no delivery result for ${id} within ${ms} ms`));
    }, ms);
    pendingWaits.add(timer);
    const stop = listeners.register(REFERENCE_TYPE, (reference, result) => {
      if (reference.id !== id) return;
      clearTimeout(timer);
      pendingWaits.delete(timer);
      stop();
      resolve(result);
    });
  });
}

/** The mail module as the application wires it: worker started with the server, real transports. */
describe('mail module in the application', () => {
  let app: TestApp | undefined;
  let server: SmtpTestServer | undefined;

  afterEach(async () => {
    for (const timer of pendingWaits) clearTimeout(timer);
    pendingWaits.clear();
    await app?.close();
    await server?.close();
    app = undefined;
    server = undefined;
  });

  async function queueInvitation(id: string, locale = 'ko'): Promise<{ messageId: string; link: string }> {
    const templates = app!.app.get(MailTemplates);
    const outbox = app!.app.get(OutboxService);
    const link = `${app!.url}/invite/code-${id}`;
    const rendered = templates.render('invitation', [locale, 'en'], {
      inviteeName: 'Ada <Lovelace>',
      inviterName: 'Grace & Co',
      relyingPartyName: 'Contoso',
      link,
      expiresAt: new Date(Date.UTC(2026, 0, 8, 15)),
    });
    const db = app!.app.get(DatabaseService).db;
    const queued = await db.transaction().execute((trx) =>
      outbox.enqueue(trx, {
        to: 'Ada <ada@example.com>',
        subject: rendered.subject,
        html: rendered.html,
        text: rendered.text,
        reference: { type: REFERENCE_TYPE, id },
        dedupeKey: `invitation:${id}:v1`,
        primaryLink: link,
      }),
    );
    app!.app.get(OutboxWorker).kick();
    return { messageId: queued.messageId, link };
  }

  it('writes .eml files to <dataDir>/outbox when no SMTP_URL is set, sent by the running worker', async () => {
    app = await startTestApp({ overrides: { mail: { pollIntervalMs: 50 } } });
    const worker = app.app.get(OutboxWorker);
    expect(worker.isRunning).toBe(true);
    const listeners = app.app.get(MailDeliveryListeners);

    const result = nextResult(listeners, 'inv-1');
    const { messageId, link } = await queueInvitation('inv-1');
    expect(await result).toMatchObject({ status: 'sent', attempt: 1, messageId });

    const folder = join(app.dataDir, 'outbox');
    const files = readdirSync(folder);
    expect(files).toHaveLength(1);
    const parsed = await simpleParser(readFileSync(join(folder, files[0])));
    expect(parsed.messageId).toBe(messageId);
    expect(parsed.subject).toBe('Grace & Co님이 Contoso에 초대했습니다');
    expect(parsed.from?.value).toEqual([{ name: 'Tessera', address: 'no-reply@127.0.0.1' }]);
    expect(parsed.html).toContain('Ada &lt;Lovelace&gt;');
    expect(parsed.text).toContain(link);
  });

  it('sends over SMTP when SMTP_URL is set', async () => {
    server = await SmtpTestServer.start();
    app = await startTestApp({ env: { SMTP_URL: server.url }, overrides: { mail: { pollIntervalMs: 50, from: 'Contoso Invitations <invites@contoso.test>' } } });
    const listeners = app.app.get(MailDeliveryListeners);

    const result = nextResult(listeners, 'inv-2');
    const { messageId } = await queueInvitation('inv-2', 'en-US');
    expect(await result).toMatchObject({ status: 'sent', messageId, response: expect.stringMatching(/^250 /) });

    expect(server.received).toHaveLength(1);
    const [mail] = server.received;
    expect(mail.parsed.messageId).toBe(messageId);
    expect(messageId).toMatch(/@contoso\.test>$/);
    expect(mail.parsed.from?.value).toEqual([{ name: 'Contoso Invitations', address: 'invites@contoso.test' }]);
    expect(mail.parsed.subject).toBe('Grace & Co invited you to Contoso');
    expect(readdirSync(app.dataDir)).not.toContain('outbox');
  });

  it('stops the worker and closes the SMTP pool when the application closes', async () => {
    server = await SmtpTestServer.start();
    app = await startTestApp({ env: { SMTP_URL: server.url } });
    const worker = app.app.get(OutboxWorker);
    const close = jest.spyOn(app.app.get(MailTransport), 'close');
    expect(worker.isRunning).toBe(true);
    await app.close();
    app = undefined;
    expect(worker.isRunning).toBe(false);
    expect(close).toHaveBeenCalledTimes(1);
  });
});
