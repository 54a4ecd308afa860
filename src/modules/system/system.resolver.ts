import { Query, Resolver } from '@nestjs/graphql';
import { Public } from '../../core/auth/public.decorator';
import { ServerInfoDTO } from './dto/server-info.dto';

export const API_VERSION = '1';

@Resolver(() => ServerInfoDTO)
export class SystemResolver {
  @Public()
  @Query(() => ServerInfoDTO, {
    description: 'Who answers: for clients to check they reach CallWarden',
  })
  serverInfo(): ServerInfoDTO {
    return { name: 'CallWarden', apiVersion: API_VERSION, serverTime: new Date() };
  }
}
