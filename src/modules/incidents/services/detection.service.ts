import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { RequestContext } from '../../../core/auth/request-context';
import { AppConfigService } from '../../../core/config/app-config.service';
import { SerialPoller } from '../../../core/outbox/outbox-worker';
import { TdeStatusService } from '../../../core/database/tde-status.service';
import { AuditResult } from '../../audit';
import { actorOf } from '../../audit';
import { AuditService } from '../../audit/audit.service';
import { hourBucket, rollupsOf } from '../detection/rollups';
import {
  DetectionEvent,
  effectiveThreshold,
  Hit,
  MatchContext,
  RuleDefinition,
  RULES,
  RULES_BY_KEY,
  RuleSettings,
  windowFor,
} from '../detection/rules';
import { ContainmentKind } from '../entities/incident-action.entity';
import { DetectionRuleEntity } from '../entities/detection-rule.entity';
import { IncidentSource } from '../entities/incident.entity';
import { IncidentsErrorCode, IncidentsException } from '../incidents.exception';
import { ContainmentService } from './containment.service';
import { GeoService } from './geo.service';
import { IncidentsService, SYSTEM_DETECTION } from './incidents.service';

/** A rule with its current settings, as the API lists it. */
export interface DetectionRule extends RuleSettings {
  key: string;
  title: string;
  type: string;
  allowedActions: readonly ContainmentKind[];
  updatedAt: Date | null;
  updatedBy: string | null;
}

export type RuleChanges = Partial<RuleSettings>;

export interface DetectionStatus {
  /** The last audit event the detector has read. */
  cursor: string;
  /** Audit events written but not read yet. */
  lag: number;
  lastPassAt: Date | null;
  lastError: string | null;
}

interface EventRow {
  seq: string;
  occurred_at: Date;
  actor_type: string;
  actor_id: string | null;
  action: string;
  resource_type: string | null;
  resource_id: string | null;
  result: 'success' | 'failure';
  error_code: string | null;
  ip: string | null;
  changes: string | Record<string, unknown> | null;
}

interface CounterRow {
  window_start: Date;
  n: number;
  ref_id: string | null;
  first_seq: string;
}

const BATCH = 500;
const MAX_BATCHES_PER_PASS = 20;
const OVERDUE_EVERY_MS = 60_000;
const CLEANUP_EVERY_MS = 3_600_000;
const TDE_CHECK_EVERY_MS = 600_000;
const FAILURES_BEFORE_ALERT = 5;
/** Counters and members are kept this long after their window (mass-PII baselines read rollups). */
const KEEP_MS = 8 * 86_400_000;

/**
 * Detection reads the audit log, off the request path: a poller takes the next batch of events
 * after the cursor, under a lock on the cursor row (one instance works a batch; the others skip),
 * and in that one transaction counts each event for every rule that matches it (counters in the
 * database, shared by all instances), adds it to the hourly rollups of the security metrics,
 * opens the incidents whose thresholds are crossed (with their actions pending) and moves the
 * cursor. Every event is counted exactly once; the responder then runs the pending actions.
 */
