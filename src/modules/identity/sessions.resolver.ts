import { Args, Int, Mutation, Query, Resolver } from '@nestjs/graphql';
import { Authenticated, RequireStepUp } from '../../core/auth/auth.decorators';
import { Ctx, RequestContext } from '../../core/auth/request-context';
import { Allow } from '../../core/authorization/allow.decorator';
import { AuditService } from '../audit/audit.service';
import { SessionDTO, SessionIdInput } from './dto/session.dto';
import { UserIdInput } from './dto/manage-user.input';
import { SessionEntity } from './entities/session.entity';
import { IdentityErrorCode, IdentityException } from './identity.exception';
import { SessionService } from './services/session.service';
import { UsersService } from './services/users.service';

@Resolver(() => SessionDTO)
export class SessionsResolver {
  constructor(
    private readonly sessions: SessionService,
    private readonly users: UsersService,
    private readonly audit: AuditService,
  ) {}

  @Authenticated()
  @Query(() => [SessionDTO])
  async mySessions(@Ctx() ctx: RequestContext): Promise<SessionDTO[]> {
    return (await this.sessions.listForUser(ctx.principal.userId)).map((s) =>
      toDTO(s, ctx.sessionId),
    );
  }

  @Authenticated()
  @Mutation(() => Boolean)
  async revokeSession(
    @Ctx() ctx: RequestContext,
    @Args('input') input: SessionIdInput,
  ): Promise<boolean> {
    const session = await this.sessions.findById(input.id);
    // Another user's session answers like a missing one: no existence leak.
    if (!session || session.userId !== ctx.principal.userId || session.revokedAt) {
      throw new IdentityException(IdentityErrorCode.SESSION_NOT_FOUND, 'Session not found');
    }
    await this.sessions.revoke(session.id, 'revoked_by_user');
    await this.audit.record({
      action: 'session.revoked',
      resourceType: 'Session',
      resourceId: session.id,
    });
    return true;
  }

  @Authenticated()
  @Mutation(() => Int, { description: "Ends all of the caller's sessions, this one included" })
  async revokeAllSessions(@Ctx() ctx: RequestContext): Promise<number> {
    const n = await this.sessions.revokeAllForUser(ctx.principal.userId, 'revoked_by_user');
    await this.audit.record({
      action: 'session.revoked_all',
      resourceType: 'User',
      resourceId: ctx.principal.userId,
      changes: { count: n },
    });
    return n;
  }

  @Allow('manage', 'User')
  @Query(() => [SessionDTO])
  async userSessions(@Args('input') input: UserIdInput): Promise<SessionDTO[]> {
    await this.users.require(input.id);
    return (await this.sessions.listForUser(input.id)).map((s) => toDTO(s));
  }

  @Allow('manage', 'User')
  @RequireStepUp()
  @Mutation(() => Int, { description: 'Force logout: ends every session of a user' })
  async forceLogout(@Args('input') input: UserIdInput): Promise<number> {
    await this.users.require(input.id);
    const n = await this.sessions.revokeAllForUser(input.id, 'forced_by_admin');
    await this.audit.record({
      action: 'session.force_logout',
      resourceType: 'User',
      resourceId: input.id,
      changes: { count: n },
    });
    return n;
  }
}

function toDTO(s: SessionEntity, current?: string): SessionDTO {
  return {
    id: s.id,
    createdAt: s.createdAt,
    lastSeenAt: s.lastSeenAt,
    expiresAt: s.expiresAt,
    ip: s.ip,
    userAgent: s.userAgent,
    amr: s.amr,
    current: s.id === current,
  };
}
