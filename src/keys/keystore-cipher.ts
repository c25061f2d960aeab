import { createCipheriv, createDecipheriv, createPrivateKey, randomBytes, scrypt, type KeyObject } from 'node:crypto';

/**
 * Encryption at rest under KEYSTORE_PASSPHRASE. Private keys are stored as encrypted PKCS#8
 * (RFC 5958 EncryptedPrivateKeyInfo, PBES2 with AES-256-CBC), a format OpenSSL reads too;
 * HS256 secrets are sealed with AES-256-GCM under an scrypt-derived key, with a version prefix
 * so the scheme can change without guessing what a stored value is.
 */

/** The passphrase does not open what the store holds: the operator must fix the environment. */
export class KeystorePassphraseError extends Error {
  constructor(what: string, options?: { cause?: unknown }) {
    super(
      `KEYSTORE_PASSPHRASE does not decrypt ${what}: start with the passphrase the key store was ` +
        'written with (every instance sharing a database needs the same KEYSTORE_PASSPHRASE)',
      options,
    );
    this.name = 'KeystorePassphraseError';
  }
}

export function encryptPrivateKey(privateKey: KeyObject, passphrase: string): string {
  return privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase }) as string;
}

export function decryptPrivateKey(encryptedPem: string, passphrase: string, what: string): KeyObject {
  try {
    return createPrivateKey({ key: encryptedPem, format: 'pem', passphrase });
  } catch (e) {
    throw new KeystorePassphraseError(what, { cause: e });
  }
}

const VERSION = 'v1';
const SALT_BYTES = 16;
const IV_BYTES = 12; // NIST SP 800-38D §8.2: 96-bit IVs for GCM
const TAG_BYTES = 16;
// scrypt cost: N = 2^15, r = 8 (RFC 7914 §2 recommends at least these for interactive use);
// 32 MiB of memory, so maxmem is raised above Node's 32 MiB default ceiling.
const SCRYPT = { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

function deriveKey(passphrase: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(passphrase, salt, 32, SCRYPT, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

/** `v1:` + base64(salt ‖ iv ‖ tag ‖ ciphertext). */
export async function sealSecret(plaintext: string, passphrase: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', await deriveKey(passphrase, salt), iv);
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return `${VERSION}:${Buffer.concat([salt, iv, cipher.getAuthTag(), ciphertext]).toString('base64')}`;
}

export async function openSecret(sealed: string, passphrase: string, what: string): Promise<string> {
  const [version, payload] = sealed.split(':', 2);
  if (version !== VERSION || !payload) throw new Error(`${what} is stored in an unknown format (${version})`);
  const bytes = Buffer.from(payload, 'base64');
  const salt = bytes.subarray(0, SALT_BYTES);
  const iv = bytes.subarray(SALT_BYTES, SALT_BYTES + IV_BYTES);
  const tag = bytes.subarray(SALT_BYTES + IV_BYTES, SALT_BYTES + IV_BYTES + TAG_BYTES);
  const ciphertext = bytes.subarray(SALT_BYTES + IV_BYTES + TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', await deriveKey(passphrase, salt), iv);
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
  } catch (e) {
    // GCM authentication fails for a wrong key and for tampered data alike.
    throw new KeystorePassphraseError(what, { cause: e });
  }
}
