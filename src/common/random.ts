import { Injectable } from '@nestjs/common';
import { randomBytes, randomFillSync, randomUUID } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';

/** Random bytes drawn at once for time-ordered UUIDs: 128 ids. */
const UUID_POOL_BYTES = 16 * 128;
/** Random bytes drawn at once for `bytes()`: 128 landing codes' worth. */
const BYTES_POOL = 4096;
/** Larger requests (key material, say) are drawn on their own. */
const MAX_POOLED_REQUEST = 64;

/** Randomness is an I/O edge too: injectable, so tests can make it predictable. */
@Injectable()
export class Random {
  /**
   * `length` bytes from the CSPRNG. Small requests are copied out of a block drawn in one call:
   * each call into OpenSSL costs a few microseconds whatever its size (a landing code's 32 bytes
   * cost as much as 4 KiB), and Node's own randomUUID draws its entropy the same way. Each byte
   * of a block is handed out once, and wiped from the block as it is.
   */
  bytes(length: number): Buffer {
    return this.draw(length);
  }
  /** URL-safe random string carrying `bytes` bytes of entropy. */
  token(bytes = 32): string {
    return this.draw(bytes).toString('base64url');
  }

  private draw(length: number): Buffer {
    // Anything but a small whole number goes to randomBytes, which refuses what it must refuse
    // without touching the block's offset.
    if (!Number.isSafeInteger(length) || length < 0 || length > MAX_POOLED_REQUEST) return randomBytes(length);
    if (this.bytesOffset + length > BYTES_POOL) {
      randomFillSync(this.bytesPool);
      this.bytesOffset = 0;
    }
    const start = this.bytesOffset;
    this.bytesOffset += length;
    const out = Buffer.allocUnsafe(length);
    this.bytesPool.copy(out, 0, start, this.bytesOffset);
    // What was handed out (a landing code, an API key's secret) does not stay behind in the block.
    this.bytesPool.fill(0, start, this.bytesOffset);
    return out;
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
  private readonly bytesPool = Buffer.alloc(BYTES_POOL);
  private bytesOffset = BYTES_POOL;
}
