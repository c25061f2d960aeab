import { IsOptional, IsString, MinLength } from 'class-validator';

/** `metrics` in the configuration. */
export class MetricsConfig {
  /**
   * When set, `GET /metrics` answers only `Authorization: Bearer <this token>` (Prometheus
   * `authorization: { credentials: … }`). Unset: the endpoint is open, as scrapers expect inside
   * a private network.
   */
  @IsOptional() @IsString() @MinLength(16, { message: 'must be at least 16 characters' })
  bearerToken?: string;
}
