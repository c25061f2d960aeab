import { Injectable } from '@nestjs/common';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { Clock } from '../common/clock';
import { Random } from '../common/random';
import { InvitationsRepository } from './invitations.repository';

const SECRET_NAME = 'landing-csrf';

/**
 * The accept form's CSRF token: an HMAC of the code's hash under a server secret (OWASP CSRF
 * cheat sheet, "signed double-submit" without a cookie: the code in the URL is the binding).
 * The secret is random, created once in the database so every instance shares it, and is not a
 * signing key, so rotating keys does not break open pages.
 */
@Injectable()
export class LandingCsrfService {
  private key?: Promise<Buffer>;

  constructor(
    private readonly repository: InvitationsRepository,
    private readonly random: Random,
    private readonly clock: Clock,
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
    this.key ??= this.repository
      .secret(SECRET_NAME, () => this.random.bytes(32).toString('base64url'), this.clock.now().getTime())
      .then((value) => Buffer.from(value, 'base64url'))
      .catch((e: unknown) => {
        this.key = undefined;
        throw e;
      });
    return this.key;
  }
}
