import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import { InvalidRequestError } from '../common/errors';

/** Request-body names of the inputs, so that every refusal names the field at fault. */
export interface PfxFields {
  pfx: string;
  password: string;
}

const DEFAULT_FIELDS: PfxFields = { pfx: 'pfx', password: 'password' };

export interface PfxContents {
  privateKey: KeyObject;
  /** PEM, the certificate holding the private key's public half first */
  certificatePems: string[];
}

/**
 * Reads a PKCS#12 file (RFC 7292) holding one private key and its certificate (plus any chain).
 * Reads what OpenSSL 3, Windows and forge write. forge's PKCS#12 support is RSA-only, which is
 * all a signing key here may be.
 */
export function readPfx(der: Buffer, password: string, fields: PfxFields = DEFAULT_FIELDS): PfxContents {
  if (!Buffer.isBuffer(der) || der.length === 0) throw InvalidRequestError.field(fields.pfx, 'is empty');
  let asn1: forge.asn1.Asn1;
  try {
    asn1 = forge.asn1.fromDer(der.toString('binary'));
  } catch {
    throw InvalidRequestError.field(fields.pfx, 'is not a PKCS#12 (PFX) file: it is not DER');
  }
  let p12: forge.pkcs12.Pkcs12Pfx;
  try {
    p12 = forge.pkcs12.pkcs12FromAsn1(asn1, password);
  } catch (e) {
    const message = e instanceof Error ? e.message : '';
    if (/MAC could not be verified|Invalid password/i.test(message)) {
      throw InvalidRequestError.field(fields.password, 'does not open the PFX (its integrity check failed: wrong password?)');
    }
    throw InvalidRequestError.field(fields.pfx, 'is not a readable PKCS#12 (PFX) file, or holds a key that is not RSA');
  }

  const keyBags = [
    ...(p12.getBags({ bagType: forge.pki.oids.pkcs8ShroudedKeyBag })[forge.pki.oids.pkcs8ShroudedKeyBag] ?? []),
    ...(p12.getBags({ bagType: forge.pki.oids.keyBag })[forge.pki.oids.keyBag] ?? []),
  ];
  const keys = keyBags.filter((b) => b.key);
  if (keys.length === 0) {
    // A PFX without a MAC decrypts to garbage under a wrong password instead of failing.
    throw InvalidRequestError.field(fields.pfx, keyBags.length ? 'holds a private key that cannot be decrypted with this password' : 'holds no private key');
  }
  if (keys.length > 1) throw InvalidRequestError.field(fields.pfx, `holds ${keys.length} private keys; export the one signing key alone`);
  const privateKey = createPrivateKey(forge.pki.privateKeyToPem(keys[0].key as forge.pki.rsa.PrivateKey));

  const certs = (p12.getBags({ bagType: forge.pki.oids.certBag })[forge.pki.oids.certBag] ?? [])
    .map((b) => (b.cert ? forge.pki.certificateToPem(b.cert) : undefined))
    .filter((pem): pem is string => pem !== undefined);
  if (certs.length === 0) throw InvalidRequestError.field(fields.pfx, 'holds no certificate');
  // Put the certificate for this key first; bag order is not meaningful in PKCS#12.
  const leafIndex = certs.findIndex((pem) => new X509Certificate(pem).checkPrivateKey(privateKey));
  const ordered = leafIndex > 0 ? [certs[leafIndex], ...certs.filter((_, i) => i !== leafIndex)] : certs;
  return { privateKey, certificatePems: ordered };
}

/**
 * Writes a PKCS#12 file with the key bag under PBES2/AES-256 (RFC 8018), which OpenSSL 3 reads
 * without `-legacy` and B2C accepts as an uploaded policy key. The MAC is HMAC-SHA1, the
 * RFC 7292 Appendix B default that forge writes and every reader checks.
 */
export function writePfx(privateKey: KeyObject, certificatePems: string[], password: string, friendlyName: string): Buffer {
  const key = forge.pki.privateKeyFromPem(privateKey.export({ type: 'pkcs1', format: 'pem' }) as string);
  const certs = certificatePems.map((pem) => forge.pki.certificateFromPem(pem));
  const asn1 = forge.pkcs12.toPkcs12Asn1(key, certs, password, {
    algorithm: 'aes256',
    friendlyName,
    generateLocalKeyId: true,
  });
  return Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary');
}
