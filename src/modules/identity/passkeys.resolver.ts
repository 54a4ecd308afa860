import {
  Args,
  ArgsType,
  Context,
  Field,
  ID,
  Mutation,
  Parent,
  Query,
  ResolveField,
  Resolver,
} from '@nestjs/graphql';
import { IsUUID } from 'class-validator';
import type { CookieJar } from '../../core/graphql/graphql-context';
import {
  AllowDuringMfaEnrollment,
  Authenticated,
  RequireStepUp,
} from '../../core/auth/auth.decorators';
import { Public } from '../../core/auth/public.decorator';
import { Ctx, RequestContext } from '../../core/auth/request-context';
import { STEP_UP_WINDOW_MS } from '../../core/auth/step-up';
import { Allow } from '../../core/authorization/allow.decorator';
import { AppConfigService } from '../../core/config/app-config.service';
import { RateLimitClass } from '../../core/rate-limit/rate-class';
import { AuthTokensDTO, StepUpResultDTO } from './dto/auth.dto';
import {
  BeginPasskeySignInInput,
  FinishPasskeyRegistrationInput,
  PasskeyDTO,
  PasskeyIdInput,
  PasskeyOptionsDTO,
  PasskeyResponseInput,
  RolePasskeyRequirementDTO,
  SetRolePasskeyRequirementInput,
  UserPasskeyInput,
  VerifyPasskeyInput,
} from './dto/passkey.dto';
import { UserDTO } from './dto/user.dto';
import { PasskeyAuthService } from './services/passkey-auth.service';
import { PasskeyPolicyService } from './services/passkey-policy.service';
import { PasskeysService, sessionOf } from './services/passkeys.service';
import { TrustedDevicesService } from './services/trusted-devices.service';
import { deliverTokens } from './utils/deliver-tokens';

@ArgsType()
class UserPasskeysArgs {
  @Field(() => ID) @IsUUID() userId!: string;
}

/**
 * Passkeys (WebAuthn): registration, sign-in (the MFA step of `login`), step-up, the caller's own
 * and (admins) a user's passkeys, and the roles that must use them. Options and responses cross
 * the API as JSON text, for the browser's WebAuthn API.
 */
@Resolver(() => UserDTO)
export class PasskeysResolver {
  constructor(
    private readonly registry: PasskeysService,
    private readonly passkeyAuth: PasskeyAuthService,
    private readonly policy: PasskeyPolicyService,
    private readonly config: AppConfigService,
    private readonly devices: TrustedDevicesService,
  ) {}

  @RateLimitClass('auth')
  @Authenticated()
  @AllowDuringMfaEnrollment()
  @Mutation(() => PasskeyOptionsDTO, {
    description:
      'Starts adding a passkey (a recent step-up first when the caller has a second factor)',
  })
  beginPasskeyRegistration(@Ctx() ctx: RequestContext): Promise<PasskeyOptionsDTO> {
    return this.registry.beginRegistration(ctx);
  }

  @RateLimitClass('auth')
  @Authenticated()
  @AllowDuringMfaEnrollment()
  @Mutation(() => PasskeyDTO, { description: 'Verifies and stores the new passkey' })
  async finishPasskeyRegistration(
    @Ctx() ctx: RequestContext,
    @Args('input') input: FinishPasskeyRegistrationInput,
  ): Promise<PasskeyDTO> {
    return PasskeyDTO.from(await this.registry.finishRegistration(ctx, input.response, input.name));
  }

  @Authenticated()
  @Query(() => [PasskeyDTO], { description: "The caller's passkeys in use" })
  async passkeys(@Ctx() ctx: RequestContext): Promise<PasskeyDTO[]> {
    sessionOf(ctx);
    return (await this.registry.active(ctx.principal.userId)).map((c) => PasskeyDTO.from(c));
  }

  @Authenticated()
  @RequireStepUp()
  @Mutation(() => Boolean, { description: "Revokes one of the caller's passkeys" })
  async revokePasskey(
    @Ctx() ctx: RequestContext,
    @Args('input') input: PasskeyIdInput,
  ): Promise<boolean> {
    sessionOf(ctx);
    await this.registry.revokeOwn(ctx.principal.userId, input.id);
    return true;
  }

