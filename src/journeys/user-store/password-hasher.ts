import { Injectable } from '@nestjs/common';
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { TesseraConfig } from '../../config/config.schema';

export interface ScryptParameters {
  /** N */
  cost: number;
  /** r */
  blockSize: number;
  /** p */
  parallelization: number;
}

const KEY_LENGTH = 32;
const SALT_LENGTH = 16;
/** `$scrypt$ln=<log2 N>,r=<r>,p=<p>$<salt>$<hash>`, salt and hash in unpadded base64 (PHC string format). */
const FORMAT = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]{16,})\$([A-Za-z0-9+/]{32,})$/;

function derive(password: string, salt: Buffer, params: ScryptParameters): Promise<Buffer> {
  const options: ScryptOptions = {
    N: params.cost,
    r: params.blockSize,
    p: params.parallelization,
    // scrypt needs 128·N·r bytes; Node refuses more than 32 MiB unless told.
    maxmem: 128 * params.cost * params.blockSize * (params.parallelization + 1) + 1024 * 1024,
  };
  return new Promise((resolve, reject) => scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, options, (e, key) => (e ? reject(e) : resolve(key))));
}

/**
 * Local account passwords, hashed with scrypt (RFC 7914): memory-hard, in `node:crypto`, run on
 * libuv's thread pool so hashing does not block the event loop. Parameters come from
 * `journeys.passwordHashing` (defaults: OWASP's N = 2^17, r = 8, p = 1) and are written into each
 * hash, so a hash keeps verifying after the configuration changes, and `needsRehash` says when
 * to upgrade it. Passwords are NFKC-normalized first (NIST SP 800-63B §5.1.1.2), so the same
 * password typed on different keyboards hashes alike.
 */
@Injectable()
export class PasswordHasher {
  readonly parameters: ScryptParameters;

  constructor(config: TesseraConfig) {
    const { cost, blockSize, parallelization } = config.journeys.passwordHashing;
    this.parameters = { cost, blockSize, parallelization };
  }

  async hash(password: string): Promise<string> {
    const salt = randomBytes(SALT_LENGTH);
    const key = await derive(password, salt, this.parameters);
    const { cost, blockSize, parallelization } = this.parameters;
    return `$scrypt$ln=${Math.log2(cost)},r=${blockSize},p=${parallelization}$${b64(salt)}$${b64(key)}`;
  }

  /** Constant-time comparison; a malformed stored hash verifies nothing. */
  async verify(password: string, stored: string): Promise<boolean> {
    const parsed = parse(stored);
    if (!parsed) return false;
    const key = await derive(password, parsed.salt, parsed.params);
    return key.length === parsed.key.length && timingSafeEqual(key, parsed.key);
  }

  /**
   * Spends the same work as a verification, for an account that does not exist: the answer
   * then takes as long as for a wrong password, so timing does not tell which addresses have
   * accounts.
   */
  async burn(password: string): Promise<void> {
    await derive(password, Buffer.alloc(SALT_LENGTH), this.parameters);
  }

  needsRehash(stored: string): boolean {
    const parsed = parse(stored);
    if (!parsed) return true;
    const p = parsed.params;
    return p.cost !== this.parameters.cost || p.blockSize !== this.parameters.blockSize || p.parallelization !== this.parameters.parallelization;
  }
}

function b64(buffer: Buffer): string {
  return buffer.toString('base64').replace(/=+$/, '');
}

function parse(stored: string): { params: ScryptParameters; salt: Buffer; key: Buffer } | undefined {
  const m = FORMAT.exec(stored);
  if (!m) return undefined;
  const ln = Number(m[1]);
  if (ln < 1 || ln > 24) return undefined;
  return {
    params: { cost: 2 ** ln, blockSize: Number(m[2]), parallelization: Number(m[3]) },
    salt: Buffer.from(m[4], 'base64'),
    key: Buffer.from(m[5], 'base64'),
  };
}
