import { generateKeyPairSync } from 'node:crypto';
import { decryptPrivateKey, encryptPrivateKey, KeystorePassphraseError, openSecret, sealSecret } from './keystore-cipher';

describe('keystore cipher', () => {
  const passphrase = 'a-long-enough-passphrase';

  it('seals a secret so that only the same passphrase opens it', async () => {
    const sut = await sealSecret('the shared secret ✓', passphrase);
    expect(sut).toMatch(/^v1:[A-Za-z0-9+/]+=*$/);
    expect(sut).not.toContain('shared');
    await expect(openSecret(sut, passphrase, 'the secret')).resolves.toBe('the shared secret ✓');
    await expect(openSecret(sut, 'another-passphrase-here', 'the HS256 secret "x"')).rejects.toThrow(KeystorePassphraseError);
    await expect(openSecret(sut, 'another-passphrase-here', 'the HS256 secret "x"')).rejects.toThrow(
      /^KEYSTORE_PASSPHRASE does not decrypt the HS256 secret "x"/,
    );
  });

  it('uses a fresh salt and IV each time, and detects tampering', async () => {
    const a = await sealSecret('same', passphrase);
    const b = await sealSecret('same', passphrase);
    expect(a).not.toBe(b);
    const bytes = Buffer.from(a.slice(3), 'base64');
    bytes[bytes.length - 1] ^= 1;
    await expect(openSecret(`v1:${bytes.toString('base64')}`, passphrase, 'x')).rejects.toThrow(KeystorePassphraseError);
    await expect(openSecret(`v9:${a.slice(3)}`, passphrase, 'x')).rejects.toThrow(/unknown format/);
  });

  it('stores private keys as encrypted PKCS#8 that only the passphrase opens', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const sut = encryptPrivateKey(privateKey, passphrase);
    expect(sut).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
    expect(decryptPrivateKey(sut, passphrase, 'k').equals(privateKey)).toBe(true);
    expect(() => decryptPrivateKey(sut, 'wrong-passphrase-value', 'the private key of signing key abc')).toThrow(
      /KEYSTORE_PASSPHRASE does not decrypt the private key of signing key abc/,
    );
  });
});
