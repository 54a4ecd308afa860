import { Query, Resolver } from '@nestjs/graphql';
import { Allow } from '../../core/authorization/allow.decorator';
import { ZoneDataHealthDTO } from './dto/compliance-admin.dto';
import { ZoneDataHealthService } from './services/zone-data-health.service';

@Resolver()
export class ZoneDataResolver {
  constructor(private readonly health: ZoneDataHealthService) {}

  @Allow('read', 'Settings')
  @Query(() => ZoneDataHealthDTO, {
    description:
      'How the shipped time-zone data covers the customers on file: unknown area codes, customers without a zone',
  })
  zoneDataHealth(): Promise<ZoneDataHealthDTO> {
    return this.health.health();
  }
}
