import { Module } from '@nestjs/common';
import { CryptoModule } from '../crypto/crypto.module';
import { CustomerAccessService } from './customer-access.service';
import { CustomersResolver } from './customers.resolver';
import { CustomersService } from './customers.service';
import { CustomerRevealService } from './customer-reveal.service';
import { CustomerWritesService } from './customer-writes.service';

@Module({
  imports: [CryptoModule],
  providers: [
    CustomersService,
    CustomerAccessService,
    CustomerWritesService,
    CustomerRevealService,
    CustomersResolver,
  ],
  exports: [CustomersService, CustomerAccessService, CustomerWritesService],
})
export class CustomersModule {}
