import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import type { RequestContext } from '../../../core/auth/request-context';
import { AppException } from '../../../core/errors/error-code';
import { claimWithLease } from '../../../core/outbox/outbox-worker';
import { actorOf } from '../../audit';
import type { AuditActor } from '../../audit';
import { AuditService } from '../../audit/audit.service';
import { CryptoService } from '../../crypto/crypto.service';
import { ApiKeyAdminService } from '../../identity/services/api-key-admin.service';
import { UserAdminService } from '../../identity/services/user-admin.service';
import { CampaignStatus } from '../../outreach';
import { CampaignsService } from '../../outreach/services/campaigns.service';
import {
  ActionStatus,
  ContainmentKind,
  IncidentActionEntity,
} from '../entities/incident-action.entity';
import { TimelineKind } from '../entities/incident-timeline.entity';
import { IncidentsErrorCode, IncidentsException } from '../incidents.exception';
import { AddressBlocksService, parseCidr } from './address-blocks.service';
import { IncidentsService } from './incidents.service';

export interface ContainmentRequest {
  incidentId: string | null;
  kind: ContainmentKind;
  target: string;
  /** block_address: minutes. */
  params?: Record<string, unknown>;
}

/** Actions that need a person's request context (their rights decide): never taken by a rule. */
const MANUAL_ONLY = new Set([ContainmentKind.PauseCampaign, ContainmentKind.RotateDataKey]);
const REVERSIBLE = new Set([
  ContainmentKind.BlockAddress,
  ContainmentKind.DisableUser,
  ContainmentKind.PauseCampaign,
]);
const USER_TARGETED = new Set([
  ContainmentKind.DisableUser,
  ContainmentKind.ForcePasswordReset,
  ContainmentKind.ForceMfaReenrollment,
]);
const LEASE_SECONDS = 60;
const MAX_ATTEMPTS = 5;
const DEFAULT_BLOCK_MINUTES = 60;

type Outcome = {
  status: ActionStatus.Applied | ActionStatus.Skipped;
  outcome: string;
  params?: Record<string, unknown>;
};

/**
 * Containment: block an address, disable a user, revoke an API key, force a password reset or MFA
 * re-enrollment, rotate a data key, pause a campaign. A person's action runs at once; a rule's is
 * written `pending` with its incident and run by the responder after the commit (at least once,
 * each action idempotent). Every outcome, failures included, is a timeline entry and an audit
 * event; a failed automated action is critical (the SIEM hears of it).
 */
@Injectable()
export class ContainmentService {
  private readonly logger = new Logger(ContainmentService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly incidents: IncidentsService,
    private readonly blocks: AddressBlocksService,
    private readonly userAdmin: UserAdminService,
    private readonly apiKeys: ApiKeyAdminService,
    private readonly crypto: CryptoService,
    private readonly campaigns: CampaignsService,
  ) {}

  /** Writes a rule's action as pending, in the transaction that opens its incident. */
  async enqueue(
    m: EntityManager,
    request: ContainmentRequest,
    actor: AuditActor,
  ): Promise<IncidentActionEntity> {
    const row = this.newRow(
      { ...request, target: this.normalizeTarget(request.kind, request.target) },
      actor,
    );
    await m.getRepository(IncidentActionEntity).save(row);
    return row;
  }

  /** A person's action: validated, run now, its outcome returned (a failure is thrown). */
  async applyNow(ctx: RequestContext, request: ContainmentRequest): Promise<IncidentActionEntity> {
    if (request.incidentId) await this.incidents.require(request.incidentId);
    const target = this.normalizeTarget(request.kind, request.target);
    if (request.kind === ContainmentKind.BlockAddress && this.blocks.isOffice(target))
      throw new IncidentsException(
        IncidentsErrorCode.ADDRESS_ALLOW_LISTED,
        'Office addresses (LOGIN_IP_ALLOWLIST) are never blocked',
      );
    if (USER_TARGETED.has(request.kind) && target === ctx.principal.userId)
      throw new IncidentsException(
        IncidentsErrorCode.ACTION_NOT_ALLOWED,
        'Containment is not taken against your own account',
      );
    // Written only once it is done: a refused action (no such user, key or campaign) writes
    // nothing, and the operation capture audits the refusal.
    return this.apply(this.newRow({ ...request, target }, actorOf(ctx)), ctx, true);
  }

  /**
   * Runs pending actions (the responder): claimed with a lease so two instances never run the same
   * one; a transient failure leaves it pending for the next pass, up to MAX_ATTEMPTS.
   */
  async runPending(limit = 20): Promise<number> {
    const rows = await claimWithLease(
      this.dataSource,
      'incident_actions',
      (m) =>
        m
          .getRepository(IncidentActionEntity)
          .createQueryBuilder('a')
          .where("a.status = 'pending'")
          .andWhere('(a.locked_until IS NULL OR a.locked_until < NOW(3))')
          .orderBy('a.requested_at', 'ASC')
          .limit(limit),
      LEASE_SECONDS,
    );
    for (const row of rows) await this.apply(row, null, false);
    return rows.length;
  }

