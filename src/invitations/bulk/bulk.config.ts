import { IsInt, IsOptional, IsString, Max, Min, MinLength } from 'class-validator';

/**
 * The `bulk` section: `POST /api/invitations/bulk` and `tessera invitations import`. Every
 * default is here, next to its field; README "Invitations › Bulk import" explains them.
 */
export class BulkConfig {
  /**
   * Largest request body the bulk route reads, in bytes; counted while the body streams in, so a
   * larger one is cut off with a 413 without being held. Separate from `bodyLimit`, which bounds
   * every buffered JSON body. 20 MiB is about 200,000 typical CSV rows.
   */
  @IsInt() @Min(1024) @Max(1024 * 1024 * 1024)
  maxBodyBytes = 20 * 1024 * 1024;

  /** Data rows one request may carry (a larger file is a 413 before anything is written). */
  @IsInt() @Min(1) @Max(1_000_000)
  maxRows = 100_000;

  /** Rows written per transaction: a failure loses at most one batch, and no transaction holds SQLite's lock for long. */
  @IsInt() @Min(1) @Max(5000)
  batchSize = 500;

  /** Bytes one CSV record or JSON element may take; a longer one is a 400 naming its line. */
  @IsInt() @Min(256) @Max(1024 * 1024)
  maxRowBytes = 64 * 1024;

  /**
   * How long an import's result is kept, and with it its `Idempotency-Key`: a retry within this
   * window replays the stored result; afterwards the key may be used afresh. One day, as is usual
   * for idempotency keys (Stripe, the IETF Idempotency-Key draft's examples).
   */
  @IsInt() @Min(60) @Max(90 * 24 * 3600)
  retentionSeconds = 24 * 3600;

  /**
   * A running import renews its claim after every batch. A claim not renewed for this long
   * belongs to an instance that died: a retry with the same key then takes the import over.
   */
  @IsInt() @Min(10) @Max(3600)
  leaseSeconds = 120;

  /** Where request bodies are spooled while they are checked and imported. Default: the OS temporary folder. */
  @IsOptional() @IsString() @MinLength(1)
  spoolDir?: string;
}
