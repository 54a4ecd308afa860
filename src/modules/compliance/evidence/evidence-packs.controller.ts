import { Controller, Get, Param, Query, Req, Res, StreamableFile } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../../../core/auth/public.decorator';
import { serveLinkFile } from '../../../core/http/link-download';
import { RateLimitClass } from '../../../core/rate-limit/rate-class';
import { EvidencePackLinksService, PackLinkRefusal } from './evidence-pack-links.service';

/**
 * The download of an evidence pack, `?format=pdf` (default) or `json`. No bearer token: the signed
 * one-time link is the credential (issued by `issueEvidencePackLink`). Refusals are 403
 * (signature, format) or 410 (expired, used, gone) with a stable code and nothing else. Counted in
 * the sensitive budget.
 */
@Controller('compliance/evidence-packs')
export class EvidencePacksController {
  constructor(private readonly links: EvidencePackLinksService) {}

  @Public()
  @RateLimitClass('sensitive')
  @Get(':linkId')
  download(
    @Param('linkId') linkId: string,
    @Query('exp') exp: string | undefined,
    @Query('sig') sig: string | undefined,
    @Query('format') format: string | undefined,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<StreamableFile> {
    return serveLinkFile(reply, linkId, PackLinkRefusal.INVALID, () =>
      this.links.redeem(linkId, exp ?? '', sig ?? '', format ?? 'pdf', req.ip),
    );
  }
}
