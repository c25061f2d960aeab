import { simpleParser } from 'mailparser';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileMailTransport } from './file-mail-transport';
import { MailDeliveryError } from './mail-delivery.error';
import type { MailLog, OutgoingMail } from './mail-transport';

class RecordingLog implements MailLog {
  readonly lines: string[] = [];
  log(message: string): void {
    this.lines.push(message);
  }
}

function mail(overrides: Partial<OutgoingMail> = {}): OutgoingMail {
  return {
    id: '6f1c2a8e-0000-4000-8000-000000000001',
    messageId: '<6f1c2a8e-0000-4000-8000-000000000001@tessera.test>',
    from: 'Tessera <no-reply@tessera.test>',
    to: 'Ada Lovelace <ada@example.com>',
    subject: '초대 — Contoso & co',
    html: '<p>Hello &amp; welcome</p>',
    text: 'Hello & welcome\n',
    headers: {},
    primaryLink: 'https://tessera.test/invite/abc123',
    createdAt: new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6)),
    ...overrides,
  };
}

describe('FileMailTransport', () => {
  let dir: string;
  let log: RecordingLog;
  let sut: FileMailTransport;

  beforeEach(() => {
    dir = join(mkdtempSync(join(tmpdir(), 'tessera-outbox-')), 'outbox');
    log = new RecordingLog();
    sut = new FileMailTransport(dir, log);
  });

  afterEach(() => rmSync(join(dir, '..'), { recursive: true, force: true }));

  it('writes one parseable .eml per message, named by creation time and row id, with no temp file left', async () => {
    const result = await sut.send(mail());

    const files = readdirSync(dir);
    expect(files).toEqual(['2026-01-02T03-04-05-006Z-6f1c2a8e-0000-4000-8000-000000000001.eml']);
    expect(result.response).toBe(`written to ${join(dir, files[0])}`);
    const raw = readFileSync(join(dir, files[0]));
    expect(raw.toString('latin1')).toContain('\r\n');
    const parsed = await simpleParser(raw);
    expect(parsed.messageId).toBe('<6f1c2a8e-0000-4000-8000-000000000001@tessera.test>');
    expect(parsed.subject).toBe('초대 — Contoso & co');
    expect(parsed.html).toContain('<p>Hello &amp; welcome</p>');
    expect(parsed.text).toBe('Hello & welcome\n');
    // RFC 5322 §3.3 dates have whole seconds.
    expect(parsed.date?.toISOString()).toBe('2026-01-02T03:04:05.000Z');
  });

  it('rewrites the same file when a message is sent again, instead of adding a second one', async () => {
    await sut.send(mail());
    await sut.send(mail());
    expect(readdirSync(dir)).toHaveLength(1);
  });

  it('logs the link and the recipient domain, never the recipient address', async () => {
    await sut.send(mail());

    expect(log.lines).toHaveLength(1);
    expect(log.lines[0]).toContain('https://tessera.test/invite/abc123');
    expect(log.lines[0]).toContain('example.com');
    expect(log.lines[0]).not.toContain('ada@');
  });

  it('reports a folder it cannot write to as a transient failure', async () => {
    const blocked = join(dir, '..', 'not-a-folder');
    writeFileSync(blocked, 'a file where the outbox folder should be');
    const error = await new FileMailTransport(blocked, log).send(mail()).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(MailDeliveryError);
    expect((error as MailDeliveryError).kind).toBe('transient');
  });
});
