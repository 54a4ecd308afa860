import { ForbiddenException, GoneException, StreamableFile } from '@nestjs/common';
import type { FastifyReply } from 'fastify';

/**
 * A one-time download link refused: `gone` (expired, used, or what it named is no longer there)
 * answers 410, otherwise (a bad signature or parameter) 403; `code` is the module's stable code.
 */
export class LinkRefused extends Error {
  constructor(
    readonly gone: boolean,
    readonly code: string,
  ) {
    super(code);
  }
}

export interface LinkFile {
  filename: string;
  contentType: string;
  body: Buffer;
}

const LINK_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Serves the file a signed one-time link hands out (`redeem` verifies, uses up and audits the
 * link): never cached, sent as an attachment; a refusal is 403 or 410 with its code and one
 * sentence, nothing else.
 */
export async function serveLinkFile(
  reply: FastifyReply,
  linkId: string,
  invalidCode: string,
  redeem: () => Promise<LinkFile>,
): Promise<StreamableFile> {
  void reply.header('cache-control', 'no-store');
  try {
    if (!LINK_ID.test(linkId)) throw new LinkRefused(false, invalidCode);
    const file = await redeem();
    void reply
      .header('content-type', file.contentType)
      .header('content-disposition', `attachment; filename="${file.filename}"`)
      .header('x-content-type-options', 'nosniff');
    return new StreamableFile(file.body, { length: file.body.length });
  } catch (e) {
    if (!(e instanceof LinkRefused)) throw e;
    if (e.gone)
      throw new GoneException({
        statusCode: 410,
        code: e.code,
        message: 'This link has expired or was already used',
      });
    throw new ForbiddenException({
      statusCode: 403,
      code: e.code,
      message: 'This link is not valid',
    });
  }
}
