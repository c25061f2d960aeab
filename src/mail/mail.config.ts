import {
  IsBoolean,
  IsInt,
  IsOptional,
  IsString,
  IsTimeZone,
  Max,
  Min,
  MinLength,
  Validate,
  ValidatorConstraint,
  type ValidationArguments,
  type ValidatorConstraintInterface,
} from 'class-validator';
import { parseMailbox } from './mail-address';

@ValidatorConstraint({ name: 'isMailbox' })
class IsMailbox implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return parseMailbox(value) !== undefined;
  }
  defaultMessage(): string {
    return 'must be one mailbox, e.g. "Tessera <no-reply@example.com>"';
  }
}

/**
 * A claim must outlive the longest send it covers, or a second instance could take the row over
 * while the first is still talking to the SMTP server and both would deliver it.
 */
@ValidatorConstraint({ name: 'leaseOutlastsSend' })
class LeaseOutlastsSend implements ValidatorConstraintInterface {
  validate(value: unknown, args: ValidationArguments): boolean {
    const config = args.object as MailConfig;
    return typeof value === 'number' && value >= 4 * config.smtpTimeoutSeconds;
  }
  defaultMessage(): string {
    return 'must be at least 4 × mail.smtpTimeoutSeconds: a send is only started with 3 × that left on its claim';
  }
}

/**
 * The `mail` section. The SMTP server itself is `SMTP_URL` (top-level `smtpUrl`); without it,
 * messages are written to `<dataDir>/outbox/` as `.eml` files. Every default is here.
 */
export class MailConfig {
  /**
   * Default `From` of every message that does not name its own.
   * Default: `Tessera <no-reply@HOST>`, HOST being the host name of `publicUrl`.
   */
  @IsOptional() @Validate(IsMailbox)
  from?: string;

  /** Run the outbox worker inside the server process. Off for instances that should only serve HTTP. */
  @IsBoolean()
  workerEnabled = true;

  /** How often the worker looks for due messages when the last look found none. */
  @IsInt() @Min(50) @Max(10 * 60 * 1000)
  pollIntervalMs = 1000;

  /** How many messages one worker claims at a time. */
  @IsInt() @Min(1) @Max(1000)
  batchSize = 20;

  /** Messages of one batch sent at the same time; also the number of pooled SMTP connections. */
  @IsInt() @Min(1) @Max(50)
  concurrency = 5;

  /** Attempts before a message that keeps failing transiently is given up as `failed`. */
  @IsInt() @Min(1) @Max(100)
  maxAttempts = 10;

  /**
   * Delay before the second attempt; doubles on each further one (with jitter), up to
   * `backoffMaxSeconds`. With the defaults, ten attempts span about three hours.
   */
  @IsInt() @Min(1) @Max(24 * 3600)
  backoffBaseSeconds = 30;

  @IsInt() @Min(1) @Max(7 * 24 * 3600)
  backoffMaxSeconds = 3600;

  /**
   * How long a claim on a message lasts. An instance that dies while holding a claim delays
   * those messages by at most this long; another instance takes them over afterwards.
   */
  @IsInt() @Min(30) @Max(24 * 3600) @Validate(LeaseOutlastsSend)
  leaseSeconds = 300;

  /** Bound on connecting, on the greeting and on each reply of the SMTP server. */
  @IsInt() @Min(1) @Max(600)
  smtpTimeoutSeconds = 60;

  /**
   * Folder of the message templates (`<locale>/<name>.{subject,html,text}.hbs`).
   * Default: `templates/mail` of the installation.
   */
  @IsOptional() @IsString() @MinLength(1)
  templatesDir?: string;

  /** Time zone in which dates (e.g. an invitation's expiry) are written in messages. */
  @IsTimeZone()
  timeZone = 'UTC';
}
