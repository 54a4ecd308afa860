// The customers module's public surface besides its services and Nest module. The entity is a
// type here: other modules read and write customers through CustomersService, never a repository.
export type { CustomerEntity } from './entities/customer.entity';
export { CustomerStatus, PhoneType } from './entities/customer.entity';
export { CustomerDTO } from './dto/customer.dto';
export type { DebtEntity } from './entities/debt.entity';
export { DebtStatus } from './entities/debt.entity';
export { DebtDTO } from './dto/debt.dto';
export type { AudienceFilter, AudienceSlice, ContactSubject } from './customers.service';
export { READ_LOG_FIELDS, ReadAccessKind } from './customer-read-log.service';
export type {
  ReadAccessEntry,
  ReadAccessRow,
  ReadAccessSummary,
} from './customer-read-log.service';
