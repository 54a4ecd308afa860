import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { Ctx, RequestContext } from '../../core/auth/request-context';
import { Allow } from '../../core/authorization/allow.decorator';
import { CryptoService } from '../crypto/crypto.service';
import { CustomerAccessService } from '../customers/customer-access.service';
import { ComplianceErrorCode, ComplianceException } from './compliance.exception';
import { ComplianceService } from './compliance.service';
import {
  AddDncEntryInput,
  ConsentDTO,
  CustomerHistoryArgs,
  ContactDecisionDTO,
  DncEntryDTO,
  EvaluateContactInput,
  RecordConsentInput,
  RefusalCountDTO,
  SimulateContactInput,
} from './dto/compliance.dto';
import { candidateZones, phoneRegionOf, zipInfo } from './rules/zones';
import { RequireStepUp } from '../../core/auth/auth.decorators';
import { AuditSensitive } from '../../core/audit/audit-sensitive.decorator';
import { parseRange } from './reports.controller';
import { ComplianceReportsService } from './services/compliance-reports.service';
import { ComplianceRulesAdminService } from './services/compliance-rules-admin.service';
import {
  ComplianceReportRowDTO,
  ImportDncListInput,
  ImportDncResultDTO,
} from './dto/compliance-admin.dto';

@Resolver()
export class ComplianceResolver {
  constructor(
    private readonly compliance: ComplianceService,
    private readonly customers: CustomerAccessService,
    private readonly crypto: CryptoService,
    private readonly rulesAdmin: ComplianceRulesAdminService,
    private readonly reports: ComplianceReportsService,
  ) {}

  @Allow('read', 'Settings')
  @Query(() => String, {
    description:
      'The active rule set as JSON (hours, caps, gaps, cooldowns, consent), with citations',
  })
  async complianceRules(): Promise<string> {
    return JSON.stringify(await this.compliance.ruleSet());
  }

  @Allow('manage', 'Settings')
  @RequireStepUp()
  @Mutation(() => String, {
    description: 'Replaces the rule set (validated; federal hours cannot widen); audited',
  })
  async updateComplianceRules(@Args('rules') rules: string): Promise<string> {
    if (rules.length > 200_000)
      throw new ComplianceException(ComplianceErrorCode.INVALID_RULES, 'rules are too large');
    return JSON.stringify(await this.rulesAdmin.update(rules));
  }

  @Allow('create', 'DncEntry')
  @Mutation(() => ImportDncResultDTO, {
    description: 'Imports a list of phone numbers (one per line); stored as hashes',
  })
  async importDncList(
    @Ctx() ctx: RequestContext,
    @Args('input') input: ImportDncListInput,
  ): Promise<ImportDncResultDTO> {
    return this.compliance.importDncList(input.list, input.csv, ctx.principal.id);
  }

  @Allow('read', 'Report')
  @AuditSensitive()
  @Query(() => [ComplianceReportRowDTO], {
    description: 'Consents, do-not-contact, attempts, refusals, opt-outs for a period',
  })
  async complianceReport(
    @Args('from', { nullable: true }) from?: string,
    @Args('to', { nullable: true }) to?: string,
  ): Promise<ComplianceReportRowDTO[]> {
    const range = parseRange(from, to);
    return (await this.reports.report(range.from, range.to)).rows;
  }

  /** May this contact happen now (or at `at`)? Every rule, its result and citation. */
  @Allow('read', 'Customer')
  @Query(() => ContactDecisionDTO)
  async evaluateContact(
    @Ctx() ctx: RequestContext,
    @Args('input') input: EvaluateContactInput,
  ): Promise<ContactDecisionDTO> {
    const customer = await this.customers.get(ctx, input.customerId);
    if (
      input.to &&
      !this.crypto.blindIndex(input.channel === 'email' ? 'email' : 'phone', input.to)
    ) {
      throw new ComplianceException(
        ComplianceErrorCode.INVALID_ADDRESS,
        `to is not a valid ${input.channel === 'email' ? 'email address' : 'phone number'}`,
      );
    }
    return this.compliance.evaluateContact(
      customer,
      { ...input, at: input.at ?? new Date() },
      { gate: false },
    );
  }

