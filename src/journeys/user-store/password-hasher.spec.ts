import type { TesseraConfig } from '../../config/config.schema';
import { PasswordHasher } from './password-hasher';

const config = (cost: number) => ({ journeys: { passwordHashing: { cost, blockSize: 8, parallelization: 1 } } }) as unknown as TesseraConfig;

describe('PasswordHasher', () => {
  const sut = new PasswordHasher(config(1024));

  it('writes a PHC-style scrypt string carrying its parameters and a fresh salt', async () => {
    const a = await sut.hash('Correct-horse-7');
    const b = await sut.hash('Correct-horse-7');
    expect(a).toMatch(/^\$scrypt\$ln=10,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain('Correct-horse-7');
  });

  it('verifies the right password only', async () => {
    const stored = await sut.hash('Correct-horse-7');
    await expect(sut.verify('Correct-horse-7', stored)).resolves.toBe(true);
    await expect(sut.verify('correct-horse-7', stored)).resolves.toBe(false);
    await expect(sut.verify('', stored)).resolves.toBe(false);
  });

  it('treats compatibility forms of a character alike (NFKC), so one password typed two ways verifies', async () => {
    const stored = await sut.hash('ｐａｓｓ-Word-1');
    await expect(sut.verify('pass-Word-1', stored)).resolves.toBe(true);
  });

  it('keeps verifying hashes written with other parameters, and says they need upgrading', async () => {
    const stronger = new PasswordHasher(config(2048));
    const old = await sut.hash('Correct-horse-7');
    await expect(stronger.verify('Correct-horse-7', old)).resolves.toBe(true);
    expect(stronger.needsRehash(old)).toBe(true);
    expect(sut.needsRehash(old)).toBe(false);
  });

  it.each(['', 'plain', '$scrypt$ln=99,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', '$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA'])(
    'verifies nothing against a malformed stored hash %j',
    async (stored) => {
      await expect(sut.verify('anything', stored)).resolves.toBe(false);
      expect(sut.needsRehash(stored)).toBe(true);
    },
  );
});
