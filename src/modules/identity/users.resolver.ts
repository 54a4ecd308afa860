import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { RequireStepUp } from '../../core/auth/auth.decorators';
import { Ctx, RequestContext } from '../../core/auth/request-context';
import { assertRecentStepUp } from '../../core/auth/step-up';
import { Allow } from '../../core/authorization/allow.decorator';
import { CreateUserInput, UpdateUserInput, UserIdInput, UsersArgs } from './dto/manage-user.input';
import { UserDTO, UserPageDTO } from './dto/user.dto';
import { IdentityErrorCode, IdentityException } from './identity.exception';
import { PasswordResetService } from './services/password-reset.service';
import { ThrottleService } from './services/throttle.service';
import { UserAdminService } from './services/user-admin.service';
import { UsersService } from './services/users.service';

@Resolver(() => UserDTO)
export class UsersResolver {
  constructor(
    private readonly directory: UsersService,
    private readonly admin: UserAdminService,
    private readonly passwordReset: PasswordResetService,
    private readonly throttle: ThrottleService,
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
    return UserDTO.from(await this.admin.create(input));
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
    const updated = await this.admin.update(input.id, {
      displayName: input.displayName,
      teamId: input.teamId,
      role: input.role,
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
    const user = await this.admin.disable(input.id);
    return UserDTO.from(user);
  }

  @Allow('update', 'User')
  @Mutation(() => UserDTO, { description: 'Lifts a lockout (and re-enables a disabled user)' })
  async unlockUser(@Args('input') input: UserIdInput): Promise<UserDTO> {
    return UserDTO.from(await this.admin.unlock(input.id));
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
