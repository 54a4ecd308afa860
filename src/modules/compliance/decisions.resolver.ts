import { Args, Query, Resolver } from '@nestjs/graphql';
import { AuditSensitive } from '../../core/audit/audit-sensitive.decorator';
import { Allow } from '../../core/authorization/allow.decorator';
import { AuditService } from '../audit/audit.service';
import { ComplianceErrorCode, ComplianceException } from './compliance.exception';
import {
  AttemptIdArgs,
  ContactDecisionChainDTO,
  ContactDecisionReplayDTO,
  DecisionChainArgs,
  RuleSetVersionDTO,
  UndecidedAttemptDTO,
  UndecidedAttemptsArgs,
} from './dto/decisions.dto';
import { DecisionRecordsService } from './services/decision-records.service';

/**
 * Contact decision provenance for compliance officers: replay a contact's decision under the rules
 * it was made with, verify the decision chain, list the rule set versions and any attempt logged
 * without a decision. A failed replay or chain check is a critical audit event (and an incident).
 */
@Resolver()
export class DecisionsResolver {
  constructor(
    private readonly decisions: DecisionRecordsService,
    private readonly audit: AuditService,
  ) {}

  @Allow('read', 'AuditEvent')
  @AuditSensitive()
  @Query(() => ContactDecisionReplayDTO, {
    description:
      'Re-evaluates the decision that allowed a contact attempt, from its kept facts under its kept rule set version',
  })
  async replayContactDecision(@Args() args: AttemptIdArgs): Promise<ContactDecisionReplayDTO> {
    const result = await this.decisions.replay(args.attemptId);
    if (!result)
      throw new ComplianceException(
        ComplianceErrorCode.DECISION_NOT_FOUND,
        'No kept decision for that contact attempt',
      );
    if (!result.matches)
      await this.audit.record({
        action: 'compliance.decision_replay_mismatch',
        resourceType: 'ContactDecision',
        resourceId: result.decisionId,
        changes: {
          attemptId: result.attemptId,
          ruleSetVersion: result.ruleSetVersion,
          differences: result.differences,
        },
      });
    return result;
  }

  @Allow('read', 'AuditEvent')
  @AuditSensitive()
  @Query(() => ContactDecisionChainDTO, {
    description: 'Recomputes the hash chain of kept contact decisions',
  })
  async verifyContactDecisionChain(
    @Args() args: DecisionChainArgs,
  ): Promise<ContactDecisionChainDTO> {
    const result = await this.decisions.verifyChain(args.fromSeq);
    if (!result.valid)
      await this.audit.record({
        action: 'compliance.decision_chain_broken',
        resourceType: 'ContactDecision',
        resourceId: result.brokenAtSeq,
        changes: { checked: result.checked },
      });
    return result;
  }

  @Allow('read', 'AuditEvent')
  @Query(() => [RuleSetVersionDTO], { description: 'Newest first' })
  async ruleSetVersions(): Promise<RuleSetVersionDTO[]> {
    return (await this.decisions.listVersions()).map((v) => ({
      version: Number(v.version),
      label: v.label,
      hash: Buffer.from(v.hash).toString('hex'),
      createdAt: v.createdAt,
    }));
  }

  @Allow('read', 'AuditEvent')
  @Query(() => [UndecidedAttemptDTO], {
    description: 'Outbound attempts logged without a decision in the range (should be none)',
  })
  attemptsWithoutDecision(@Args() args: UndecidedAttemptsArgs): Promise<UndecidedAttemptDTO[]> {
    if (args.to.getTime() <= args.from.getTime())
      throw new ComplianceException(ComplianceErrorCode.INVALID_RANGE, '`to` must follow `from`');
    return this.decisions.attemptsWithoutDecision(args.from, args.to);
  }
}
