import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfigService } from '../../../core/config/app-config.service';
import { TdeStatusService } from '../../../core/database/tde-status.service';
import { IncidentsErrorCode, IncidentsException } from '../incidents.exception';
import { DetectionService, DetectionStatus } from './detection.service';

export interface Count {
  key: string;
  count: number;
}

export interface SecurityMetrics {
  from: Date;
  to: Date;
  /** The instant the point-in-time figures (dormant, near expiry, open, overdue) are taken at. */
  at: Date;
  signInsOk: number;
  signInsFailed: number;
  signInFailuresByReason: Count[];
  lockouts: number;
  failedAuthorizations: number;
  mfaAdoption: { role: string; users: number; withMfa: number }[];
  dormantAccounts: number;
  apiKeysNearExpiry: number;
  incidentsBySeverity: Count[];
  incidentsByStatus: Count[];
  openIncidents: number;
  /** Seconds, over the incidents detected (resolved, for MTTR) in the period; null when none. */
  meanTimeToDetect: number | null;
  meanTimeToAcknowledge: number | null;
  meanTimeToResolve: number | null;
  dataSubjectRequestsOpen: number;
  dataSubjectRequestsOverdue: number;
  purgeRuns: Count[];
  auditChain: {
    headSeq: string;
    lastVerifiedAt: Date | null;
    lastVerificationOk: boolean | null;
    lastCheckpointSeq: string | null;
    lastCheckpointAt: Date | null;
  };
  encryptionAtRest: { ok: boolean; checkedAt: Date };
  detection: DetectionStatus;
}

const MAX_PERIOD_MS = 366 * 86_400_000;
const TDE_CACHE_MS = 60_000;

/** The start of the hour `at` falls in (the rollups' granularity). */
function hourOf(at: Date): Date {
  return new Date(Math.floor(at.getTime() / 3_600_000) * 3_600_000);
}

/**
 * The security dashboard in one call, cheap enough to poll every 30 seconds: event counts come from
 * the hourly rollups detection keeps (an indexed range of a few rows per hour, never the audit log
 * itself), the rest from small tables through indexed ranges (see the bench's query plans).
 * Counts cover the hours that start in [from, to) (`from` rounds down to its hour).
 */
