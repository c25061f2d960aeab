import type { KeyObject } from 'node:crypto';
import forge from 'node-forge';

export interface SelfSignedCertificateOptions {
  privateKey: KeyObject;
  commonName: string;
  notBefore: Date;
  notAfter: Date;
  /** random bytes; RFC 5280 §4.1.2.2: a positive integer of at most 20 octets */
  serialNumber: Buffer;
}

/**
 * A self-signed X.509 v3 certificate for a signing key, signed with SHA-256 (sha256WithRSA):
 * what B2C accepts as an uploaded policy key and what `x5c`/`x5t` in the JWKS are built from.
 */
export function createSelfSignedCertificate(options: SelfSignedCertificateOptions): string {
  const key = forge.pki.privateKeyFromPem(options.privateKey.export({ type: 'pkcs1', format: 'pem' }) as string);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  const serial = Buffer.from(options.serialNumber.subarray(0, 20));
  serial[0] &= 0x7f; // DER INTEGER: a clear top bit keeps the serial positive
  if (serial[0] === 0) serial[0] = 0x01; // and a non-zero first octet keeps it minimal
  cert.serialNumber = serial.toString('hex');
  cert.validity.notBefore = options.notBefore;
  cert.validity.notAfter = options.notAfter;
  const name = [{ name: 'commonName', value: options.commonName }];
  cert.setSubject(name);
  cert.setIssuer(name);
  cert.setExtensions([
    // RFC 5280 §4.2.1.9 and §4.2.1.3: an end-entity certificate whose key only signs.
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(key, forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}
