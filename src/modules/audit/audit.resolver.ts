import { Args, Query, Resolver } from '@nestjs/graphql';
import { Allow } from '../../core/authorization/allow.decorator';
import { AuditSensitive } from '../../core/audit/audit-sensitive.decorator';
import { AuditErrorCode, AuditException } from './audit.exception';
import { AuditService, MAX_AUDIT_PAGE } from './audit.service';
import { AuditResult } from './entities/audit-event.entity';
import {
  AuditChainVerificationDTO,
  AuditEventDTO,
  AuditEventPageDTO,
  AuditEventsArgs,
  DataAccessRowDTO,
} from './dto/audit-event.dto';
import { AuditVerifierService } from './services/audit-verifier.service';

const SEQ = /^\d{1,20}$/;

@Resolver(() => AuditEventDTO)
export class AuditResolver {
  constructor(
    private readonly audit: AuditService,
    private readonly verifier: AuditVerifierService,
  ) {}

  @Allow('read', 'AuditEvent')
  @AuditSensitive()
  @Query(() => AuditEventPageDTO, { description: 'Audit search, newest first (itself audited)' })
  async auditEvents(@Args() args: AuditEventsArgs): Promise<AuditEventPageDTO> {
    const page = await this.audit.search(args.filter ?? {}, args.first, args.after);
    return { items: page.items.map((e) => AuditEventDTO.from(e)), nextCursor: page.nextCursor };
  }

  @Allow('read', 'AuditEvent')
  @AuditSensitive()
  @Query(() => AuditEventPageDTO, { description: 'Failed sign-ins in the last 24 hours' })
  async failedLogins(@Args() args: AuditEventsArgs): Promise<AuditEventPageDTO> {
    const page = await this.audit.failedLogins(Math.min(args.first, MAX_AUDIT_PAGE), args.after);
    return { items: page.items.map((e) => AuditEventDTO.from(e)), nextCursor: page.nextCursor };
  }

  @Allow('read', 'AuditEvent')
  @AuditSensitive()
  @Query(() => [DataAccessRowDTO], {
    description: 'Who accessed which records of a type in a range',
  })
  dataAccessReport(
    @Args('resourceType') resourceType: string,
    @Args('from') from: Date,
    @Args('to') to: Date,
    @Args('actorId', { nullable: true }) actorId?: string,
  ): Promise<DataAccessRowDTO[]> {
    if (resourceType.length > 64 || (actorId && actorId.length > 64)) {
      throw new AuditException(
        AuditErrorCode.TOO_LONG,
        'resourceType and actorId are at most 64 characters',
      );
    }
    if (!(from < to))
      throw new AuditException(AuditErrorCode.BAD_RANGE, '`from` must be before `to`');
    return this.audit.dataAccess(resourceType, from, to, actorId);
  }

  @Allow('read', 'AuditEvent')
  @Query(() => AuditChainVerificationDTO, {
    description: 'Checks the hash chain; names the first broken link',
  })
  async verifyAuditChain(
    @Args('from', { nullable: true }) from?: string,
    @Args('to', { nullable: true }) to?: string,
  ): Promise<AuditChainVerificationDTO> {
    if ((from && !SEQ.test(from)) || (to && !SEQ.test(to))) {
      throw new AuditException(AuditErrorCode.BAD_SEQUENCE, '`from` and `to` are sequence numbers');
    }
    const result = await this.verifier.verify(from, to);
    // The outcome is itself evidence: a failure is critical (the SIEM hears of it, detection opens
    // an incident) and the security metrics show the last verification.
    await this.audit.record({
      action: result.ok ? 'audit.verified' : 'audit.verification_failed',
      result: result.ok ? AuditResult.Success : AuditResult.Failure,
      resourceType: 'AuditChain',
      changes: result.ok
        ? { checked: result.checked, firstSeq: result.firstSeq, lastSeq: result.lastSeq }
        : { checked: result.checked, brokenAt: result.brokenAt, kind: result.reason },
    });
    return result;
  }
}
