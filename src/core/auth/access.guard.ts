import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ALLOW, AllowRule } from '../authorization/allow.decorator';
import { AppException, ErrorCode } from '../errors/error-code';
import { requestStore } from '../request/request-store';
import {
  AUTHENTICATED,
  DURING_ENROLLMENT,
  KEY_FORBIDDEN_SUBJECTS,
  KEY_SELF_OPERATIONS,
  STEP_UP,
} from './auth.decorators';
import { AUTHENTICATOR, Authenticator } from './authenticator';
import { IS_PUBLIC } from './public.decorator';
import { requestOf } from './request-context';
import { assertRecentStepUp } from './step-up';

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
    if (ctx.principal.type === 'api_key') this.checkApiKey(ctx.apiKeyScopes ?? [], rule, context);
    if (rule && !ctx.ability.can(rule.action, rule.subject)) {
      throw new AppException(
        ErrorCode.FORBIDDEN,
        'FORBIDDEN',
        `Not allowed to ${rule.action} ${rule.subject}`,
      );
    }
    if (this.reflector.getAllAndOverride<boolean>(STEP_UP, targets)) assertRecentStepUp(ctx);
    return true;
  }

  /**
   * An API key stays within its scopes: never keys or sessions, and an operation on "my own
   * account" (`@Authenticated()`) only when a scope names it (`self:<operation>`).
   */
  private checkApiKey(scopes: string[], rule: AllowRule | undefined, context: ExecutionContext) {
    if (rule && KEY_FORBIDDEN_SUBJECTS.has(rule.subject))
      throw new AppException(
        ErrorCode.FORBIDDEN,
        'API_KEY_NOT_ALLOWED',
        'API keys cannot manage API keys or sessions',
      );
    if (!rule) {
      const operation = context.getHandler().name;
      if (!KEY_SELF_OPERATIONS.has(operation) || !scopes.includes(`self:${operation}`))
        throw new AppException(
          ErrorCode.FORBIDDEN,
          'API_KEY_NOT_ALLOWED',
          'This operation is for signed-in users; no scope of this key names it',
        );
    }
  }
}
