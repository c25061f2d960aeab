import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PASSPHRASE_FILE, resolveKeystorePassphrase } from './keystore-passphrase';

describe('resolveKeystorePassphrase', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = join(mkdtempSync(join(tmpdir(), 'tessera-pass-')), 'data');
  });
  afterEach(() => rmSync(join(dataDir, '..'), { recursive: true, force: true }));

  it('takes KEYSTORE_PASSPHRASE when configured and writes nothing', () => {
    const sut = resolveKeystorePassphrase({ keystorePassphrase: 'configured-passphrase', dataDir });
    expect(sut.value).toBe('configured-passphrase');
    expect(sut.source).toBe('env');
    expect(() => statSync(join(dataDir, PASSPHRASE_FILE))).toThrow();
    expect(JSON.stringify({ sut })).not.toContain('configured-passphrase');
  });

  it('generates one into the data folder with mode 0600, and reads it back next time', () => {
    const first = resolveKeystorePassphrase({ dataDir });
    const file = join(dataDir, PASSPHRASE_FILE);
    expect(first.source).toEqual({ file, generated: true });
    expect(first.value.length).toBeGreaterThanOrEqual(32);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8').trim()).toBe(first.value);

    const second = resolveKeystorePassphrase({ dataDir });
    expect(second.value).toBe(first.value);
    expect(second.source).toEqual({ file, generated: false });
  });

  it('refuses a passphrase file too short to be one', () => {
    resolveKeystorePassphrase({ dataDir });
    writeFileSync(join(dataDir, PASSPHRASE_FILE), 'short\n');
    expect(() => resolveKeystorePassphrase({ dataDir })).toThrow(/fewer than 16 characters.*KEYSTORE_PASSPHRASE/);
  });
});
