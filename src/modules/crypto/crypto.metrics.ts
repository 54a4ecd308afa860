import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { MetricsService } from '../../core/metrics/metrics.service';
import { ReencryptionStatus } from './entities/reencryption-job.entity';
import { KeyringService } from './services/keyring.service';

/**
 * The crypto module's series, read when Prometheus scrapes: the data key cache's hits and misses
 * (the keyring counts them) and the progress of running re-encryption jobs (their rows).
 */
@Injectable()
export class CryptoMetrics implements OnModuleInit {
  constructor(
    private readonly metrics: MetricsService,
    private readonly keyring: KeyringService,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  onModuleInit(): void {
    this.metrics.stateCounter(
      {
        name: 'callwarden_key_cache_lookups_total',
        help: 'Data key reads by id: hit (unwrapped key in memory) or miss (loaded and unwrapped through the KMS)',
        labelNames: ['result'] as const,
      },
      () => {
        const { hits, misses } = this.keyring.stats();
        return Promise.resolve([
          { labels: { result: 'hit' }, total: hits },
          { labels: { result: 'miss' }, total: misses },
        ]);
      },
    );
    this.metrics.stateGauge(
      {
        name: 'callwarden_reencryption_rows',
        help: 'Rows of running re-encryption jobs by purpose: scanned so far, re-encrypted so far, and total to scan',
        labelNames: ['purpose', 'state'] as const,
      },
      async (gauge) => {
        const jobs = await this.dataSource.query<
          { purpose: string; scanned: number; reencrypted: number; total: number }[]
        >(
          `SELECT purpose, rows_scanned AS scanned, rows_reencrypted AS reencrypted, rows_total AS total
             FROM crypto_reencryption_jobs WHERE status = ?`,
          [ReencryptionStatus.Running],
        );
        gauge.reset();
        for (const job of jobs) {
          gauge.set({ purpose: job.purpose, state: 'scanned' }, Number(job.scanned));
          gauge.set({ purpose: job.purpose, state: 'reencrypted' }, Number(job.reencrypted));
          gauge.set({ purpose: job.purpose, state: 'total' }, Number(job.total));
        }
      },
    );
  }
}
