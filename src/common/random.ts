import { Injectable } from '@nestjs/common';
import { randomBytes, randomFillSync, randomUUID } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';

/** Random bytes drawn at once for time-ordered UUIDs: 128 ids. */
const UUID_POOL_BYTES = 16 * 128;

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
  /** A random (version 4) UUID: nothing can be read from it. */
  uuid(): string {
    return randomUUID();
  }

  /**
   * A time-ordered (version 7, RFC 9562 §5.7) UUID: a millisecond timestamp, then 73 random
   * bits (uuid clears one of the layout's 74 for its in-millisecond counter). For the keys of
   * rows written at volume (invitations, their token versions, outbox messages): consecutive
   * ids land next to each other in the primary-key b-tree, so a batch of creations dirties (and
   * writes to the WAL) a few shared leaf pages instead of one random page per row and index.
   * The creation time it reveals is no secret where it is used (the records carry `created_at`,
   * a hint its `iat`); ids that name people (account object ids) stay `uuid()`.
   */
  timeOrderedUuid(): string {
    // uuid draws each id's 16 bytes through WebCrypto's getRandomValues (~2 µs a call on Node 20);
    // like Node's own randomUUID, entropy is drawn in blocks and handed out 16 bytes at a time.
    if (this.poolOffset === UUID_POOL_BYTES) {
      randomFillSync(this.pool);
      this.poolOffset = 0;
    }
    const random = this.pool.subarray(this.poolOffset, (this.poolOffset += 16));
    return uuidv7({ random });
  }

  private readonly pool = Buffer.alloc(UUID_POOL_BYTES);
  private poolOffset = UUID_POOL_BYTES;
}