@Injectable()
export class DetectionService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(DetectionService.name);
  private readonly poller = new SerialPoller(this.logger, 'detection');
  private readonly context: MatchContext;
  private lastOverdueAt = 0;
  private lastCleanupAt = 0;
  private lastTdeCheckAt = 0;
  private lastPassAt: Date | null = null;
  private lastError: string | null = null;
  private failures = 0;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfigService,
    private readonly audit: AuditService,
    private readonly incidents: IncidentsService,
    private readonly containment: ContainmentService,
    private readonly tde: TdeStatusService,
    private readonly geo: GeoService,
  ) {
    const [startHour, endHour] = config.get('BUSINESS_HOURS').split('-').map(Number);
    this.context = {
      businessHours: { zone: config.get('BUSINESS_TIME_ZONE'), startHour, endHour },
    };
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.ensureRules();
    if (this.config.get('DETECTION') === 'off' || this.config.get('BACKGROUND_JOBS') === 'off')
      return;
    this.poller.start(this.config.get('DETECTION_INTERVAL_MS'), () => this.pass());
  }

  async onModuleDestroy(): Promise<void> {
    await this.poller.stop();
  }

  /** One pass: read what is new, run pending actions, and now and then the slower chores. */
  async pass(now = new Date()): Promise<void> {
    try {
      for (let i = 0; i < MAX_BATCHES_PER_PASS; i++) if ((await this.processBatch()) < BATCH) break;
      await this.containment.runPending();
      if (now.getTime() - this.lastOverdueAt >= OVERDUE_EVERY_MS) {
        this.lastOverdueAt = now.getTime();
        await this.incidents.alertOverdue(now);
      }
      if (now.getTime() - this.lastTdeCheckAt >= TDE_CHECK_EVERY_MS) {
        this.lastTdeCheckAt = now.getTime();
        await this.checkEncryptionAtRest();
      }
      if (now.getTime() - this.lastCleanupAt >= CLEANUP_EVERY_MS) {
        this.lastCleanupAt = now.getTime();
        await this.cleanup(now);
      }
      this.lastPassAt = new Date();
      this.lastError = null;
      this.failures = 0;
    } catch (e) {
      // Not a silent warning: the metrics show the detector failing and how far behind it is, and
      // a detector that keeps failing (a poison event, a broken rule) is a critical event.
      this.lastError = e instanceof Error ? e.name : 'error';
      this.failures++;
      this.logger.error(`detection pass failed: ${e instanceof Error ? e.message : 'unknown'}`);
      if (this.failures === FAILURES_BEFORE_ALERT)
        await this.audit
          .record({
            action: 'detection.failing',
            actor: SYSTEM_DETECTION,
            result: AuditResult.Failure,
            errorCode: this.lastError.slice(0, 64),
            changes: { consecutiveFailures: this.failures },
          })
          .catch(() => undefined); // the database itself may be what fails: the log line stays
      throw e;
    }
  }

  /**
   * Reads and counts the next batch; returns how many events it read (0 when another instance
   * holds the cursor or nothing is new).
   */
  async processBatch(limit = BATCH): Promise<number> {
    return this.dataSource.transaction(async (m) => {
      const [cursor] = await m.query<{ last_seq: string }[]>(
        'SELECT last_seq FROM detection_cursor WHERE id = 1 FOR UPDATE SKIP LOCKED',
      );
      if (!cursor) return 0;
      const rows = await m.query<EventRow[]>(
        `SELECT seq, occurred_at, actor_type, actor_id, action, resource_type, resource_id, result,
                error_code, ip, changes
           FROM audit_events WHERE seq > ? ORDER BY seq LIMIT ?`,
        [cursor.last_seq, limit],
      );
      if (rows.length === 0) return 0;
      const settings = await this.settings(m);
      const rollups = new Map<string, number>();
      for (const row of rows) {
        const event = toEvent(row);
        const signals = rollupsOf(event);
        if (signals.some((r) => r.metric === 'signin_ok')) await this.geo.enrich(m, event);
        for (const r of signals) {
          const key = `${hourBucket(event.occurredAt)}\u0000${r.metric}\u0000${r.dim}`;
          rollups.set(key, (rollups.get(key) ?? 0) + r.count);
        }
        for (const rule of RULES) {
          const s = settings.get(rule.key);
          if (!s?.enabled) continue;
          const hit = rule.match(event, this.context);
          if (hit) await this.count(m, rule, s, hit, event);
        }
      }
      await this.flushRollups(m, rollups);
      await m.query('UPDATE detection_cursor SET last_seq = ?, updated_at = ? WHERE id = 1', [
        rows[rows.length - 1].seq,
        new Date(),
      ]);
      return rows.length;
    });
  }

  /** Every rule with its settings. */
  async rules(): Promise<DetectionRule[]> {
    const rows = new Map(
      (await this.dataSource.getRepository(DetectionRuleEntity).find()).map((r) => [r.key, r]),
    );
    return RULES.map((def) => {
      const row = rows.get(def.key);
      return {
        key: def.key,
        title: def.title,
        type: def.type,
        allowedActions: def.allowedActions,
        ...(row ? settingsOf(row) : def.defaults),
        updatedAt: row?.updatedAt ?? null,
        updatedBy: row?.updatedBy ?? null,
      };
    });
  }

  /** An admin's change to a rule's settings, audited (and forwarded to the SIEM). */
  async updateRule(ctx: RequestContext, key: string, changes: RuleChanges): Promise<DetectionRule> {
    const def = RULES_BY_KEY.get(key);
    if (!def)
      throw new IncidentsException(
        IncidentsErrorCode.UNKNOWN_RULE,
        'No detection rule has this key',
      );
    for (const action of changes.actions ?? [])
      if (!def.allowedActions.includes(action) || !ContainmentService.automatable(action))
        throw new IncidentsException(
          IncidentsErrorCode.ACTION_NOT_ALLOWED,
          `The rule ${key} cannot take the action ${action}`,
        );
    const actor = actorOf(ctx);
    await this.dataSource.transaction(async (m) => {
      const repo = m.getRepository(DetectionRuleEntity);
      const row = await repo.findOne({ where: { key }, lock: { mode: 'pessimistic_write' } });
      const before = row ? settingsOf(row) : def.defaults;
      const after: RuleSettings = {
        ...before,
        ...Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined)),
      };
      after.actions = [...new Set(after.actions)];
      await repo.save({ key, ...after, updatedAt: new Date(), updatedBy: actor.id ?? null });
      await this.audit.record(
        {
          action: 'detection.rule_changed',
          actor,
          resourceType: 'DetectionRule',
          resourceId: key,
          changes: { before: { ...before }, after: { ...after } },
        },
        m,
      );
    });
    return (await this.rules()).find((r) => r.key === key)!;
  }

  async status(): Promise<DetectionStatus> {
    const [row] = await this.dataSource.query<{ last_seq: string; head: string | null }[]>(
      `SELECT c.last_seq AS last_seq, (SELECT MAX(seq) FROM audit_events) AS head
         FROM detection_cursor c WHERE c.id = 1`,
    );
    const cursor = row?.last_seq ?? '0';
    return {
      cursor: String(cursor),
      lag: Math.max(0, Number(row?.head ?? 0) - Number(cursor)),
      lastPassAt: this.lastPassAt,
      lastError: this.lastError,
    };
  }

  /**
   * Encryption at rest, re-read from the server every 10 minutes: a table or log that is not
   * encrypted (REQUIRE_TDE off, or changed since boot) becomes an audit event, which the
   * key_failure rule turns into a critical incident.
   */
  private async checkEncryptionAtRest(): Promise<void> {
    const status = await this.tde.status();
    if (status.ok) return;
    await this.audit.record({
      action: 'system.tde_incomplete',
      actor: SYSTEM_DETECTION,
      result: AuditResult.Failure,
      resourceType: 'Database',
      changes: {
        unencryptedTables: status.tables.filter((t) => !t.encrypted).map((t) => t.table),
      },
    });
  }

  /** Stores the defaults of rules the table does not have yet (a new release's rules). */
  private async ensureRules(): Promise<void> {
    for (const def of RULES)
      await this.dataSource.query(
        `INSERT IGNORE INTO detection_rules
           (rule_key, enabled, threshold, window_seconds, severity, actions, block_minutes, updated_at, updated_by)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)`,
        [
          def.key,
          def.defaults.enabled,
          def.defaults.threshold,
          def.defaults.windowSeconds,
          def.defaults.severity,
          JSON.stringify(def.defaults.actions),
          def.defaults.blockMinutes,
          new Date(),
        ],
      );
  }

  private async settings(m: EntityManager): Promise<Map<string, RuleSettings>> {
    const rows = await m.getRepository(DetectionRuleEntity).find();
    const map = new Map(rows.map((r) => [r.key, settingsOf(r)]));
    for (const def of RULES) if (!map.has(def.key)) map.set(def.key, def.defaults);
    return map;
  }

  /**
   * Counts one hit in its subject's window and opens the rule's incident when the count reaches
   * the threshold (exactly then: later hits in the window add nothing).
   */
  private async count(
    m: EntityManager,
    rule: RuleDefinition,
    s: RuleSettings,
    hit: Hit,
    e: DetectionEvent,
  ): Promise<void> {
    const [current] = await m.query<CounterRow[]>(
      'SELECT window_start, n, ref_id, first_seq FROM detection_counters WHERE rule_key = ? AND subject = ? FOR UPDATE',
      [rule.key, hit.subject],
    );
    const window = windowFor(
      current ? { windowStart: current.window_start } : null,
      e.occurredAt,
      s.windowSeconds,
    );
    if (rule.distinct) {
      // A member counts once per window: seen before in this window, nothing changes.
      const [seen] = await m.query<{ seen_at: Date }[]>(
        'SELECT seen_at FROM detection_members WHERE rule_key = ? AND subject = ? AND member = ?',
        [rule.key, hit.subject, hit.member ?? ''],
      );
      await m.query(
        `INSERT INTO detection_members (rule_key, subject, member, seen_at) VALUES (?, ?, ?, ?)
         ON DUPLICATE KEY UPDATE seen_at = VALUES(seen_at)`,
        [rule.key, hit.subject, hit.member ?? '', e.occurredAt],
      );
      if (!window.fresh && seen && seen.seen_at >= window.windowStart) return;
    }
    const n = window.fresh ? 1 : Number(current.n) + 1;
    const refId = hit.refId ?? (window.fresh ? null : current?.ref_id) ?? null;
    const firstSeq = window.fresh ? e.seq : String(current.first_seq);
    await m.query(
      `INSERT INTO detection_counters (rule_key, subject, window_start, n, ref_id, first_seq)
       VALUES (?, ?, ?, ?, ?, ?)
       ON DUPLICATE KEY UPDATE window_start = VALUES(window_start), n = VALUES(n),
         ref_id = VALUES(ref_id), first_seq = VALUES(first_seq)`,
      [rule.key, hit.subject, window.windowStart, n, refId, firstSeq],
    );
    if (n !== (await this.thresholdOf(m, rule, s, hit, n))) return;
    await this.trigger(m, rule, s, { ...hit, refId }, e, window.windowStart, n, firstSeq);
  }

  /** The rule's threshold, raised to its multiple of the subject's weekly baseline where it has one. */
  private async thresholdOf(
    m: EntityManager,
    rule: RuleDefinition,
    s: RuleSettings,
    hit: Hit,
    n: number,
  ): Promise<number> {
    if (!rule.baselineFactor || n < s.threshold || !hit.refId) return s.threshold;
    // Reads per hour over the 7 days before this hour, from the rollups (an indexed range).
    const [row] = await m.query<{ total: string | null }[]>(
      `SELECT SUM(n) AS total FROM security_rollups
        WHERE metric = 'pii_access' AND dim = ? AND bucket >= ? AND bucket < ?`,
      [hit.refId, new Date(Date.now() - 7 * 86_400_000), new Date(Date.now() - 3_600_000)],
    );
    const perWindow = (Number(row?.total ?? 0) / (7 * 24)) * (s.windowSeconds / 3600);
    return effectiveThreshold(rule, s.threshold, perWindow);
  }

  private async trigger(
    m: EntityManager,
    rule: RuleDefinition,
    s: RuleSettings,
    hit: Hit,
    e: DetectionEvent,
    windowStart: Date,
    n: number,
    firstSeq: string,
  ): Promise<void> {
    const [first] = await m.query<{ occurred_at: Date }[]>(
      'SELECT occurred_at FROM audit_events WHERE seq = ?',
      [firstSeq],
    );
    const userTarget = hit.refId && hit.subject.match(/^(user|account|actor):/) ? hit.refId : null;
    const incident = await this.incidents.open(
      m,
      {
        type: rule.type,
        severity: s.severity,
        title: rule.title,
        description: describe(rule, s, n),
        affectedUsers: userTarget ? [userTarget] : [],
        affectedSystems: hit.subject.startsWith('api_key:') ? [hit.subject] : [],
        source: IncidentSource.Detection,
        ruleKey: rule.key,
        subject: hit.subject.slice(0, 128),
        dedupeKey: `${rule.key}:${hit.subject}:${windowStart.toISOString()}`.slice(0, 191),
        firstEventAt: first?.occurred_at ?? e.occurredAt,
        detectedAt: new Date(),
        evidence: firstSeq === e.seq ? [e.seq] : [firstSeq, e.seq],
        detection: {
          rule: rule.key,
          subject: hit.subject,
          count: n,
          threshold: s.threshold,
          windowSeconds: s.windowSeconds,
          windowStart,
          distinct: rule.distinct,
        },
      },
      SYSTEM_DETECTION,
    );
    if (!incident) return;
    for (const kind of s.actions) {
      const target = targetOf(kind, hit);
      if (!target) {
        this.logger.warn(`rule ${rule.key}: ${kind} has no target for this subject`);
        continue;
      }
      await this.containment.enqueue(
        m,
        {
          incidentId: incident.id,
          kind,
          target,
          params: kind === ContainmentKind.BlockAddress ? { minutes: s.blockMinutes } : {},
        },
        SYSTEM_DETECTION,
      );
    }
  }

  private async flushRollups(m: EntityManager, rollups: Map<string, number>): Promise<void> {
    if (rollups.size === 0) return;
    const values = [...rollups].map(([key, n]) => [...key.split('\u0000'), n]);
    await m.query(
      `INSERT INTO security_rollups (bucket, metric, dim, n) VALUES ?
       ON DUPLICATE KEY UPDATE n = n + VALUES(n)`,
      [values],
    );
  }

  private async cleanup(now: Date): Promise<void> {
    const before = new Date(now.getTime() - KEEP_MS);
    await this.dataSource.query(
      'DELETE FROM detection_counters WHERE window_start < ? LIMIT 10000',
      [before],
    );
    await this.dataSource.query('DELETE FROM detection_members WHERE seen_at < ? LIMIT 10000', [
      before,
    ]);
  }
}

