import { Injectable } from '@nestjs/common';
import { randomBytes, randomUUID } from 'node:crypto';

/** Randomness is an I/O edge too: injectable, so tests can make it predictable. */
@Injectable()
export class Random {
  bytes(length: number): Buffer {
    return randomBytes(length);
  }
  /** URL-safe random string carrying `bytes` bytes of entropy. */
  token(bytes = 32): string {
    return randomBytes(bytes).toString('base64url');
  }
  uuid(): string {
    return randomUUID();
  }
}
