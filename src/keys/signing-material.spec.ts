import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { InvalidRequestError } from '../common/errors';
import { keyAndCertificate, readVector } from '../../test/utils/signing-keys';
import { buildSigningMaterial, parsePrivateKeyPem, splitCertificatePems } from './signing-material';

function refusal(fn: () => unknown): Promise<InvalidRequestError> {
  return Promise.resolve()
    .then(fn)
    .then(
      () => {
        throw new Error('expected a refusal');
      },
      (e: unknown) => {
        expect(e).toBeInstanceOf(InvalidRequestError);
        return e as InvalidRequestError;
      },
    );
}

describe('buildSigningMaterial', () => {
  const operator = keyAndCertificate();
  const now = new Date();

  it('derives the kid as the RFC 7638 thumbprint (RFC 7515 A.2 key)', async () => {
    const jwk = JSON.parse(readVector('rfc7515-appendix-a/rfc7515_A.2.jwk')) as { n: string; e: string };
    const privateKey = createPrivateKey({ key: jwk as never, format: 'jwk' });
    const { certificatePem } = keyAndCertificate(privateKey);

    const sut = await buildSigningMaterial(privateKey, [certificatePem], now);

    // RFC 7638 §3: SHA-256 over the required members in lexicographic order, no whitespace.
    const canonical = `{"e":"${jwk.e}","kty":"RSA","n":"${jwk.n}"}`;
    expect(sut.kid).toBe(createHash('sha256').update(canonical).digest('base64url'));
    expect(sut.publicJwk.n).toBe(jwk.n);
    expect(sut.publicJwk.e).toBe('AQAB');
  });

  it('publishes x5c whose certificate holds n/e, and x5t / x5t#S256 of that certificate', async () => {
    const sut = await buildSigningMaterial(operator.privateKey, [operator.certificatePem], now);
    const { publicJwk } = sut;

    const cert = new X509Certificate(Buffer.from(publicJwk.x5c[0], 'base64'));
    const fromCert = cert.publicKey.export({ format: 'jwk' });
    expect(fromCert).toEqual({ kty: 'RSA', n: publicJwk.n, e: publicJwk.e });
    expect(publicJwk.x5t).toBe(Buffer.from(cert.fingerprint.replace(/:/g, ''), 'hex').toString('base64url'));
    expect(publicJwk['x5t#S256']).toBe(Buffer.from(cert.fingerprint256.replace(/:/g, ''), 'hex').toString('base64url'));
    // x5c is standard base64 (RFC 7517 §4.7), not base64url.
    expect(publicJwk.x5c[0]).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(publicJwk).toMatchObject({ kty: 'RSA', use: 'sig', alg: 'RS256', kid: sut.kid });
    expect(Object.keys(publicJwk)).not.toEqual(expect.arrayContaining(['d']));
  });

  it('refuses a 1024-bit key, naming the size', async () => {
    const small = keyAndCertificate(generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey);
    const e = await refusal(() => buildSigningMaterial(small.privateKey, [small.certificatePem], now));
    expect(e.details).toEqual([{ field: 'key', problem: expect.stringMatching(/1024-bit.*at least 2048/) }]);
  });

  it('refuses a certificate that does not match the key', async () => {
    const other = keyAndCertificate();
    const e = await refusal(() => buildSigningMaterial(operator.privateKey, [other.certificatePem], now));
    expect(e.details?.[0]).toEqual({ field: 'certificate', problem: expect.stringMatching(/does not match the private key/) });
  });

  it('refuses an expired certificate', async () => {
    const old = keyAndCertificate(operator.privateKey, { notBefore: new Date(Date.UTC(2020, 0, 1)), notAfter: new Date(Date.UTC(2021, 0, 1)) });
    const e = await refusal(() => buildSigningMaterial(old.privateKey, [old.certificatePem], now));
    expect(e.description).toMatch(/^certificate: expired on 2021-01-01/);
  });

  it('refuses a key that is not RSA', async () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const e = await refusal(() => buildSigningMaterial(ec, [operator.certificatePem], now));
    expect(e.description).toMatch(/key: is a ec key; only RSA/);
  });

  it('refuses a public key given as the private key', async () => {
    const e = await refusal(() => buildSigningMaterial(createPublicKey(operator.privateKey), [operator.certificatePem], now));
    expect(e.description).toBe('key: is not a private key');
  });
});

describe('parsePrivateKeyPem', () => {
  const { keyPem, privateKey } = keyAndCertificate();

  it('reads PKCS#8 and PKCS#1 PEM', () => {
    expect(parsePrivateKeyPem(keyPem).equals(privateKey)).toBe(true);
    const pkcs1 = privateKey.export({ type: 'pkcs1', format: 'pem' }) as string;
    expect(parsePrivateKeyPem(pkcs1).equals(privateKey)).toBe(true);
  });

  it.each([
    ['text without a PEM header', 'hello', /is not a PEM private key/],
    ['a certificate', keyAndCertificate(privateKey).certificatePem, /is not a PEM private key/],
    ['damaged base64', keyPem.replace(/\n[A-Za-z0-9+/]{20}/, '\n!!!!'), /not a readable PEM private key/],
    ['a truncated key', keyPem.slice(0, 200) + '\n-----END PRIVATE KEY-----\n', /not a readable PEM private key/],
    ['an encrypted key', privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pw' }) as string, /is encrypted/],
  ])('refuses %s, naming the field', async (_what, pem, message) => {
    const e = await refusal(() => parsePrivateKeyPem(pem as string, 'keyPem'));
    expect(e.details?.[0].field).toBe('keyPem');
    expect(e.description).toMatch(message);
  });
});

describe('splitCertificatePems', () => {
  it('splits a bundle leaf first and refuses text without certificates', async () => {
    const a = keyAndCertificate().certificatePem;
    const b = keyAndCertificate().certificatePem;
    expect(splitCertificatePems(`junk\n${a}${b}`).map((p) => new X509Certificate(p).fingerprint256)).toEqual([
      new X509Certificate(a).fingerprint256,
      new X509Certificate(b).fingerprint256,
    ]);
    const e = await refusal(() => splitCertificatePems('-----BEGIN PRIVATE KEY-----'));
    expect(e.description).toMatch(/^certificate: is not a PEM certificate/);
  });
});
