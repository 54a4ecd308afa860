import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { RequireStepUp } from '../../core/auth/auth.decorators';
import { Allow } from '../../core/authorization/allow.decorator';
import { RoleDTO, RoleNameInput, SaveRoleInput } from './dto/role.dto';
import { RolesService, RoleView } from './services/roles.service';

function toDTO(r: RoleView): RoleDTO {
  return {
    name: r.name,
    description: r.description,
    builtIn: r.builtIn,
    inherits: r.inherits,
    version: r.version,
    rules: r.rules.map((rule) => ({
      action: ([] as string[]).concat(rule.action),
      subject: ([] as string[]).concat(rule.subject),
      fields: rule.fields ?? null,
      conditions: rule.conditions ? JSON.stringify(rule.conditions) : null,
      inverted: Boolean(rule.inverted),
    })),
  };
}

@Resolver(() => RoleDTO)
export class RolesResolver {
  constructor(private readonly roleService: RolesService) {}

  @Allow('read', 'Role')
  @Query(() => [RoleDTO], { description: 'Built-in and custom roles with their rules' })
  async roles(): Promise<RoleDTO[]> {
    return (await this.roleService.list()).map(toDTO);
  }

  @Allow('create', 'Role')
  @RequireStepUp()
  @Mutation(() => RoleDTO)
  async createRole(@Args('input') input: SaveRoleInput): Promise<RoleDTO> {
    return toDTO(await this.roleService.save(input, true));
  }

  @Allow('update', 'Role')
  @RequireStepUp()
  @Mutation(() => RoleDTO, { description: 'Replaces the rules; applies from the next request on' })
  async updateRole(@Args('input') input: SaveRoleInput): Promise<RoleDTO> {
    return toDTO(await this.roleService.save(input, false));
  }

  @Allow('delete', 'Role')
  @RequireStepUp()
  @Mutation(() => Boolean)
  async deleteRole(@Args('input') input: RoleNameInput): Promise<boolean> {
    await this.roleService.remove(input.name);
    return true;
  }
}