@Injectable()
export class SecurityMetricsService {
  private tde: { ok: boolean; checkedAt: Date } | null = null;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfigService,
    private readonly tdeStatus: TdeStatusService,
    private readonly detection: DetectionService,
  ) {}

  async metrics(from: Date, to: Date, at = new Date()): Promise<SecurityMetrics> {
    if (!(from < to) || to.getTime() - from.getTime() > MAX_PERIOD_MS)
      throw new IncidentsException(
        IncidentsErrorCode.INVALID_PERIOD,
        '`from` must be before `to`, at most 366 days apart',
      );
    const q = <T>(sql: string, params: unknown[] = []) => this.dataSource.query<T>(sql, params);
    const start = hourOf(from);
    const dormantBefore = new Date(
      at.getTime() - this.config.get('DORMANT_ACCOUNT_DAYS') * 86_400_000,
    );
    const expiringBy = new Date(
      at.getTime() + this.config.get('API_KEY_EXPIRY_WARNING_DAYS') * 86_400_000,
    );
    const [
      rollups,
      mfa,
      [dormant],
      [keys],
      incidentCounts,
      [open],
      [times],
      [mttr],
      [dsr],
      purges,
      [head],
      [verified],
      [checkpoint],
      tde,
      detection,
    ] = await Promise.all([
      q<{ metric: string; dim: string; n: string }[]>(
        `SELECT metric, dim, SUM(n) AS n FROM security_rollups
          WHERE bucket >= ? AND bucket < ? AND metric IN ('signin_ok','signin_failed','lockout','authz_denied')
          GROUP BY metric, dim`,
        [start, to],
      ),
      q<{ role: string; users: string; with_mfa: string }[]>(
        `SELECT role, COUNT(*) AS users, SUM(mfa_enabled) AS with_mfa FROM users
          WHERE status = 'active' GROUP BY role ORDER BY role`,
      ),
      q<{ n: string }[]>(
        `SELECT COUNT(*) AS n FROM users
          WHERE status = 'active' AND COALESCE(last_login_at, created_at) < ?`,
        [dormantBefore],
      ),
      q<{ n: string }[]>(
        `SELECT COUNT(*) AS n FROM api_keys
          WHERE revoked_at IS NULL AND expires_at >= ? AND expires_at < ?`,
        [at, expiringBy],
      ),
      q<{ severity: string; status: string; n: string }[]>(
        `SELECT severity, status, COUNT(*) AS n FROM incidents
          WHERE detected_at >= ? AND detected_at < ? GROUP BY severity, status`,
        [from, to],
      ),
      q<{ n: string }[]>(
        "SELECT COUNT(*) AS n FROM incidents WHERE status IN ('open','investigating','contained')",
      ),
      q<{ mttd: string | null; mtta: string | null }[]>(
        `SELECT AVG(TIMESTAMPDIFF(MICROSECOND, first_event_at, detected_at)) / 1e6 AS mttd,
                AVG(TIMESTAMPDIFF(MICROSECOND, detected_at, acknowledged_at)) / 1e6 AS mtta
           FROM incidents WHERE detected_at >= ? AND detected_at < ?`,
        [from, to],
      ),
      q<{ mttr: string | null }[]>(
        `SELECT AVG(TIMESTAMPDIFF(MICROSECOND, detected_at, resolved_at)) / 1e6 AS mttr
           FROM incidents WHERE resolved_at >= ? AND resolved_at < ?`,
        [from, to],
      ),
      q<{ open: string; overdue: string }[]>(
        `SELECT COUNT(*) AS open, COALESCE(SUM(due_at < ?), 0) AS overdue
           FROM data_subject_requests WHERE status = 'received'`,
        [at],
      ),
      q<{ status: string; n: string }[]>(
        `SELECT status, COUNT(*) AS n FROM retention_runs
          WHERE started_at >= ? AND started_at < ? GROUP BY status ORDER BY status`,
        [from, to],
      ),
      q<{ last_seq: string }[]>('SELECT last_seq FROM audit_chain_head WHERE id = 1'),
      q<{ action: string; occurred_at: Date }[]>(
        `SELECT action, occurred_at FROM audit_events
          WHERE action IN ('audit.verified', 'audit.verification_failed')
          ORDER BY seq DESC LIMIT 1`,
      ),
      q<{ upto_seq: string; created_at: Date }[]>(
        'SELECT upto_seq, created_at FROM audit_checkpoints ORDER BY id DESC LIMIT 1',
      ),
      this.encryption(at),
      this.detection.status(),
    ]);
    const sum = (metric: string) =>
      rollups.filter((r) => r.metric === metric).reduce((t, r) => t + Number(r.n), 0);
    const byKey = (rows: { key: string; n: string | number }[]): Count[] => {
      const totals = new Map<string, number>();
      for (const r of rows) totals.set(r.key, (totals.get(r.key) ?? 0) + Number(r.n));
      return [...totals]
        .map(([key, count]) => ({ key, count }))
        .sort((a, b) => a.key.localeCompare(b.key));
    };
    const seconds = (v: string | null | undefined) =>
      v === null || v === undefined ? null : Number(v);
    return {
      from,
      to,
      at,
      signInsOk: sum('signin_ok'),
      signInsFailed: sum('signin_failed'),
      signInFailuresByReason: byKey(
        rollups
          .filter((r) => r.metric === 'signin_failed')
          .map((r) => ({ key: r.dim || 'UNKNOWN', n: r.n })),
      ),
      lockouts: sum('lockout'),
      failedAuthorizations: sum('authz_denied'),
      mfaAdoption: mfa.map((r) => ({
        role: r.role,
        users: Number(r.users),
        withMfa: Number(r.with_mfa),
      })),
      dormantAccounts: Number(dormant.n),
      apiKeysNearExpiry: Number(keys.n),
      incidentsBySeverity: byKey(incidentCounts.map((r) => ({ key: r.severity, n: r.n }))),
      incidentsByStatus: byKey(incidentCounts.map((r) => ({ key: r.status, n: r.n }))),
      openIncidents: Number(open.n),
      meanTimeToDetect: seconds(times?.mttd),
      meanTimeToAcknowledge: seconds(times?.mtta),
      meanTimeToResolve: seconds(mttr?.mttr),
      dataSubjectRequestsOpen: Number(dsr.open),
      dataSubjectRequestsOverdue: Number(dsr.overdue),
      purgeRuns: byKey(purges.map((r) => ({ key: r.status, n: r.n }))),
      auditChain: {
        headSeq: String(head?.last_seq ?? '0'),
        lastVerifiedAt: verified?.occurred_at ?? null,
        lastVerificationOk: verified ? verified.action === 'audit.verified' : null,
        lastCheckpointSeq: checkpoint ? String(checkpoint.upto_seq) : null,
        lastCheckpointAt: checkpoint?.created_at ?? null,
      },
      encryptionAtRest: tde,
      detection,
    };
  }

  /** Encryption at rest reads the server's catalog: cached for a minute. */
  private async encryption(at: Date): Promise<{ ok: boolean; checkedAt: Date }> {
    if (this.tde && Math.abs(at.getTime() - this.tde.checkedAt.getTime()) < TDE_CACHE_MS)
      return this.tde;
    const status = await this.tdeStatus.status();
    this.tde = { ok: status.ok, checkedAt: at };
    return this.tde;
  }
}