  /** Undoes an applied action where that makes sense (a block, a disabled user, a pause). */
  async reverse(
    ctx: RequestContext,
    actionId: string,
    reason: string,
  ): Promise<IncidentActionEntity> {
    const actor = actorOf(ctx);
    const row = await this.dataSource
      .getRepository(IncidentActionEntity)
      .findOneBy({ id: actionId });
    if (!row)
      throw new IncidentsException(
        IncidentsErrorCode.ACTION_NOT_FOUND,
        'Containment action not found',
      );
    if (!REVERSIBLE.has(row.kind))
      throw new IncidentsException(
        IncidentsErrorCode.ACTION_NOT_REVERSIBLE,
        `A ${row.kind} action cannot be reversed`,
      );
    if (row.status !== ActionStatus.Applied)
      throw new IncidentsException(
        IncidentsErrorCode.ACTION_NOT_APPLIED,
        'Only an applied action can be reversed',
      );
    if (row.kind === ContainmentKind.DisableUser) await this.userAdmin.unlock(row.target);
    if (row.kind === ContainmentKind.PauseCampaign)
      await this.campaigns.transition(ctx, row.target, CampaignStatus.Running);
    await this.dataSource.transaction(async (m) => {
      const claimed = await m
        .getRepository(IncidentActionEntity)
        .update(
          { id: row.id, status: ActionStatus.Applied },
          { status: ActionStatus.Reversed, reversedAt: new Date(), reversedBy: actor.id ?? null },
        );
      if ((claimed.affected ?? 0) !== 1)
        throw new IncidentsException(
          IncidentsErrorCode.ACTION_NOT_APPLIED,
          'Only an applied action can be reversed',
        );
      if (row.kind === ContainmentKind.BlockAddress && typeof row.params.blockId === 'string')
        await this.blocks.lift(m, row.params.blockId, actor.id ?? null);
      if (row.incidentId)
        await this.incidents.addTimeline(m, row.incidentId, actor, TimelineKind.ActionReversed, {
          text: reason.trim(),
          data: { actionId: row.id, kind: row.kind, target: row.target },
        });
      await this.audit.record(
        {
          action: 'incident.action_reversed',
          actor,
          resourceType: 'IncidentAction',
          resourceId: row.id,
          changes: { incidentId: row.incidentId, kind: row.kind, target: row.target },
        },
        m,
      );
    });
    if (row.kind === ContainmentKind.BlockAddress) await this.blocks.reload();
    return this.dataSource.getRepository(IncidentActionEntity).findOneByOrFail({ id: row.id });
  }

  /** Lifts an address block directly (blocks are also lifted by reversing their action). */
  async liftBlock(ctx: RequestContext, blockId: string): Promise<boolean> {
    const actor = actorOf(ctx);
    const lifted = await this.dataSource.transaction(async (m) => {
      const done = await this.blocks.lift(m, blockId, actor.id ?? null);
      if (done)
        await this.audit.record(
          { action: 'address.unblocked', actor, resourceType: 'AddressBlock', resourceId: blockId },
          m,
        );
      return done;
    });
    await this.blocks.reload();
    return lifted;
  }

  actionsOf(incidentId: string): Promise<IncidentActionEntity[]> {
    return this.dataSource
      .getRepository(IncidentActionEntity)
      .find({ where: { incidentId }, order: { requestedAt: 'ASC', id: 'ASC' } });
  }

  /** Whether a rule may take this action at all (its targets must come from its hits). */
  static automatable(kind: ContainmentKind): boolean {
    return !MANUAL_ONLY.has(kind);
  }

  private newRow(request: ContainmentRequest, actor: AuditActor): IncidentActionEntity {
    return this.dataSource.getRepository(IncidentActionEntity).create({
      id: uuidv7(),
      incidentId: request.incidentId,
      kind: request.kind,
      target: request.target.slice(0, 128),
      params: request.params ?? {},
      status: ActionStatus.Pending,
      outcome: null,
      requestedAt: new Date(),
      requestedByType: actor.type,
      requestedById: actor.id ?? null,
      appliedAt: null,
      lockedUntil: null,
      attempts: 0,
      reversedAt: null,
      reversedBy: null,
    });
  }

  private normalizeTarget(kind: ContainmentKind, target: string): string {
    if (kind !== ContainmentKind.BlockAddress) return target.trim();
    const { address, prefix } = parseCidr(target);
    return `${address}/${prefix}`;
  }