  @Allow('manage', 'User')
  @Query(() => [PasskeyDTO], { description: "A user's passkeys, revoked ones too" })
  async userPasskeys(@Args() args: UserPasskeysArgs): Promise<PasskeyDTO[]> {
    return (await this.registry.listForUser(args.userId)).map((c) => PasskeyDTO.from(c));
  }

  @Allow('manage', 'User')
  @RequireStepUp()
  @Mutation(() => Boolean, { description: "Revokes a user's passkey (lost or stolen)" })
  async revokeUserPasskey(@Args('input') input: UserPasskeyInput): Promise<boolean> {
    await this.registry.revokeForUser(input.userId, input.id);
    return true;
  }

  @RateLimitClass('auth')
  @Public()
  @Mutation(() => PasskeyOptionsDTO, {
    description: 'MFA step of a login with a passkey: the options (then verifyPasskey)',
  })
  beginPasskeySignIn(@Args('input') input: BeginPasskeySignInInput): Promise<PasskeyOptionsDTO> {
    return this.passkeyAuth.beginSignIn(input.mfaToken);
  }

  @RateLimitClass('auth')
  @Public()
  @Mutation(() => AuthTokensDTO, { description: 'MFA step of a login with a passkey' })
  async verifyPasskey(
    @Args('input') input: VerifyPasskeyInput,
    @Context('cookies') res: CookieJar,
  ): Promise<AuthTokensDTO> {
    const tokens = await this.passkeyAuth.verifySignIn(input.mfaToken, input.response);
    this.devices.remember(res, tokens.user.emailBidx);
    return deliverTokens(
      tokens,
      res,
      this.config.get('SESSION_MAX_HOURS'),
      input.returnRefreshToken,
    );
  }

  @RateLimitClass('auth')
  @Authenticated()
  @Mutation(() => PasskeyOptionsDTO, { description: 'Starts a step-up with a passkey' })
  beginPasskeyStepUp(@Ctx() ctx: RequestContext): Promise<PasskeyOptionsDTO> {
    return this.passkeyAuth.beginStepUp(ctx.principal.userId, sessionOf(ctx));
  }

  @RateLimitClass('auth')
  @Authenticated()
  @Mutation(() => StepUpResultDTO, {
    description: 'Fresh MFA check with a passkey for sensitive operations (10 minutes)',
  })
  async stepUpWithPasskey(
    @Ctx() ctx: RequestContext,
    @Args('input') input: PasskeyResponseInput,
  ): Promise<StepUpResultDTO> {
    const verifiedAt = await this.passkeyAuth.stepUp(
      ctx.principal.userId,
      sessionOf(ctx),
      input.response,
    );
    return { verifiedAt, validUntil: new Date(verifiedAt.getTime() + STEP_UP_WINDOW_MS) };
  }

  @Allow('read', 'Role')
  @Query(() => [RolePasskeyRequirementDTO], {
    description: 'Roles whose users must use their passkey (a role not listed: not required)',
  })
  rolePasskeyRequirements(): Promise<RolePasskeyRequirementDTO[]> {
    return this.policy.list();
  }

  @Allow('update', 'Role')
  @RequireStepUp()
  @Mutation(() => Boolean, {
    description:
      'Requires passkeys of a role: its users who have one can no longer use codes to sign in or step up',
  })
  async setRolePasskeyRequirement(
    @Ctx() ctx: RequestContext,
    @Args('input') input: SetRolePasskeyRequirementInput,
  ): Promise<boolean> {
    await this.policy.setRequired(input.role, input.required, ctx.principal.userId);
    return true;
  }

  @ResolveField(() => Boolean, { description: 'Whether the user has a passkey in use' })
  hasPasskey(@Parent() user: UserDTO): Promise<boolean> {
    return this.policy.hasActivePasskey(user.id);
  }

  @ResolveField(() => Boolean, {
    description: "Whether the user's role requires passkeys (the console asks to enroll one)",
  })
  passkeyRequired(@Parent() user: UserDTO): Promise<boolean> {
    return this.policy.isRequired(user.role);
  }
}