  /** What-if for compliance officers: the same engine over facts given here. Writes nothing. */
  @Allow('read', 'Consent')
  @Query(() => ContactDecisionDTO)
  simulateContact(@Args('input') input: SimulateContactInput): Promise<ContactDecisionDTO> {
    return this.compliance.simulate({
      channel: input.channel,
      purpose: input.purpose,
      at: input.at,
      zones: candidateZones({
        timezone: input.timezone,
        phone: input.phone,
        state: input.state,
        zip: input.zip,
      }),
      state: input.state ?? null,
      zipState: zipInfo(input.zip)?.state ?? null,
      phoneState: (input.phone && phoneRegionOf(input.phone)) || null,
      toType: input.toType ?? 'unknown',
      debtId: input.debtId ?? null,
      consents: (input.consents ?? []).map((c) => ({ ...c, expiresAt: c.expiresAt ?? null })),
      bans: (input.bans ?? []).map((b) => ({ channel: b.channel ?? null, scope: b.scope })),
      attempts: input.attempts ?? [],
      ceases: (input.ceases ?? []).map((c) => ({ debtId: c.debtId ?? null, at: c.at })),
      ceaseException: input.ceaseException ?? null,
      preferredWindow:
        input.preferredStart && input.preferredEnd
          ? { start: input.preferredStart, end: input.preferredEnd }
          : null,
    });
  }

  @Allow('create', 'Consent')
  @Mutation(() => ConsentDTO, {
    description: 'Appends a consent event; a revocation cancels pending tasks on that channel',
  })
  async recordConsent(
    @Ctx() ctx: RequestContext,
    @Args('input') input: RecordConsentInput,
  ): Promise<ConsentDTO> {
    await this.customers.get(ctx, input.customerId);
    const evidence = Object.fromEntries(
      Object.entries({
        ip: input.ip,
        userAgent: input.userAgent,
        formUrl: input.formUrl,
        textVersion: input.textVersion,
        recordingRef: input.recordingRef,
      }).filter((e): e is [string, string] => typeof e[1] === 'string'),
    );
    return this.compliance.recordConsent({
      customerId: input.customerId,
      channel: input.channel,
      purpose: input.purpose,
      granted: input.granted,
      source: input.source,
      evidence: Object.keys(evidence).length ? evidence : null,
      expiresAt: input.expiresAt ?? null,
      recordedBy: ctx.principal.id,
    });
  }

  @Allow('read', 'Consent')
  @Query(() => [ConsentDTO], {
    description: 'Consent history of a customer, newest first, a page at a time',
  })
  async consents(
    @Ctx() ctx: RequestContext,
    @Args() args: CustomerHistoryArgs,
  ): Promise<ConsentDTO[]> {
    const customer = await this.customers.get(ctx, args.customerId);
    return this.compliance.consentHistory(customer.id, args.first, args.after);
  }

  @Allow('create', 'DncEntry')
  @Mutation(() => DncEntryDTO, {
    description: 'Bans a person or one number/address; cancels affected pending tasks at once',
  })
  async addDncEntry(
    @Ctx() ctx: RequestContext,
    @Args('input') input: AddDncEntryInput,
  ): Promise<DncEntryDTO> {
    if (!input.customerId && !input.address) {
      throw new ComplianceException(
        ComplianceErrorCode.INVALID_ADDRESS,
        'Give a customer, an address, or both',
      );
    }
    if (input.customerId) await this.customers.get(ctx, input.customerId);
    if (
      input.address &&
      !this.crypto.blindIndex(input.address.includes('@') ? 'email' : 'phone', input.address)
    ) {
      throw new ComplianceException(
        ComplianceErrorCode.INVALID_ADDRESS,
        'address is not a valid phone number or email address',
      );
    }
    return this.compliance.addDnc({
      customerId: input.customerId ?? null,
      channel: input.channel ?? null,
      address: input.address ?? null,
      reason: input.reason ?? null,
      source: 'agent',
      createdBy: ctx.principal.id,
    });
  }

  @Allow('read', 'DncEntry')
  @Query(() => [DncEntryDTO], {
    description: "A customer's do-not-contact entries, newest first, a page at a time",
  })
  async dncEntries(
    @Ctx() ctx: RequestContext,
    @Args() args: CustomerHistoryArgs,
  ): Promise<DncEntryDTO[]> {
    const customer = await this.customers.get(ctx, args.customerId);
    return this.compliance.dncEntriesOf(customer.id, args.first, args.after);
  }

  @Allow('read', 'Report')
  @Query(() => [RefusalCountDTO], {
    description:
      'Contacts refused at a real gate (launch, task start), by rule and day (last 30 days); prechecks and simulations are not counted',
  })
  complianceRefusals(): Promise<RefusalCountDTO[]> {
    return this.compliance.recentRefusals();
  }
}
