import {
  Controller,
  ForbiddenException,
  GoneException,
  Get,
  Param,
  Query,
  Req,
  Res,
  StreamableFile,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../../core/auth/public.decorator';
import { RateLimitClass } from '../../core/rate-limit/rate-class';
import {
  ExportLinkRefusal,
  ExportLinkRefused,
  SubjectExportLinksService,
} from './services/subject-export-links.service';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The download of an access or portability export. No bearer token: the signed one-time link is
 * the credential (issued by `issueDataSubjectExportLink`). Refusals are 403 (signature) or 410
 * (expired, used, gone) with a stable code and nothing else. Counted in the sensitive budget.
 */
@Controller('privacy/exports')
export class SubjectExportsController {
  constructor(private readonly links: SubjectExportLinksService) {}

  @Public()
  @RateLimitClass('sensitive')
  @Get(':linkId')
  async download(
    @Param('linkId') linkId: string,
    @Query('exp') exp: string | undefined,
    @Query('sig') sig: string | undefined,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<StreamableFile> {
    void reply.header('cache-control', 'no-store');
    try {
      if (!UUID.test(linkId)) throw new ExportLinkRefused(ExportLinkRefusal.INVALID);
      const { filename, archive } = await this.links.redeem(linkId, exp ?? '', sig ?? '', req.ip);
      void reply
        .header('content-type', 'application/zip')
        .header('content-disposition', `attachment; filename="${filename}"`)
        .header('x-content-type-options', 'nosniff');
      return new StreamableFile(archive, { length: archive.length });
    } catch (e) {
      if (!(e instanceof ExportLinkRefused)) throw e;
      const body = { code: e.refusal, message: refusalMessage(e.refusal) };
      throw e.refusal === ExportLinkRefusal.INVALID
        ? new ForbiddenException({ statusCode: 403, ...body })
        : new GoneException({ statusCode: 410, ...body });
    }
  }
}

function refusalMessage(refusal: ExportLinkRefusal): string {
  switch (refusal) {
    case ExportLinkRefusal.INVALID:
      return 'This link is not valid';
    case ExportLinkRefusal.GONE:
      return 'This link has expired or was already used';
  }
}
