import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { Ctx, RequestContext } from '../../core/auth/request-context';
import { Allow } from '../../core/authorization/allow.decorator';
import { IdArgs } from '../../core/graphql/id-args';
import { DebtsService } from './debts.service';
import {
  CreateDebtInput,
  DebtDTO,
  FindDebtsArgs,
  ImportPlacementsInput,
  PlacementImportDTO,
  PlacementImportsArgs,
  UpdateDebtStatusInput,
} from './dto/debt.dto';
import { PlacementImportEntity, PlacementImportStatus } from './entities/placement-import.entity';
import { PlacementImportService } from './placement-import.service';

/** Debts of customers, their lookup by blind index, and placement imports. */
@Resolver(() => DebtDTO)
export class DebtsResolver {
  constructor(
    private readonly debtsService: DebtsService,
    private readonly imports: PlacementImportService,
  ) {}

  @Allow('read', 'Debt')
  @Query(() => [DebtDTO], {
    description: "A customer's debts (NOT_FOUND if the customer is not visible)",
  })
  debts(@Ctx() ctx: RequestContext, @Args('customerId') customerId: string): Promise<DebtDTO[]> {
    return this.debtsService.listOf(ctx, customerId);
  }

  @Allow('read', 'Debt')
  @Query(() => DebtDTO, { description: 'DEBT_NOT_FOUND also when the caller may not see it' })
  debt(@Ctx() ctx: RequestContext, @Args() args: IdArgs): Promise<DebtDTO> {
    return this.debtsService.get(ctx, args.id);
  }

  @Allow('read', 'Debt')
  @Query(() => [DebtDTO], {
    description:
      "Debts by the consumer's phone or email, or by account reference (exactly one): one indexed query on the blind indexes",
  })
  findDebts(@Ctx() ctx: RequestContext, @Args() args: FindDebtsArgs): Promise<DebtDTO[]> {
    return this.debtsService.findDebts(ctx, args);
  }

  @Allow('create', 'Debt')
  @Mutation(() => DebtDTO)
  createDebt(@Ctx() ctx: RequestContext, @Args('input') input: CreateDebtInput): Promise<DebtDTO> {
    return this.debtsService.create(ctx, input);
  }

  @Allow('update', 'Debt')
  @Mutation(() => DebtDTO)
  updateDebtStatus(
    @Ctx() ctx: RequestContext,
    @Args('input') input: UpdateDebtStatusInput,
  ): Promise<DebtDTO> {
    return this.debtsService.updateStatus(ctx, input.id, input.status);
  }

  @Allow('create', 'Debt')
  @Mutation(() => PlacementImportDTO, {
    description:
      'Imports a placement file (CSV): all rows or none; per-row errors with line numbers. Files over 256 KiB: POST /imports/placements',
  })
  async importPlacements(
    @Ctx() ctx: RequestContext,
    @Args('input') input: ImportPlacementsInput,
  ): Promise<PlacementImportDTO> {
    return toImportDTO(await this.imports.import(ctx, input.csv));
  }

  @Allow('create', 'Debt')
  @Query(() => PlacementImportDTO, { description: 'An import of yours and its progress' })
  async placementImport(
    @Ctx() ctx: RequestContext,
    @Args() args: IdArgs,
  ): Promise<PlacementImportDTO> {
    return toImportDTO(await this.imports.get(ctx, args.id));
  }

  @Allow('create', 'Debt')
  @Query(() => [PlacementImportDTO], { description: 'Your latest imports, running ones included' })
  async placementImports(
    @Ctx() ctx: RequestContext,
    @Args() args: PlacementImportsArgs,
  ): Promise<PlacementImportDTO[]> {
    return (await this.imports.recent(ctx, args.first)).map(toImportDTO);
  }
}

export function toImportDTO(job: PlacementImportEntity): PlacementImportDTO {
  return {
    ...job,
    errors: job.errors ?? [],
    unchanged:
      job.status === PlacementImportStatus.Completed &&
      job.customersCreated === 0 &&
      job.debtsCreated === 0 &&
      job.debtsUpdated === 0,
  };
}
