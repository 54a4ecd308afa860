import { Controller, HttpCode, Post, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { Ctx, RequestContext } from '../../core/auth/request-context';
import { Allow } from '../../core/authorization/allow.decorator';
import { AppException, ErrorCode } from '../../core/errors/error-code';
import { toImportDTO } from './debts.resolver';
import type { PlacementImportDTO } from './dto/debt.dto';
import { PlacementImportService } from './placement-import.service';

/**
 * Large placement files: `POST /imports/placements` with `Content-Type: text/csv` and the file as
 * the body (up to 64 MiB). The body is not buffered by the server: it is streamed through the CSV
 * parser after the guard has let the caller in. Answers the finished import (as the GraphQL
 * `PlacementImport`); its progress meanwhile is `placementImports` / `placementImport(id)`.
 */
@Controller('imports')
export class PlacementImportController {
  constructor(private readonly imports: PlacementImportService) {}

  @Allow('create', 'Debt')
  @Post('placements')
  @HttpCode(200)
  async placements(
    @Ctx() ctx: RequestContext,
    @Req() req: FastifyRequest,
  ): Promise<PlacementImportDTO> {
    if (!String(req.headers['content-type'] ?? '').startsWith('text/csv'))
      throw new AppException(
        ErrorCode.BAD_USER_INPUT,
        'UNSUPPORTED_MEDIA_TYPE',
        'Send the placement file as text/csv',
      );
    return toImportDTO(await this.imports.import(ctx, req.raw));
  }
}
