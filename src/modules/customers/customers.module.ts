import { Module } from '@nestjs/common';
import { PII_READ_RECORDER } from '../../core/authorization/pii-reads';
import { CryptoModule } from '../crypto/crypto.module';
import { CustomerAccessService } from './customer-access.service';
import { CustomerReadAccessResolver } from './customer-read-access.resolver';
import { CustomerReadLogService } from './customer-read-log.service';
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
    CustomerReadLogService,
    // The GraphQL layer (core) writes unmasked reads through this token.
    { provide: PII_READ_RECORDER, useExisting: CustomerReadLogService },
    CustomersResolver,
    CustomerReadAccessResolver,
  ],
  exports: [
    CustomersService,
    CustomerAccessService,
    CustomerWritesService,
    CustomerReadLogService,
    PII_READ_RECORDER,
  ],
})
export class CustomersModule {}
