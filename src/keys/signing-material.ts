import { createHash, createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint } from 'jose';
import { InvalidRequestError } from '../common/errors';

/** The minimum RSA modulus: RFC 7518 §3.3 ("2048 bits or larger"), also B2C's floor. */
export const MIN_RSA_BITS = 2048;

/** A public signing key exactly as the JWKS publishes it (RFC 7517 §4, RFC 7518 §6.3.1). */
export interface PublishedJwk {
  kty: 'RSA';
  use: 'sig';
  alg: 'RS256';
  kid: string;
  n: string;
  e: string;
  x5c: string[];
  x5t: string;
  'x5t#S256': string;
}

/** A validated RSA private key with its certificate chain, and everything derived from them. */
export interface SigningMaterial {
  kid: string;
  alg: 'RS256';
  privateKey: KeyObject;
  /** PEM, the leaf certificate (the one holding this key) first */
  certificatePems: string[];
  publicJwk: PublishedJwk;
  notBefore: Date;
  notAfter: Date;
}

/** Request-body names of the inputs, so that every refusal names the field at fault. */
export interface MaterialFields {
  key: string;
  certificate: string;
}

const DEFAULT_FIELDS: MaterialFields = { key: 'key', certificate: 'certificate' };

/** Reads an unencrypted PEM private key (PKCS#8 `PRIVATE KEY` or PKCS#1 `RSA PRIVATE KEY`). */
export function parsePrivateKeyPem(pem: string, field = DEFAULT_FIELDS.key): KeyObject {
  if (typeof pem !== 'string' || !/-----BEGIN ([A-Z ]+ )?PRIVATE KEY-----/.test(pem)) {
    throw InvalidRequestError.field(field, 'is not a PEM private key (expected "-----BEGIN PRIVATE KEY-----")');
  }
  if (pem.includes('-----BEGIN ENCRYPTED PRIVATE KEY-----')) {
    throw InvalidRequestError.field(field, 'is encrypted: import the key and certificate as a PFX with its password instead');
  }
  try {
    return createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    throw InvalidRequestError.field(field, 'is not a readable PEM private key (damaged or truncated base64)');
  }
}

/** Splits a PEM bundle into its certificates, leaf first as given. */
export function splitCertificatePems(pem: string, field = DEFAULT_FIELDS.certificate): string[] {
  const blocks = typeof pem === 'string' ? pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) : null;
  if (!blocks) throw InvalidRequestError.field(field, 'is not a PEM certificate (expected "-----BEGIN CERTIFICATE-----")');
  return blocks.map((b) => `${b}\n`);
}

/**
 * Checks that the key and certificate belong together and are fit to sign, and derives the kid
 * and the published JWK. Nothing here writes anything: a refusal leaves no trace.
 */
export async function buildSigningMaterial(
  privateKey: KeyObject,
  certificatePems: string[],
  now: Date,
  fields: MaterialFields = DEFAULT_FIELDS,
): Promise<SigningMaterial> {
  if (privateKey.type !== 'private') throw InvalidRequestError.field(fields.key, 'is not a private key');
  if (privateKey.asymmetricKeyType !== 'rsa') {
    throw InvalidRequestError.field(fields.key, `is a ${privateKey.asymmetricKeyType ?? 'non-RSA'} key; only RSA keys (RS256) are supported`);
  }
  const bits = privateKey.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < MIN_RSA_BITS) {
    throw InvalidRequestError.field(fields.key, `is a ${bits}-bit RSA key; at least ${MIN_RSA_BITS} bits are required`);
  }
  if (certificatePems.length === 0) throw InvalidRequestError.field(fields.certificate, 'is missing');

  const certificates = certificatePems.map((pem, i) => {
    try {
      return new X509Certificate(pem);
    } catch {
      const which = certificatePems.length > 1 ? ` (certificate ${i + 1} of ${certificatePems.length})` : '';
      throw InvalidRequestError.field(fields.certificate, `is not a readable X.509 certificate${which}`);
    }
  });
  const foreign = certificates.findIndex((c) => c.publicKey.asymmetricKeyType !== 'rsa');
  if (foreign > 0) {
    // The chain travels in x5c and in exported PFX files, whose writer handles RSA only.
    throw InvalidRequestError.field(fields.certificate, `chain certificate ${foreign + 1} holds a non-RSA key; import the signing certificate without that chain member`);
  }
  const leaf = certificates[0];
  if (leaf.publicKey.asymmetricKeyType !== 'rsa' || !leaf.checkPrivateKey(privateKey)) {
    throw InvalidRequestError.field(
      fields.certificate,
      `does not match the private key: the certificate (subject "${leaf.subject.replace(/\n/g, ', ')}") holds a different public key`,
    );
  }
  const notBefore = new Date(leaf.validFrom);
  const notAfter = new Date(leaf.validTo);
  if (notAfter.getTime() <= now.getTime()) {
    throw InvalidRequestError.field(fields.certificate, `expired on ${notAfter.toISOString()}`);
  }

  const { n, e } = privateKey.export({ format: 'jwk' });
  if (!n || !e) throw InvalidRequestError.field(fields.key, 'has no RSA modulus or exponent');
  // RFC 7638 §3.2: the thumbprint covers only the required members, in lexicographic order.
  const kid = await calculateJwkThumbprint({ kty: 'RSA', n, e }, 'sha256');
  const publicJwk: PublishedJwk = {
    kty: 'RSA',
    use: 'sig',
    alg: 'RS256',
    kid,
    n,
    e,
    // RFC 7517 §4.7: standard base64 (not base64url) of each DER certificate, leaf first.
    x5c: certificates.map((c) => c.raw.toString('base64')),
    // RFC 7517 §4.8 and §4.9: base64url SHA-1 and SHA-256 of the leaf's DER.
    x5t: createHash('sha1').update(leaf.raw).digest('base64url'),
    'x5t#S256': createHash('sha256').update(leaf.raw).digest('base64url'),
  };
  return {
    kid,
    alg: 'RS256',
    privateKey,
    certificatePems: certificates.map((c) => c.toString()),
    publicJwk,
    notBefore,
    notAfter,
  };
}
