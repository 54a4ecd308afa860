import { randomBytes } from 'node:crypto';
import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { RequireStepUp } from '../../core/auth/auth.decorators';
import { Ctx, RequestContext } from '../../core/auth/request-context';
import { assertRecentStepUp } from '../../core/auth/step-up';
import { Allow } from '../../core/authorization/allow.decorator';
import { AuditService } from '../audit/audit.service';
import { CreateUserInput, UpdateUserInput, UserIdInput, UsersArgs } from './dto/manage-user.input';
import { UserDTO, UserPageDTO } from './dto/user.dto';
import { UserEntity, UserStatus } from './entities/user.entity';
import { IdentityErrorCode, IdentityException } from './identity.exception';
import { PasswordResetService } from './services/password-reset.service';
import { SessionService } from './services/session.service';
import { ThrottleService } from './services/throttle.service';
import { UsersService } from './services/users.service';

@Resolver(() => UserDTO)
export class UsersResolver {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly directory: UsersService,
    private readonly passwordReset: PasswordResetService,
    private readonly sessions: SessionService,
    private readonly throttle: ThrottleService,
    private readonly audit: AuditService,
  ) {}

  @Allow('read', 'User')
  @Query(() => UserPageDTO)
  async users(@Args() args: UsersArgs): Promise<UserPageDTO> {
    const page = await this.directory.list(args.first, args.after);
    const items = await Promise.all(
      page.items.map(async (u) =>
        UserDTO.from(u, await this.throttle.isAccountLocked(u.emailBidx)),
      ),
    );
    return { items, nextCursor: page.nextCursor };
  }

  @Allow('create', 'User')
  @RequireStepUp()
  @Mutation(() => UserDTO, {
    description: 'Creates a user and emails them a link to set their password',
  })
  async createUser(@Args('input') input: CreateUserInput): Promise<UserDTO> {
    const user = await this.dataSource.transaction(async (m) => {
      // Nobody knows this password: the user sets their own through the emailed link.
      const created = await this.directory.create(
        { ...input, password: `${randomBytes(24).toString('base64url')}!` },
        m,
      );
      await this.audit.record(
        {
          action: 'user.created',
          resourceType: 'User',
          resourceId: created.id,
          changes: { after: { role: created.role, teamId: created.teamId, email: input.email } },
        },
        m,
      );
      return created;
    });
    await this.passwordReset.requestPasswordReset(input.email, 'admin');
    return UserDTO.from(user);
  }

  @Allow('update', 'User')
  @Mutation(() => UserDTO)
  async updateUser(
    @Ctx() ctx: RequestContext,
    @Args('input') input: UpdateUserInput,
  ): Promise<UserDTO> {
    const roleChange = input.role !== undefined;
    if (roleChange && input.id === ctx.principal.userId) {
      throw new IdentityException(IdentityErrorCode.OWN_ROLE, 'Nobody changes their own role');
    }
    // Editing a name or team needs no step-up; a role change does, as @RequireStepUp() would.
    if (roleChange) assertRecentStepUp(ctx);
    if (roleChange) await this.directory.assertRole(input.role as string);
    const updated = await this.dataSource.transaction(async (m) => {
      const user = await this.directory.require(input.id, m);
      const before = { role: user.role, teamId: user.teamId };
      if (input.displayName !== undefined) user.displayName = input.displayName;
      if (input.teamId !== undefined) user.teamId = input.teamId;
      if (input.role !== undefined) user.role = input.role;
      const saved = await m.getRepository(UserEntity).save(user);
      if (roleChange && before.role !== saved.role) {
        // The role is in every access token: end the sessions so the change applies now.
        await this.sessions.revokeAllForUser(saved.id, 'role_changed', m);
        await this.audit.record(
          {
            action: 'user.role_changed',
            resourceType: 'User',
            resourceId: saved.id,
            changes: { before, after: { role: saved.role, teamId: saved.teamId } },
          },
          m,
        );
      } else {
        await this.audit.record(
          {
            action: 'user.updated',
            resourceType: 'User',
            resourceId: saved.id,
            changes: { before, after: { teamId: saved.teamId } },
          },
          m,
        );
      }
      return saved;
    });
    return UserDTO.from(updated);
  }

  @Allow('update', 'User')
  @Mutation(() => UserDTO, { description: 'Disables a user and ends their sessions at once' })
  async disableUser(
    @Ctx() ctx: RequestContext,
    @Args('input') input: UserIdInput,
  ): Promise<UserDTO> {
    if (input.id === ctx.principal.userId) {
      throw new IdentityException(IdentityErrorCode.OWN_ROLE, 'You cannot disable yourself');
    }
    const user = await this.dataSource.transaction(async (m) => {
      const u = await this.directory.require(input.id, m);
      u.status = UserStatus.Disabled;
      await m.getRepository(UserEntity).update({ id: u.id }, { status: UserStatus.Disabled });
      await this.sessions.revokeAllForUser(u.id, 'user_disabled', m);
      await this.audit.record(
        { action: 'user.disabled', resourceType: 'User', resourceId: u.id },
        m,
      );
      return u;
    });
    return UserDTO.from(user);
  }

  @Allow('update', 'User')
  @Mutation(() => UserDTO, { description: 'Lifts a lockout (and re-enables a disabled user)' })
  async unlockUser(@Args('input') input: UserIdInput): Promise<UserDTO> {
    const user = await this.directory.require(input.id);
    await this.throttle.clearAccount(user.emailBidx);
    if (user.status !== UserStatus.Active) {
      await this.dataSource
        .getRepository(UserEntity)
        .update({ id: user.id }, { status: UserStatus.Active });
      user.status = UserStatus.Active;
    }
    await this.audit.record({ action: 'user.unlocked', resourceType: 'User', resourceId: user.id });
    return UserDTO.from(user);
  }

  @Allow('update', 'User')
  @Mutation(() => Boolean, {
    description: "Admin-initiated reset: ends the user's sessions, emails a reset link",
  })
  async resetUserPassword(
    @Ctx() ctx: RequestContext,
    @Args('input') input: UserIdInput,
  ): Promise<boolean> {
    await this.passwordReset.adminResetPassword(input.id, ctx.principal.userId);
    return true;
  }
}
