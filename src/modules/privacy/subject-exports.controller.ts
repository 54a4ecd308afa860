import { Controller, Get, Param, Query, Req, Res, StreamableFile } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../../core/auth/public.decorator';
import { serveLinkFile } from '../../core/http/link-download';
import { RateLimitClass } from '../../core/rate-limit/rate-class';
import {
  ExportLinkRefusal,
  SubjectExportLinksService,
} from './services/subject-export-links.service';

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
  download(
    @Param('linkId') linkId: string,
    @Query('exp') exp: string | undefined,
    @Query('sig') sig: string | undefined,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<StreamableFile> {
    return serveLinkFile(reply, linkId, ExportLinkRefusal.INVALID, () =>
      this.links.redeem(linkId, exp ?? '', sig ?? '', req.ip),
    );
  }
}
