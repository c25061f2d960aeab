import { Injectable } from '@nestjs/common';
import { createHash, type Hash } from 'node:crypto';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { TesseraConfig } from '../../config/config.schema';
import { ImportTooLargeError } from './bulk-import.errors';

/**
 * The disk an import body is spooled to. An import is read twice — once to prove the whole body
 * well-formed before anything is written, once to write it — and a request can be read only
 * once, so the body goes to a private temporary folder in between: memory stays flat whatever
 * the size. Spooled files hold invitees' addresses: they are created 0600 and removed when the
 * import is done, whatever its outcome.
 */
@Injectable()
export class SpoolService {
  constructor(private readonly config: TesseraConfig) {}

  async create(): Promise<Spool> {
    const base = this.config.bulk?.spoolDir ?? tmpdir();
    return new Spool(await mkdtemp(join(base, 'tessera-import-')));
  }
}

export class Spool {
  private disposed = false;

  constructor(readonly dir: string) {}

  path(name: string): string {
    return join(this.dir, name);
  }

  writer(name: string): WriteStream {
    return createWriteStream(this.path(name), { mode: 0o600, flags: 'wx' });
  }

  reader(name: string): Readable {
    return createReadStream(this.path(name));
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await rm(this.dir, { recursive: true, force: true });
  }
}

/**
 * Passes a body through while counting, hashing and copying it to `copy`. More than `maxBytes`
 * fails the stream with a 413 at once: the rest is never read into memory or onto disk.
 */
export class BodyMeter extends Transform {
  private readonly hash: Hash = createHash('sha256');
  private count = 0;

  constructor(
    private readonly copy: WriteStream,
    private readonly maxBytes: number,
  ) {
    super();
    copy.on('error', (e) => this.destroy(e));
  }

  get bytes(): number {
    return this.count;
  }

  /** SHA-256 (hex) of everything passed; valid once the stream has ended. */
  digest(): string {
    return this.hash.copy().digest('hex');
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.count += chunk.length;
    if (this.count > this.maxBytes) {
      callback(new ImportTooLargeError(`the import body is larger than bulk.maxBodyBytes (${this.maxBytes} bytes); split the file`));
      return;
    }
    this.hash.update(chunk);
    if (this.copy.write(chunk)) callback(null, chunk);
    else this.copy.once('drain', () => callback(null, chunk));
  }

  override _flush(callback: TransformCallback): void {
    this.copy.end(() => callback());
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.copy.destroy();
    callback(error);
  }
}
