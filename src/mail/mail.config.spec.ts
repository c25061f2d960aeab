import { tmpdir } from 'node:os';
import { ConfigError } from '../common/errors';
import { loadConfig } from '../config/config.loader';

function load(mail: Record<string, unknown>) {
  return loadConfig({ env: {}, cwd: tmpdir(), overrides: { mail } }).config.mail;
}

describe('MailConfig', () => {
  it('has working defaults', () => {
    const sut = load({});
    expect(sut).toMatchObject({
      workerEnabled: true,
      pollIntervalMs: 1000,
      batchSize: 20,
      concurrency: 5,
      maxAttempts: 10,
      backoffBaseSeconds: 30,
      backoffMaxSeconds: 3600,
      leaseSeconds: 300,
      smtpTimeoutSeconds: 60,
      timeZone: 'UTC',
    });
    expect(sut.from).toBeUndefined();
    expect(sut.templatesDir).toBeUndefined();
  });

  it('accepts a sender with a display name', () => {
    expect(load({ from: 'Contoso Invitations <invites@contoso.com>' }).from).toBe('Contoso Invitations <invites@contoso.com>');
  });

  it('names every bad mail setting at start', () => {
    let error: unknown;
    try {
      load({ from: 'a@example.com, b@example.com', batchSize: 0, timeZone: 'Mars/Olympus_Mons', smtpTimeoutSeconds: 100, leaseSeconds: 300, retries: 3 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems.map((p) => p.field).sort()).toEqual(['mail.batchSize', 'mail.from', 'mail.leaseSeconds', 'mail.retries', 'mail.timeZone']);
    expect(problems.find((p) => p.field === 'mail.leaseSeconds')?.problem).toMatch(/4 × mail.smtpTimeoutSeconds/);
    expect(problems.find((p) => p.field === 'mail.from')?.problem).toMatch(/one mailbox/);
  });
});
