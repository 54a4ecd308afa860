import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AppException, ErrorCode } from '../errors/error-code';
import { IS_PUBLIC } from './public.decorator';

/**
 * The one global guard. Deny by default: an operation marked `@Public()` passes; every other one
 * needs an authenticated principal whose ability allows its `@Allow` rule. Sign-in (identity) and
 * abilities (authorization) plug in here; until a request carries a principal, it is refused.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic) return true;
    throw new AppException(ErrorCode.UNAUTHENTICATED, 'UNAUTHENTICATED', 'Sign in first');
  }
}
