import { TesseraError } from '../common/errors';
import type { HealthReport } from './health.service';

/** 503 carrying the same report shape as a healthy answer, so probes parse one format. */
export class HealthCheckFailedError extends TesseraError {
  constructor(readonly report: HealthReport) {
    super('service_unavailable', 503, `unhealthy: ${(report.problems ?? []).join('; ') || 'a check failed'}`);
  }

  override body(): Record<string, unknown> {
    return { status: this.report.status, checks: this.report.checks, ...super.body() };
  }
}
