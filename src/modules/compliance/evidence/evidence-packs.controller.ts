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
import { Public } from '../../../core/auth/public.decorator';
import { RateLimitClass } from '../../../core/rate-limit/rate-class';
import {
  EvidencePackLinksService,
  PackLinkRefusal,
  PackLinkRefused,
} from './evidence-pack-links.service';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

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
  async download(
    @Param('linkId') linkId: string,
    @Query('exp') exp: string | undefined,
    @Query('sig') sig: string | undefined,
    @Query('format') format: string | undefined,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<StreamableFile> {
    void reply.header('cache-control', 'no-store');
    try {
      if (!UUID.test(linkId)) throw new PackLinkRefused(PackLinkRefusal.INVALID);
      const pack = await this.links.redeem(linkId, exp ?? '', sig ?? '', format ?? 'pdf', req.ip);
      void reply
        .header('content-type', pack.contentType)
        .header('content-disposition', `attachment; filename="${pack.filename}"`)
        .header('x-content-type-options', 'nosniff');
      return new StreamableFile(pack.body, { length: pack.body.length });
    } catch (e) {
      if (!(e instanceof PackLinkRefused)) throw e;
      const body = { code: e.refusal, message: refusalMessage(e.refusal) };
      throw e.refusal === PackLinkRefusal.INVALID
        ? new ForbiddenException({ statusCode: 403, ...body })
        : new GoneException({ statusCode: 410, ...body });
    }
  }
}

function refusalMessage(refusal: PackLinkRefusal): string {
  switch (refusal) {
    case PackLinkRefusal.INVALID:
      return 'This link is not valid';
    case PackLinkRefusal.GONE:
      return 'This link has expired or was already used';
  }
}
