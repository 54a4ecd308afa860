import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { RequireStepUp } from '../../core/auth/auth.decorators';
import { Ctx, RequestContext } from '../../core/auth/request-context';
import { Allow } from '../../core/authorization/allow.decorator';
import {
  DataSubjectExportDTO,
  DataSubjectExportLinkDTO,
  IssueDataSubjectExportLinkInput,
  StartDataSubjectExportInput,
} from './dto/subject-export.dto';
import {
  DataSubjectExportEntity,
  SubjectExportStatus,
} from './entities/data-subject-export.entity';
import { SubjectExportLinksService } from './services/subject-export-links.service';
import { SubjectExportService } from './services/subject-export.service';

/** Access and portability exports: built in the background, handed out by one-time signed links. */
@Resolver(() => DataSubjectExportDTO)
export class SubjectExportsResolver {
  constructor(
    private readonly exports: SubjectExportService,
    private readonly links: SubjectExportLinksService,
  ) {}

  @Allow('read', 'DataSubjectRequest')
  @Query(() => DataSubjectExportDTO, {
    nullable: true,
    description: 'The newest export of a request: status and progress',
  })
  async dataSubjectExport(
    @Args('requestId', { type: () => ID }) requestId: string,
  ): Promise<DataSubjectExportDTO | null> {
    const row = await this.exports.latest(requestId);
    return row ? toDTO(row) : null;
  }

  @Allow('update', 'DataSubjectRequest')
  @Mutation(() => DataSubjectExportDTO, {
    description:
      'Builds the export of an access or portability request in progress, in the background (or returns the one building or ready)',
  })
  async startDataSubjectExport(
    @Ctx() ctx: RequestContext,
    @Args('input') input: StartDataSubjectExportInput,
  ): Promise<DataSubjectExportDTO> {
    return toDTO(await this.exports.start(ctx, input.requestId));
  }

  @Allow('update', 'DataSubjectRequest')
  @RequireStepUp()
  @Mutation(() => DataSubjectExportLinkDTO, {
    description:
      'A one-time download link of a ready export, valid PRIVACY_EXPORT_LINK_TTL_MINUTES; every download is audited',
  })
  issueDataSubjectExportLink(
    @Ctx() ctx: RequestContext,
    @Args('input') input: IssueDataSubjectExportLinkInput,
  ): Promise<DataSubjectExportLinkDTO> {
    return this.links.issue(ctx, input.exportId);
  }
}

function toDTO(row: DataSubjectExportEntity): DataSubjectExportDTO {
  const ready = row.status === SubjectExportStatus.Ready;
  return {
    id: row.id,
    requestId: row.requestId,
    customerId: row.customerId,
    format: row.format,
    status: row.status,
    sectionsTotal: row.sectionsTotal,
    sectionsDone: row.sectionsDone,
    rowsDone: row.rowsDone,
    percent:
      ready || row.sectionsTotal === 0
        ? 100
        : Math.min(99, Math.floor((row.sectionsDone * 100) / row.sectionsTotal)),
    bytes: row.bytes === null ? null : Number(row.bytes),
    sha256: row.sha256 ? row.sha256.toString('hex') : null,
    downloads: row.downloads,
    errorCode: row.errorCode,
    createdAt: row.createdAt,
    readyAt: row.readyAt,
    expiresAt: row.expiresAt,
  };
}