  /**
   * Carries out one action and records its outcome. `manual`: a person waits for it, so a failure
   * is thrown to them and nothing is written; the responder records a failure (critical: the SIEM
   * hears of it) and retries a transient one.
   */
  private async apply(
    row: IncidentActionEntity,
    ctx: RequestContext | null,
    manual: boolean,
  ): Promise<IncidentActionEntity> {
    const actor: AuditActor = ctx
      ? actorOf(ctx)
      : { type: row.requestedByType, id: row.requestedById };
    let result: Outcome | { status: ActionStatus.Failed; outcome: string };
    try {
      result = await this.perform(row, actor, ctx);
    } catch (e) {
      if (manual) throw e;
      const known = e instanceof AppException;
      if (!known && row.attempts + 1 < MAX_ATTEMPTS) {
        // Transient (the database, a provider): the next pass tries again.
        await this.dataSource.query(
          'UPDATE incident_actions SET attempts = attempts + 1, locked_until = NULL WHERE id = ?',
          [row.id],
        );
        this.logger.warn(
          `containment ${row.kind} will be retried: ${e instanceof Error ? e.name : 'error'}`,
        );
        return row;
      }
      result = {
        status: ActionStatus.Failed,
        outcome: known ? `${e.reason}: ${e.message}`.slice(0, 200) : 'internal error',
      };
    }
    await this.dataSource.transaction(async (m) => {
      const params =
        'params' in result && result.params ? { ...row.params, ...result.params } : row.params;
      row.status = result.status;
      row.outcome = result.outcome;
      row.params = params;
      row.appliedAt = result.status === ActionStatus.Applied ? new Date() : null;
      row.attempts += 1;
      row.lockedUntil = null;
      await m.getRepository(IncidentActionEntity).save(row);
      const data = {
        actionId: row.id,
        kind: row.kind,
        target: row.target,
        status: result.status,
        outcome: result.outcome,
      };
      if (row.incidentId)
        await this.incidents.addTimeline(m, row.incidentId, actor, TimelineKind.Action, { data });
      await this.audit.record(
        {
          action: `incident.action_${result.status}`,
          actor,
          resourceType: 'IncidentAction',
          resourceId: row.id,
          changes: {
            incidentId: row.incidentId,
            kind: row.kind,
            target: row.target,
            outcome: result.outcome,
          },
        },
        m,
      );
    });
    if (row.kind === ContainmentKind.BlockAddress && row.status === ActionStatus.Applied)
      await this.blocks.reload();
    return row;
  }

  private async perform(
    row: IncidentActionEntity,
    actor: AuditActor,
    ctx: RequestContext | null,
  ): Promise<Outcome> {
    switch (row.kind) {
      case ContainmentKind.BlockAddress: {
        if (this.blocks.isOffice(row.target))
          return {
            status: ActionStatus.Skipped,
            outcome: 'allow-listed office address: never blocked',
          };
        const minutes = Number(row.params.minutes ?? DEFAULT_BLOCK_MINUTES);
        const block = await this.dataSource.transaction(async (m) => {
          const made = await this.blocks.block(m, {
            cidr: row.target,
            minutes: Number.isFinite(minutes) && minutes > 0 ? minutes : DEFAULT_BLOCK_MINUTES,
            reason: row.incidentId ? `incident ${row.incidentId}` : 'manual block',
            incidentId: row.incidentId,
            by: actor.id ?? null,
          });
          await this.audit.record(
            {
              action: 'address.blocked',
              actor,
              resourceType: 'AddressBlock',
              resourceId: made.id,
              changes: { cidr: made.cidr, expiresAt: made.expiresAt, incidentId: row.incidentId },
            },
            m,
          );
          return made;
        });
        return {
          status: ActionStatus.Applied,
          outcome: `blocked until ${block.expiresAt.toISOString()}`,
          params: { blockId: block.id },
        };
      }
      case ContainmentKind.DisableUser:
        await this.userAdmin.disable(row.target, undefined, actor);
        return { status: ActionStatus.Applied, outcome: 'user disabled, sessions revoked' };
      case ContainmentKind.RevokeApiKey: {
        const revoked = await this.apiKeys.revokeAny(row.target, actor);
        return {
          status: ActionStatus.Applied,
          outcome: revoked ? 'key revoked' : 'key was already revoked',
        };
      }
      case ContainmentKind.ForcePasswordReset:
        await this.userAdmin.forcePasswordReset(row.target, actor);
        return {
          status: ActionStatus.Applied,
          outcome: 'password invalidated, sessions revoked, reset link sent',
        };
      case ContainmentKind.ForceMfaReenrollment:
        await this.userAdmin.forceMfaReenrollment(row.target, actor);
        return {
          status: ActionStatus.Applied,
          outcome: 'authenticator removed, sessions revoked, re-enrollment required',
        };
      case ContainmentKind.RotateDataKey: {
        const { current } = await this.crypto.rotateDataKey(row.target, actor);
        return {
          status: ActionStatus.Applied,
          outcome: `rotated to key ${current.id}; re-encryption started`,
        };
      }
      case ContainmentKind.PauseCampaign:
        if (!ctx)
          return { status: ActionStatus.Skipped, outcome: 'pausing a campaign needs a person' };
        await this.campaigns.transition(ctx, row.target, CampaignStatus.Paused);
        return { status: ActionStatus.Applied, outcome: 'campaign paused' };
    }
  }
}
