import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, IsNull } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { AppConfigService } from '../../../core/config/app-config.service';
import { RefreshTokenEntity } from '../entities/refresh-token.entity';
import { SessionEntity } from '../entities/session.entity';
import { randomToken, sha256 } from '../utils/secrets';

export interface NewSession {
  userId: string;
  amr: string[];
  ip: string | null;
  userAgent: string | null;
  mfaVerified: boolean;
  enrollmentOnly?: boolean;
}

export interface LiveEntry {
  live: boolean;
  /** Whose session it is: a token naming this session must name this user. */
  userId: string | null;
  mfaVerifiedAt: Date | null;
  /** The user's current role and team: a role or team change applies within the cache time. */
  role: string | null;
  teamId: string | null;
  checkedAt: number;
}

interface LiveRow {
  user_id: string;
  revoked_at: Date | null;
  last_seen_at: Date;
  expires_at: Date;
  mfa_verified_at: Date | null;
  role: string;
  team_id: string | null;
  status: string;
}

/** How long a "session is live" answer may be reused: revocation takes effect within this. */
const LIVE_CACHE_MS = 2000;
/** How often a live session's last_seen_at is written (idle expiry is counted in minutes). */
const TOUCH_EVERY_MS = 60_000;

/** Sessions and their rotating refresh tokens. */
@Injectable()
export class SessionService {
  private readonly live = new Map<string, LiveEntry>();
  private readonly touched = new Map<string, number>();
  private readonly logger = new Logger(SessionService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfigService,
  ) {}

  async create(
    input: NewSession,
    manager: EntityManager,
  ): Promise<{ session: SessionEntity; refreshToken: string }> {
    const now = new Date();
    const repo = manager.getRepository(SessionEntity);
    const session = await repo.save(
      repo.create({
        id: uuidv7(),
        userId: input.userId,
        createdAt: now,
        lastSeenAt: now,
        ip: input.ip,
        userAgent: input.userAgent,
        expiresAt: new Date(now.getTime() + this.config.get('SESSION_MAX_HOURS') * 3_600_000),
        revokedAt: null,
        revokedReason: null,
        amr: input.amr,
        authTime: now,
        mfaVerifiedAt: input.mfaVerified ? now : null,
        enrollmentOnly: input.enrollmentOnly ?? false,
      }),
    );
    return { session, refreshToken: await this.issueRefreshToken(session, manager) };
  }

  async issueRefreshToken(session: SessionEntity, manager: EntityManager): Promise<string> {
    const token = randomToken();
    await manager.getRepository(RefreshTokenEntity).insert({
      id: uuidv7(),
      sessionId: session.id,
      tokenHash: sha256(token),
      createdAt: new Date(),
      expiresAt: session.expiresAt,
      usedAt: null,
    });
    return token;
  }

  /** Finds a refresh token for rotation, locking it so two concurrent uses cannot both succeed. */
  findRefreshToken(token: string, manager: EntityManager): Promise<RefreshTokenEntity | null> {
    return manager.getRepository(RefreshTokenEntity).findOne({
      where: { tokenHash: sha256(token) },
      lock: { mode: 'pessimistic_write' },
    });
  }

  findById(id: string, manager?: EntityManager): Promise<SessionEntity | null> {
    return (manager ?? this.dataSource.manager).getRepository(SessionEntity).findOneBy({ id });
  }

  /** Whether a session has gone SESSION_IDLE_MINUTES without a request or a refresh. */
  idle(lastSeenAt: Date): boolean {
    return lastSeenAt.getTime() <= Date.now() - this.config.get('SESSION_IDLE_MINUTES') * 60_000;
  }

  /**
   * Whether a session may still be used (cached for at most two seconds): not revoked, not past
   * its absolute end, not idle, its user active. A live session's activity is recorded (at most
   * once a minute) so it stays alive while used.
   */
  async check(sessionId: string): Promise<LiveEntry> {
    const entry = await this.liveEntry(sessionId);
    if (entry.live) this.touch(sessionId);
    return entry;
  }

  /**
   * Drops the cached liveness of every session (or one): the next request reads the database.
   * For changes made to sessions outside this process (an operator's SQL, another instance's
   * revocation already reaches here within the cache time); the tests use it instead of waiting.
   */
  forgetCachedLiveness(sessionId?: string): void {
    if (sessionId) this.live.delete(sessionId);
    else this.live.clear();
  }

  private touch(sessionId: string): void {
    const now = Date.now();
    if (now - (this.touched.get(sessionId) ?? 0) < TOUCH_EVERY_MS) return;
    if (this.touched.size > 100_000) this.touched.clear();
    this.touched.set(sessionId, now);
    // A lost update can only end a session early (fail-safe): logged, not raised.
    this.dataSource
      .query('UPDATE sessions SET last_seen_at = NOW(3) WHERE id = ? AND revoked_at IS NULL', [
        sessionId,
      ])
      .catch((e: unknown) =>
        this.logger.warn(`session activity not recorded: ${e instanceof Error ? e.name : 'error'}`),
      );
  }

  private async liveEntry(sessionId: string): Promise<LiveEntry> {
    const cached = this.live.get(sessionId);
    if (cached && Date.now() - cached.checkedAt < LIVE_CACHE_MS) return cached;
    const [row] = await this.dataSource.query<LiveRow[]>(
      `SELECT s.user_id, s.revoked_at, s.expires_at, s.last_seen_at, s.mfa_verified_at, u.role, u.team_id, u.status
         FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = ?`,
      [sessionId],
    );
    const entry: LiveEntry = {
      live: Boolean(
        row &&
        !row.revoked_at &&
        row.expires_at.getTime() > Date.now() &&
        !this.idle(row.last_seen_at) &&
        row.status === 'active',
      ),
      userId: row?.user_id ?? null,
      mfaVerifiedAt: row?.mfa_verified_at ?? null,
      role: row?.role ?? null,
      teamId: row?.team_id ?? null,
      checkedAt: Date.now(),
    };
    if (this.live.size > 100_000) this.live.clear();
    this.live.set(sessionId, entry);
    return entry;
  }

  async revoke(sessionId: string, reason: string, manager?: EntityManager): Promise<boolean> {
    const result = await (manager ?? this.dataSource.manager)
      .getRepository(SessionEntity)
      .update(
        { id: sessionId, revokedAt: IsNull() },
        { revokedAt: new Date(), revokedReason: reason },
      );
    this.live.delete(sessionId);
    return (result.affected ?? 0) > 0;
  }

  /** Revokes every live session of a user, except `keep`; returns how many. */
  async revokeAllForUser(
    userId: string,
    reason: string,
    manager?: EntityManager,
    keep?: string,
  ): Promise<number> {
    const repo = (manager ?? this.dataSource.manager).getRepository(SessionEntity);
    const sessions = await repo.findBy({ userId, revokedAt: IsNull() });
    const targets = sessions.filter((s) => s.id !== keep);
    for (const s of targets) {
      await repo.update({ id: s.id }, { revokedAt: new Date(), revokedReason: reason });
      this.live.delete(s.id);
    }
    return targets.length;
  }

  async markMfaVerified(sessionId: string, manager?: EntityManager): Promise<void> {
    await (manager ?? this.dataSource.manager)
      .getRepository(SessionEntity)
      .update({ id: sessionId }, { mfaVerifiedAt: new Date() });
    this.live.delete(sessionId);
  }

  listForUser(userId: string): Promise<SessionEntity[]> {
    return this.dataSource.getRepository(SessionEntity).find({
      where: { userId, revokedAt: IsNull() },
      order: { lastSeenAt: 'DESC' },
      take: 200,
    });
  }
}
