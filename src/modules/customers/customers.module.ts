import { Module } from '@nestjs/common';
import { CustomerAccessService } from './customer-access.service';
import { CustomersResolver } from './customers.resolver';
import { CustomersService } from './customers.service';

@Module({
  providers: [CustomersService, CustomerAccessService, CustomersResolver],
  exports: [CustomersService, CustomerAccessService],
})
export class CustomersModule {}
