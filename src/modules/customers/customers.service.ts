import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { CryptoService } from '../crypto/crypto.service';
import { CustomerEntity, PhoneType } from './entities/customer.entity';

export interface NewCustomer {
  externalRef: string;
  firstName?: string | null;
  lastName?: string | null;
  email?: string | null;
  phone?: string | null;
  phoneType?: PhoneType;
  addressLine?: string | null;
  city?: string | null;
  state?: string | null;
  zip?: string | null;
  timezone?: string | null;
  dateOfBirth?: string | null;
  ssn?: string | null;
  accountRef?: string | null;
  balance?: string;
  tags?: string[] | null;
}

/** Customer records. Services read and write plaintext; the entity encrypts. */
@Injectable()
export class CustomersService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly crypto: CryptoService,
  ) {}

  /** Builds (does not save) a customer; its per-subject key must exist first. */
  async build(input: NewCustomer, manager?: EntityManager): Promise<CustomerEntity> {
    const customer = new CustomerEntity();
    customer.id = uuidv7();
    // Date of birth and SSN use the customer's own key (shredded on erasure): made only when needed.
    if (input.dateOfBirth || input.ssn) await this.crypto.ensureSubjectKey(customer.id, manager);
    customer.externalRef = input.externalRef;
    customer.firstName = input.firstName ?? null;
    customer.lastName = input.lastName ?? null;
    customer.email = input.email ?? null;
    customer.phone = input.phone ?? null;
    customer.phoneType = input.phoneType ?? PhoneType.Unknown;
    customer.addressLine = input.addressLine ?? null;
    customer.city = input.city ?? null;
    customer.state = input.state ?? null;
    customer.zip = input.zip ?? null;
    customer.timezone = input.timezone ?? null;
    customer.dateOfBirth = input.dateOfBirth ?? null;
    customer.ssn = input.ssn ?? null;
    customer.accountRef = input.accountRef ?? null;
    customer.balance = input.balance ?? '0.00';
    customer.tags = input.tags ?? null;
    return customer;
  }

  async create(input: NewCustomer, manager?: EntityManager): Promise<CustomerEntity> {
    const run = async (m: EntityManager) =>
      m.getRepository(CustomerEntity).save(await this.build(input, m));
    return manager ? run(manager) : this.dataSource.transaction(run);
  }

  findById(id: string, manager?: EntityManager): Promise<CustomerEntity | null> {
    return (manager ?? this.dataSource.manager).getRepository(CustomerEntity).findOneBy({ id });
  }

  /** One indexed lookup on the blind index: no scan, no decryption. */
  async findByEmail(email: string): Promise<CustomerEntity[]> {
    const bidx = this.crypto.blindIndex('email', email);
    return bidx ? this.dataSource.getRepository(CustomerEntity).findBy({ emailBidx: bidx }) : [];
  }

  async findByPhone(phone: string): Promise<CustomerEntity[]> {
    const bidx = this.crypto.blindIndex('phone', phone);
    return bidx ? this.dataSource.getRepository(CustomerEntity).findBy({ phoneBidx: bidx }) : [];
  }
}
