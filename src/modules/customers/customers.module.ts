import { Module } from '@nestjs/common';
import { CustomerAccessService } from './customer-access.service';
import { CustomersResolver } from './customers.resolver';
import { CustomersService } from './customers.service';
import { CustomerWritesService } from './customer-writes.service';

@Module({
  providers: [CustomersService, CustomerAccessService, CustomerWritesService, CustomersResolver],
  exports: [CustomersService, CustomerAccessService],
})
export class CustomersModule {}
