import { Global, Module } from '@nestjs/common';
import { DiscoveryModule as NestDiscoveryModule, MetadataScanner } from '@nestjs/core';
import { HealthController } from './health.controller';
import { HealthService } from './health.service';
import { MetricsController } from './metrics.controller';
import { DatabaseMetrics } from './database-metrics';
import { MetricsService } from './metrics.service';
import { RouteCatalog } from './route-catalog.service';

/**
 * Health and metrics. Global so any module can add its own metrics to `MetricsService.registry`.
 * Request instrumentation is mounted in bootstrap.ts (`httpMetricsMiddleware`), ahead of the
 * body parsers.
 */
@Global()
@Module({
  imports: [NestDiscoveryModule],
  controllers: [HealthController, MetricsController],
  providers: [HealthService, MetricsService, DatabaseMetrics, RouteCatalog, MetadataScanner],
  exports: [MetricsService, RouteCatalog],
})
export class OpsModule {}
