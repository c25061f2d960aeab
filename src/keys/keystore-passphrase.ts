import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TesseraConfig } from '../config/config.schema';

/** The passphrase private keys and secrets are encrypted under; injected by class. */
export class KeystorePassphrase {
  constructor(
    readonly value: string,
    /** `env` when configured; otherwise the file it was read from or generated into */
    readonly source: 'env' | { file: string; generated: boolean },
  ) {}

  /** Never let the passphrase reach a log line through a stray `JSON.stringify`. */
  toJSON(): string {
    return '[keystore passphrase]';
  }
}

export const PASSPHRASE_FILE = 'keystore-passphrase';

/**
 * KEYSTORE_PASSPHRASE when set; otherwise a passphrase kept in `<dataDir>/keystore-passphrase`
 * (mode 0600), generated on first use. The file is a development default: a passphrase next to
 * the data it protects protects little, and instances sharing a database need the same one.
 */
export function resolveKeystorePassphrase(config: Pick<TesseraConfig, 'keystorePassphrase' | 'dataDir'>): KeystorePassphrase {
  if (config.keystorePassphrase) return new KeystorePassphrase(config.keystorePassphrase, 'env');
  const file = join(config.dataDir, PASSPHRASE_FILE);
  try {
    const existing = readFileSync(file, 'utf8').trim();
    if (existing.length >= 16) return new KeystorePassphrase(existing, { file, generated: false });
    throw new Error(`${file} holds fewer than 16 characters; delete it or set KEYSTORE_PASSPHRASE`);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  mkdirSync(config.dataDir, { recursive: true });
  const value = randomBytes(32).toString('base64url');
  try {
    // `wx`: of two processes starting at once on one data folder, one creates the file and the
    // other reads what it wrote.
    writeFileSync(file, `${value}\n`, { mode: 0o600, flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return resolveKeystorePassphrase(config);
    throw e;
  }
  chmodSync(file, 0o600);
  return new KeystorePassphrase(value, { file, generated: true });
}