function toEvent(row: EventRow): DetectionEvent {
  return {
    seq: String(row.seq),
    occurredAt: row.occurred_at,
    actorType: row.actor_type,
    actorId: row.actor_id,
    action: row.action,
    resourceType: row.resource_type,
    resourceId: row.resource_id,
    result: row.result,
    errorCode: row.error_code,
    ip: row.ip,
    changes:
      typeof row.changes === 'string'
        ? (JSON.parse(row.changes) as Record<string, unknown>)
        : row.changes,
  };
}

function settingsOf(row: DetectionRuleEntity): RuleSettings {
  return {
    enabled: Boolean(row.enabled),
    threshold: row.threshold,
    windowSeconds: row.windowSeconds,
    severity: row.severity,
    actions: row.actions as ContainmentKind[],
    blockMinutes: row.blockMinutes,
  };
}

/** What an action acts on for this hit: the address for blocks, the user or key for the rest. */
function targetOf(kind: ContainmentKind, hit: Hit): string | null {
  if (kind === ContainmentKind.BlockAddress)
    return hit.subject.startsWith('ip:') ? hit.subject.slice(3) : null;
  if (kind === ContainmentKind.RevokeApiKey)
    return hit.subject.startsWith('api_key:') ? (hit.refId ?? null) : null;
  return hit.subject.startsWith('ip:') || hit.subject.startsWith('api_key:')
    ? null
    : (hit.refId ?? null);
}

function describe(rule: RuleDefinition, s: RuleSettings, n: number): string {
  const what = rule.distinct ? 'distinct accounts' : 'events';
  const minutes = Math.round(s.windowSeconds / 60);
  return `Detection rule ${rule.key}: ${n} ${what} within ${minutes} minutes (threshold ${s.threshold}). The timeline links the audit events.`;
}
