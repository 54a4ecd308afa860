import { Global, Module } from '@nestjs/common';
import { MetricsService } from './metrics.service';

/** The Prometheus registry (global: every module counts its own events into it). */
@Global()
@Module({ providers: [MetricsService], exports: [MetricsService] })
export class MetricsModule {}
