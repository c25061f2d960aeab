import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { RsaKeyGenerator } from '../../src/keys/rsa-key-generator';
import { createSelfSignedCertificate } from '../../src/keys/self-signed-certificate';

/**
 * RSA keys cost ~150 ms each, so a test file makes a few once and hands them out in turn.
 * Each key is handed out once: the key store rightly refuses the same key twice.
 */
export class PooledRsaKeyGenerator extends RsaKeyGenerator {
  private readonly pool: KeyObject[] = [];
  calls = 0;

  override async generate(bits: number): Promise<KeyObject> {
    this.calls++;
    const key = this.pool.pop();
    if (key && key.asymmetricKeyDetails?.modulusLength === bits) return key;
    return super.generate(bits);
  }

  /** Makes `count` keys ahead of time (in parallel: Node generates off the event loop). */
  async fill(count: number, bits = 2048): Promise<this> {
    const keys = await Promise.all(Array.from({ length: count }, () => new RsaKeyGenerator().generate(bits)));
    this.pool.push(...keys);
    return this;
  }
}

export interface KeyAndCertificate {
  privateKey: KeyObject;
  keyPem: string;
  certificatePem: string;
}

/** A key and a self-signed certificate for it, as an operator would bring them. */
export function keyAndCertificate(
  privateKey: KeyObject = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey,
  validity: { notBefore?: Date; notAfter?: Date } = {},
): KeyAndCertificate {
  const now = Date.now();
  const certificatePem = createSelfSignedCertificate({
    privateKey,
    commonName: 'operator.example.com',
    notBefore: validity.notBefore ?? new Date(now - 3600_000),
    notAfter: validity.notAfter ?? new Date(now + 365 * 86_400_000),
    serialNumber: randomBytes(16),
  });
  return { privateKey, keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, certificatePem };
}

/** `../shared/vectors` beside the repository (see its README). */
export const VECTORS_DIR = resolve(__dirname, '..', '..', '..', 'shared', 'vectors');

export function readVector(relative: string): string {
  return readFileSync(resolve(VECTORS_DIR, relative), 'utf8').trim();
}
