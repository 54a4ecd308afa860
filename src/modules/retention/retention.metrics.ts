import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { MetricsService, sharedWhileInFlight } from '../../core/metrics/metrics.service';
import { RetentionRunStatus } from './entities/retention-run.entity';

/**
 * Purge progress, read when Prometheus scrapes from the newest run's row (its counts grow as each
 * batch commits, so a running purge shows how far it got, and an interrupted one where it stopped).
 */
@Injectable()
export class RetentionMetrics implements OnModuleInit {
  constructor(
    private readonly metrics: MetricsService,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  onModuleInit(): void {
    const newest = sharedWhileInFlight(
      async () =>
        (
          await this.dataSource.query<
            { status: RetentionRunStatus; counts: string | Record<string, number> }[]
          >(`SELECT status, counts FROM retention_runs ORDER BY id DESC LIMIT 1`)
        )[0],
    );
    this.metrics.stateGauge(
      {
        name: 'callwarden_retention_run_rows',
        help: 'Rows the newest retention purge removed so far, by rule (rule:skipped for records it could not remove)',
        labelNames: ['rule'] as const,
      },
      async (gauge) => {
        const run = await newest();
        gauge.reset();
        if (!run) return;
        const counts: Record<string, number> =
          typeof run.counts === 'string'
            ? (JSON.parse(run.counts) as Record<string, number>)
            : run.counts;
        for (const [rule, n] of Object.entries(counts)) gauge.set({ rule }, Number(n));
      },
    );
    this.metrics.stateGauge(
      {
        name: 'callwarden_retention_run_info',
        help: 'Status of the newest retention purge: 1 for its status (running, completed, interrupted), 0 for the others',
        labelNames: ['status'] as const,
      },
      async (gauge) => {
        const run = await newest();
        gauge.reset();
        for (const status of Object.values(RetentionRunStatus))
          gauge.set({ status }, run?.status === status ? 1 : 0);
      },
    );

    this.metrics.stateGauge(
      {
        name: 'callwarden_retention_last_completed_timestamp_seconds',
        help: 'When the last retention purge that completed finished (Unix time; 0: none yet)',
      },
      async (gauge) => {
        const [row] = await this.dataSource.query<{ at: string | null }[]>(
          `SELECT UNIX_TIMESTAMP(MAX(finished_at)) AS at FROM retention_runs WHERE status = ?`,
          [RetentionRunStatus.Completed],
        );
        gauge.set(Number(row?.at ?? 0));
      },
    );
  }
}
