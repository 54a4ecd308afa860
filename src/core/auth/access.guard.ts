import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ALLOW, AllowRule } from '../authorization/allow.decorator';
import { AppException, ErrorCode } from '../errors/error-code';
import { requestStore } from '../request/request-store';
import { AUTHENTICATED, DURING_ENROLLMENT, STEP_UP } from './auth.decorators';
import { AUTHENTICATOR, Authenticator } from './authenticator';
import { IS_PUBLIC } from './public.decorator';
import { requestOf } from './request-context';

export const STEP_UP_WINDOW_MS = 10 * 60 * 1000;

/**
 * The one global guard, deny by default: `@Public()` passes; anything else needs a principal
 * (access token whose session is live, or API key) whose ability allows the operation's `@Allow`
 * rule (or, for `@Authenticated()`, any principal), plus a recent MFA check for `@RequireStepUp()`.
 * An operation with neither declaration is refused even for admins.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(AUTHENTICATOR) private readonly authenticator: Authenticator,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;

    const req = requestOf(context);
    const ctx = await this.authenticator.authenticate(req);
    req.cw = ctx;
    const store = requestStore.getStore();
    if (store) store.principal = ctx.principal;

    if (
      ctx.enrollmentOnly &&
      !this.reflector.getAllAndOverride<boolean>(DURING_ENROLLMENT, targets)
    ) {
      throw new AppException(
        ErrorCode.FORBIDDEN,
        'MFA_ENROLLMENT_REQUIRED',
        'Enroll MFA first (enrollTotp, confirmTotp)',
      );
    }
    const rule = this.reflector.getAllAndOverride<AllowRule | undefined>(ALLOW, targets);
    const anyone = this.reflector.getAllAndOverride<boolean>(AUTHENTICATED, targets);
    if (!rule && !anyone) {
      throw new AppException(
        ErrorCode.FORBIDDEN,
        'NO_POLICY',
        'This operation declares no permission',
      );
    }
    if (rule && !ctx.ability.can(rule.action, rule.subject)) {
      throw new AppException(
        ErrorCode.FORBIDDEN,
        'FORBIDDEN',
        `Not allowed to ${rule.action} ${rule.subject}`,
      );
    }
    if (this.reflector.getAllAndOverride<boolean>(STEP_UP, targets)) {
      const at = ctx.mfaVerifiedAt?.getTime() ?? 0;
      if (ctx.principal.type !== 'user' || Date.now() - at > STEP_UP_WINDOW_MS) {
        throw new AppException(
          ErrorCode.FORBIDDEN,
          'STEP_UP_REQUIRED',
          'Confirm with an MFA code first (stepUp)',
        );
      }
    }
    return true;
  }
}
