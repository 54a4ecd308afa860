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
import { DebtsResolver } from './debts.resolver';
import { DebtsService } from './debts.service';
import { PlacementImportController } from './placement-import.controller';
import { PlacementImportService } from './placement-import.service';

@Module({
  imports: [CryptoModule],
  controllers: [PlacementImportController],
  providers: [
    CustomersService,
    CustomerAccessService,
    CustomerWritesService,
    CustomerRevealService,
    CustomerReadLogService,
    DebtsService,
    PlacementImportService,
    // The GraphQL layer (core) writes unmasked reads through this token.
    { provide: PII_READ_RECORDER, useExisting: CustomerReadLogService },
    CustomersResolver,
    CustomerReadAccessResolver,
    DebtsResolver,
  ],
  exports: [
    CustomersService,
    CustomerAccessService,
    CustomerWritesService,
    CustomerReadLogService,
    DebtsService,
    PII_READ_RECORDER,
  ],
})
export class CustomersModule {}
