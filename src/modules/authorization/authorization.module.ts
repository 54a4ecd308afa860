import { Module } from '@nestjs/common';
import { RolesResolver } from './roles.resolver';
import { AbilityService } from './services/ability.service';
import { RolesService } from './services/roles.service';

@Module({
  providers: [AbilityService, RolesService, RolesResolver],
  exports: [AbilityService],
})
export class AuthorizationModule {}
