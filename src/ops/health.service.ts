import { Injectable, Logger } from '@nestjs/common';
import { DatabaseService } from '../persistence/database.service';

export type CheckStatus = 'ok' | 'error';

export interface HealthReport {
  status: CheckStatus;
  checks: { database: CheckStatus };
  /** why a check failed, in words safe to show a prober (driver messages go to the log only) */
  problems?: string[];
}

/**
 * A database that does not answer within this long counts as down: a probe that hangs is worse
 * than one that fails, since orchestrators time out probes themselves (Kubernetes: 1 s by
 * default, usually raised).
 */
export const DATABASE_PING_TIMEOUT_MS = 2000;

@Injectable()
export class HealthService {
  private readonly logger = new Logger('Health');

  constructor(private readonly database: DatabaseService) {}

  async check(timeoutMs = DATABASE_PING_TIMEOUT_MS): Promise<HealthReport> {
    const database = await this.pingDatabase(timeoutMs);
    if (database === undefined) return { status: 'ok', checks: { database: 'ok' } };
    return { status: 'error', checks: { database: 'error' }, problems: [`database: ${database}`] };
  }

  /** `undefined` when the database answered, else what went wrong. */
  private async pingDatabase(timeoutMs: number): Promise<string | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<string>((resolve) => {
      timer = setTimeout(() => resolve(`no answer within ${timeoutMs} ms`), timeoutMs);
    });
    const ping = this.database.ping().then(
      () => undefined,
      (error: unknown) => {
        this.logger.warn(`database ping failed: ${error instanceof Error ? error.message : String(error)}`);
        return 'unreachable or failing';
      },
    );
    try {
      return await Promise.race([ping, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
