import { Context, Parent, ResolveField, Resolver } from '@nestjs/graphql';
import type { RequestContext } from '../../core/auth/request-context';
import { loaderFor } from '../../core/graphql/loaders';
import { CustomerDTO } from '../customers';
import { CustomerEntity } from '../customers';
import { TaskDTO } from './dto/outreach.dto';
import { TaskEntity } from './entities/task.entity';
import { OutreachAccessService } from './outreach-access.service';

type Req = { cw: RequestContext };

/** `Customer.tasks`: outreach adds the field to the customers module's type. */
@Resolver(() => CustomerDTO)
export class CustomerTasksResolver {
  constructor(private readonly outreach: OutreachAccessService) {}

  @ResolveField(() => [TaskDTO], { description: 'The tasks of this customer the caller may see' })
  tasks(@Parent() customer: CustomerEntity, @Context('req') req: Req): Promise<TaskEntity[]> {
    return loaderFor(req, 'tasksByCustomer', (ids) =>
      this.outreach.tasksBy(req.cw, 'customer_id', ids),
    ).load(customer.id);
  }
}
