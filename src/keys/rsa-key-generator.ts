import { Injectable } from '@nestjs/common';
import { generateKeyPair, type KeyObject } from 'node:crypto';

/**
 * Fresh RSA key pairs: an I/O edge of its own (it draws on the system's randomness and costs
 * ~150 ms per 2048-bit key), so tests can hand out keys they made once. Node's asynchronous
 * generator runs off the event loop, which keeps the server answering while it works.
 */
@Injectable()
export class RsaKeyGenerator {
  generate(bits: number): Promise<KeyObject> {
    return new Promise((resolve, reject) =>
      // RFC 8017 §3.1 allows other exponents; 65537 is what every relying party expects.
      generateKeyPair('rsa', { modulusLength: bits, publicExponent: 0x10001 }, (error, _publicKey, privateKey) =>
        error ? reject(error) : resolve(privateKey),
      ),
    );
  }
}
