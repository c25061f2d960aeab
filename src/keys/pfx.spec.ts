import { execFileSync } from 'node:child_process';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidRequestError } from '../common/errors';
import { keyAndCertificate } from '../../test/utils/signing-keys';
import { readPfx, writePfx } from './pfx';

const OPENSSL = '/usr/bin/openssl';

/** Runs openssl with the password in its environment (never in argv). */
function openssl(args: string[], password: string): string {
  return execFileSync(OPENSSL, args, { env: { PFX_PASSWORD: password }, encoding: 'utf8', timeout: 20_000 });
}

describe('PKCS#12', () => {
  const { privateKey, certificatePem, keyPem } = keyAndCertificate();
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-pfx-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes a PFX that openssl pkcs12 opens, holding the same key and certificate', () => {
    const sut = writePfx(privateKey, [certificatePem], 'correct horse battery', 'Tessera test');
    const file = join(dir, 'out.pfx');
    writeFileSync(file, sut);

    const out = openssl(['pkcs12', '-in', file, '-passin', 'env:PFX_PASSWORD', '-nodes'], 'correct horse battery');
    const key = createPrivateKey(out.match(/-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----/)![0]);
    const cert = new X509Certificate(out.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/)![0]);
    expect(key.equals(privateKey)).toBe(true);
    expect(cert.fingerprint256).toBe(new X509Certificate(certificatePem).fingerprint256);
    expect(out).toMatch(/friendlyName: Tessera test/);
  });

  it('reads back what it wrote', () => {
    const sut = readPfx(writePfx(privateKey, [certificatePem], 'pw-12345678', 'x'), 'pw-12345678');
    expect(sut.privateKey.equals(privateKey)).toBe(true);
    expect(sut.certificatePems.map((p) => new X509Certificate(p).fingerprint256)).toEqual([new X509Certificate(certificatePem).fingerprint256]);
  });

  it('reads a PFX written by OpenSSL 3 with its defaults, leaf first', () => {
    const other = keyAndCertificate().certificatePem; // an unrelated "chain" certificate
    writeFileSync(join(dir, 'key.pem'), keyPem);
    writeFileSync(join(dir, 'cert.pem'), certificatePem);
    writeFileSync(join(dir, 'chain.pem'), other);
    const file = join(dir, 'openssl.pfx');
    openssl(
      ['pkcs12', '-export', '-inkey', join(dir, 'key.pem'), '-in', join(dir, 'cert.pem'), '-certfile', join(dir, 'chain.pem'), '-out', file, '-passout', 'env:PFX_PASSWORD'],
      's3cret-pass',
    );

    const sut = readPfx(readFileSync(file), 's3cret-pass');

    expect(sut.privateKey.equals(privateKey)).toBe(true);
    expect(sut.certificatePems).toHaveLength(2);
    expect(new X509Certificate(sut.certificatePems[0]).checkPrivateKey(privateKey)).toBe(true);
  });

  it('names the password when it does not open the file', () => {
    const pfx = writePfx(privateKey, [certificatePem], 'right-password', 'x');
    expect(() => readPfx(pfx, 'wrong-password')).toThrow(InvalidRequestError);
    expect(() => readPfx(pfx, 'wrong-password')).toThrow(/^password: does not open the PFX/);
  });

  it.each([
    ['an empty file', Buffer.alloc(0), /^pfx: is empty/],
    ['bytes that are not DER', Buffer.from('not a pfx at all'), /^pfx: is not a/],
    ['a PEM certificate', Buffer.from(certificatePem), /^pfx: is not a/],
  ])('refuses %s, naming the file', (_what, der, message) => {
    expect(() => readPfx(der, 'x')).toThrow(message);
  });
});
