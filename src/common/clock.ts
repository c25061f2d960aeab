import { Injectable } from '@nestjs/common';

/** The clock is an I/O edge: services take it by injection so tests can pin time. */
@Injectable()
export class Clock {
  now(): Date {
    return new Date();
  }

  /** Seconds since the epoch, as JWT NumericDate (RFC 7519 §2). */
  nowSeconds(): number {
    return Math.floor(Date.now() / 1000);
  }
}

/** A clock that stays where a test puts it. */
export class FixedClock extends Clock {
  constructor(private ms: number = Date.UTC(2026, 0, 1)) {
    super();
  }
  override now(): Date {
    return new Date(this.ms);
  }
  override nowSeconds(): number {
    return Math.floor(this.ms / 1000);
  }
  set(date: Date | number): void {
    this.ms = typeof date === 'number' ? date : date.getTime();
  }
  advance(seconds: number): void {
    this.ms += seconds * 1000;
  }
}
