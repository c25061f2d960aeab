import { Injectable, Logger } from '@nestjs/common';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { Clock } from '../common/clock';
import { Random } from '../common/random';
import { openSecret, sealSecret } from '../keys/keystore-cipher';
import { KeystorePassphrase } from '../keys/keystore-passphrase';
import { InvitationsRepository } from './invitations.repository';

const SECRET_NAME = 'landing-csrf';
/** What `sealSecret` writes; a value without it was stored in the clear by an earlier version. */
const SEALED = /^v\d+:/;

/**
 * The accept form's CSRF token: an HMAC of the code's hash under a server secret (OWASP CSRF
 * cheat sheet, "signed double-submit" without a cookie: the code in the URL is the binding).
 * The secret is random, created once in the database so every instance shares it, and is not a
 * signing key, so rotating keys does not break open pages. It is stored sealed under
 * KEYSTORE_PASSPHRASE like the key store's secrets: whoever reads the database alone cannot
 * forge accept forms.
 */
@Injectable()
export class LandingCsrfService {
  private key?: Promise<Buffer>;

  private readonly logger = new Logger('Invitations');

  constructor(
    private readonly repository: InvitationsRepository,
    private readonly random: Random,
    private readonly clock: Clock,
    private readonly passphrase: KeystorePassphrase,
  ) {}

  async token(codeHash: string): Promise<string> {
    return createHmac('sha256', await this.secret())
      .update(`accept:${codeHash}`)
      .digest('base64url');
  }

  async verify(codeHash: string, token: unknown): Promise<boolean> {
    if (typeof token !== 'string' || token.length > 100) return false;
    const expected = Buffer.from(await this.token(codeHash));
    const given = Buffer.from(token);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  private secret(): Promise<Buffer> {
    this.key ??= this.load().catch((e: unknown) => {
      this.key = undefined;
      throw e;
    });
    return this.key;
  }

  private async load(): Promise<Buffer> {
    const what = 'the landing pages\' CSRF secret';
    const stored = await this.repository.secret(
      SECRET_NAME,
      () => sealSecret(this.random.bytes(32).toString('base64url'), this.passphrase.value),
      this.clock.now().getTime(),
    );
    if (SEALED.test(stored)) return Buffer.from(await openSecret(stored, this.passphrase.value, what), 'base64url');
    // Stored in the clear by an earlier version: keep the value (forms on open pages stay valid)
    // and seal it where it lies.
    if (await this.repository.replaceSecret(SECRET_NAME, stored, await sealSecret(stored, this.passphrase.value))) {
      this.logger.log(`${what} is now stored encrypted under KEYSTORE_PASSPHRASE`);
    }
    return Buffer.from(stored, 'base64url');
  }
}
