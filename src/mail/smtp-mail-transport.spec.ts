import { SmtpTestServer, unusedPort } from '../../test/mail/smtp-test-server';
import { MailDeliveryError } from './mail-delivery.error';
import type { OutgoingMail } from './mail-transport';
import { SmtpMailTransport } from './smtp-mail-transport';

function mail(overrides: Partial<OutgoingMail> = {}): OutgoingMail {
  return {
    id: 'row-1',
    messageId: '<row-1@tessera.test>',
    from: 'Tessera <no-reply@tessera.test>',
    to: 'Ada <ada@example.com>',
    subject: 'You are invited',
    html: '<p>Hello</p>',
    text: 'Hello\n',
    headers: { 'X-Tessera-Test': 'yes' },
    createdAt: new Date(Date.UTC(2026, 0, 1)),
    ...overrides,
  };
}

describe('SmtpMailTransport', () => {
  let server: SmtpTestServer;
  let sut: SmtpMailTransport;

  beforeEach(async () => {
    server = await SmtpTestServer.start({
      rejectRecipient: (address) =>
        address.startsWith('nobody@')
          ? { code: 550, message: '5.1.1 no such user' }
          : address.startsWith('full@')
            ? { code: 452, message: '4.2.2 mailbox full, try later' }
            : undefined,
    });
    sut = new SmtpMailTransport({ url: server.url, maxConnections: 2, timeoutSeconds: 5 });
  });

  afterEach(async () => {
    await sut.close();
    await server.close();
  });

  it('delivers the message with its own Message-ID, bodies and extra headers', async () => {
    const result = await sut.send(mail());

    expect(result.messageId).toBe('<row-1@tessera.test>');
    expect(result.response).toMatch(/^250 /);
    expect(server.received).toHaveLength(1);
    const [received] = server.received;
    expect(received.envelopeTo).toEqual(['ada@example.com']);
    expect(received.parsed.messageId).toBe('<row-1@tessera.test>');
    expect(received.parsed.subject).toBe('You are invited');
    expect(received.parsed.html).toContain('<p>Hello</p>');
    expect(received.parsed.text).toBe('Hello\n');
    expect(received.parsed.headers.get('x-tessera-test')).toBe('yes');
  });

  it('reports a 5xx recipient rejection as permanent, with the server reply as the reason', async () => {
    const error = await sut.send(mail({ to: 'nobody@example.com' })).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(MailDeliveryError);
    expect((error as MailDeliveryError).kind).toBe('permanent');
    expect((error as MailDeliveryError).reason).toMatch(/550/);
    expect((error as MailDeliveryError).reason).toMatch(/no such user/);
    expect(server.received).toHaveLength(0);
  });

  it('reports a 4xx rejection as transient', async () => {
    const error = await sut.send(mail({ to: 'full@example.com' })).catch((e: unknown) => e);

    expect((error as MailDeliveryError).kind).toBe('transient');
    expect((error as MailDeliveryError).reason).toMatch(/452/);
  });

  it('reports a refused connection as transient', async () => {
    const down = new SmtpMailTransport({ url: `smtp://127.0.0.1:${await unusedPort()}`, maxConnections: 1, timeoutSeconds: 5 });
    try {
      const error = await down.send(mail()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MailDeliveryError);
      expect((error as MailDeliveryError).kind).toBe('transient');
      expect((error as MailDeliveryError).reason).toMatch(/ECONNECTION|ECONNREFUSED|ESOCKET/);
    } finally {
      await down.close();
    }
  });

  it('describes its target without the credentials of the URL', () => {
    const withSecret = new SmtpMailTransport({ url: 'smtp://mailer:s3cr3t-pass@127.0.0.1:2525', maxConnections: 1, timeoutSeconds: 5 });
    expect(withSecret.describe()).toBe('SMTP server smtp://127.0.0.1:2525');
    expect(withSecret.describe()).not.toContain('s3cr3t');
    void withSecret.close();
  });
});
