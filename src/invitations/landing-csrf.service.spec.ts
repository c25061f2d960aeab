import { createHmac } from 'node:crypto';
import { FixedClock } from '../common/clock';
import { Random } from '../common/random';
import { KeystorePassphraseError, openSecret, sealSecret } from '../keys/keystore-cipher';
import { KeystorePassphrase } from '../keys/keystore-passphrase';
import type { InvitationsRepository } from './invitations.repository';
import { LandingCsrfService } from './landing-csrf.service';

/** The `invitation_secrets` table as the repository shows it; its SQL has tests of its own. */
class SecretsTable {
  readonly rows = new Map<string, string>();
  async secret(name: string, create: () => Promise<string>): Promise<string> {
    if (!this.rows.has(name)) this.rows.set(name, await create());
    return this.rows.get(name)!;
  }
  async replaceSecret(name: string, from: string, to: string): Promise<boolean> {
    if (this.rows.get(name) !== from) return false;
    this.rows.set(name, to);
    return true;
  }
}

const PASSPHRASE = new KeystorePassphrase('a-passphrase-of-some-length', 'env');
const CODE_HASH = 'Q2FzZS1vZi10aGUtY29kZS1oYXNo';

function service(table: SecretsTable, passphrase = PASSPHRASE): LandingCsrfService {
  return new LandingCsrfService(table as unknown as InvitationsRepository, new Random(), new FixedClock(Date.UTC(2026, 0, 1)), passphrase);
}

describe('LandingCsrfService', () => {
  it('creates the secret sealed under the key store passphrase, and every instance derives the same tokens', async () => {
    const table = new SecretsTable();
    const sut = service(table);

    const token = await sut.token(CODE_HASH);

    const stored = table.rows.get('landing-csrf')!;
    expect(stored).toMatch(/^v1:/);
    const secret = await openSecret(stored, PASSPHRASE.value, 'test');
    expect(Buffer.from(secret, 'base64url')).toHaveLength(32);
    expect(token).toBe(createHmac('sha256', Buffer.from(secret, 'base64url')).update(`accept:${CODE_HASH}`).digest('base64url'));
    // Another instance on the same database.
    expect(await service(table).verify(CODE_HASH, token)).toBe(true);
    expect(await sut.verify('another-code-hash', token)).toBe(false);
    expect(await sut.verify(CODE_HASH, `${token.slice(0, -1)}A`)).toBe(token.endsWith('A'));
  });

  it('keeps a secret an earlier version stored in the clear, so open pages stay valid, and seals it', async () => {
    const legacy = Buffer.alloc(32, 7).toString('base64url');
    const table = new SecretsTable();
    table.rows.set('landing-csrf', legacy);
    const issuedBefore = createHmac('sha256', Buffer.from(legacy, 'base64url')).update(`accept:${CODE_HASH}`).digest('base64url');

    expect(await service(table).verify(CODE_HASH, issuedBefore)).toBe(true);

    const stored = table.rows.get('landing-csrf')!;
    expect(stored).toMatch(/^v1:/);
    expect(stored).not.toContain(legacy);
    expect(await openSecret(stored, PASSPHRASE.value, 'test')).toBe(legacy);
    expect(await service(table).verify(CODE_HASH, issuedBefore)).toBe(true);
  });

  it('fails with the passphrase error under another passphrase, and tries again on the next request', async () => {
    const table = new SecretsTable();
    await service(table).token(CODE_HASH);
    const sut = service(table, new KeystorePassphrase('not-the-passphrase-it-was-sealed-with', 'env'));

    const failure = await sut.token(CODE_HASH).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(KeystorePassphraseError);
    expect((failure as Error).message).toMatch(/KEYSTORE_PASSPHRASE does not decrypt the landing pages' CSRF secret/);
    // A failure is not remembered: once the stored value opens (here: resealed), the next request works.
    table.rows.set('landing-csrf', await sealSecret(Buffer.alloc(32, 1).toString('base64url'), 'not-the-passphrase-it-was-sealed-with'));
    expect(await sut.token(CODE_HASH)).toBe(createHmac('sha256', Buffer.alloc(32, 1)).update(`accept:${CODE_HASH}`).digest('base64url'));
  });
});
