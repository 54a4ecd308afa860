import { ExecutionContext, Injectable } from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';
import { ThrottlerGuard } from '@nestjs/throttler';
import type { RequestWithContext } from '../auth/request-context';

type Carrier = Record<string, unknown>;

/**
 * Per-caller request budget, registered after the access guard: a signed-in user or API key spends
 * its own budget wherever it calls from (a contact center's agents often share one NAT address),
 * an anonymous caller (login, password reset) spends its client address's. Over budget, the
 * operation fails with RATE_LIMITED and a Retry-After header before any resolver runs.
 *
 * Counters live in this process's memory: with several replicas, each allows the budget on its own.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  protected override getRequestResponse(context: ExecutionContext): {
    req: Carrier;
    res: Carrier;
  } {
    if (context.getType<string>() === 'graphql') {
      const { req, res } = GqlExecutionContext.create(context).getContext<{
        req: Carrier;
        res: Carrier;
      }>();
      return { req, res };
    }
    return super.getRequestResponse(context);
  }

  protected override getTracker(req: Carrier): Promise<string> {
    const { cw, ip } = req as RequestWithContext;
    return Promise.resolve(
      cw ? `${cw.principal.type}:${cw.principal.id}` : `ip:${ip ?? 'unknown'}`,
    );
  }

  /** One budget per caller for the whole API, not one per operation. */
  protected override generateKey(
    _context: ExecutionContext,
    tracker: string,
    name: string,
  ): string {
    return `${name}:${tracker}`;
  }
}
