import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { RequireStepUp } from '../../../core/auth/auth.decorators';
import { Ctx, RequestContext } from '../../../core/auth/request-context';
import { Allow } from '../../../core/authorization/allow.decorator';
import { AuditSensitive } from '../../../core/audit/audit-sensitive.decorator';
import {
  EvidencePackDTO,
  EvidencePackIdInput,
  EvidencePackLinkDTO,
  GenerateEvidencePackInput,
} from '../dto/evidence-pack.dto';
import { EvidencePackLinksService } from './evidence-pack-links.service';
import { EvidencePacksService } from './evidence-packs.service';

/**
 * Evidence packs for counsel. Generating one is a compliance officer's act: `read` on
 * `AuditEvent` (the pack carries the audit chain, and reading the audit trail is what compliance
 * roles hold: admins, and custom roles given it) with a recent step-up. Consent evidence is in the
 * pack only for a role that may `readPii` Consent `evidence`.
 */
@Resolver(() => EvidencePackDTO)
export class EvidencePacksResolver {
  constructor(
    private readonly packs: EvidencePacksService,
    private readonly links: EvidencePackLinksService,
  ) {}

  @Allow('read', 'AuditEvent')
  @RequireStepUp()
  @Mutation(() => EvidencePackDTO, {
    description:
      'Builds the evidence pack of a customer, a debt or a phone number over a date range (JSON and PDF); consent evidence only for roles that may read it. Audited',
  })
  generateEvidencePack(
    @Ctx() ctx: RequestContext,
    @Args('input') input: GenerateEvidencePackInput,
  ): Promise<EvidencePackDTO> {
    return this.packs.generate(ctx, input);
  }

  @Allow('read', 'AuditEvent')
  @AuditSensitive()
  @Query(() => EvidencePackDTO, { description: 'An evidence pack: scope, range and digests' })
  evidencePack(@Args('id', { type: () => ID }) id: string): Promise<EvidencePackDTO> {
    return this.packs.get(id);
  }

  @Allow('read', 'AuditEvent')
  @RequireStepUp()
  @Mutation(() => EvidencePackLinkDTO, {
    description:
      'A one-time download link of an evidence pack, valid EVIDENCE_PACK_LINK_TTL_MINUTES; every download is audited',
  })
  issueEvidencePackLink(
    @Ctx() ctx: RequestContext,
    @Args('input') input: EvidencePackIdInput,
  ): Promise<EvidencePackLinkDTO> {
    return this.links.issue(ctx, input.packId);
  }
}
