import type { RequestContext } from '../../core/auth/request-context';
import type { AuditActor } from './audit.types';
import { ActorType } from './entities/audit-event.entity';

/** The audit actor of a request (what the audit log takes from the request store by default). */
export function actorOf(ctx: RequestContext): AuditActor {
  return {
    type: ctx.principal.type === 'api_key' ? ActorType.ApiKey : ActorType.User,
    id: ctx.principal.id,
    role: ctx.principal.role,
  };
}
