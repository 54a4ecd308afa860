import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';
import type { AppAbility } from '../authorization/app-ability';
import type { Principal } from '../request/request-store';

/** Who calls, with what rights: built by the access guard, the first parameter of service methods. */
export interface RequestContext {
  principal: Principal;
  ability: AppAbility;
  /** Session of a signed-in user (absent for API keys). */
  sessionId?: string;
  /** An API key's scopes (absent for users). */
  apiKeyScopes?: string[];
  mfaVerifiedAt?: Date | null;
  requestId?: string;
  ip: string | null;
  userAgent: string | null;
}

export type RequestWithContext = {
  cw?: RequestContext;
  ip?: string;
  headers: Record<string, unknown>;
};

export function requestOf(context: ExecutionContext): RequestWithContext & { res?: unknown } {
  if (context.getType<string>() === 'graphql') {
    return GqlExecutionContext.create(context).getContext<{ req: RequestWithContext }>().req;
  }
  return context.switchToHttp().getRequest<RequestWithContext>();
}

/** Injects the RequestContext of the current request into a resolver. */
export const Ctx = createParamDecorator(
  (_data: unknown, context: ExecutionContext): RequestContext | undefined => {
    return requestOf(context).cw;
  },
);
