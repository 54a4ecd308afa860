import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, GraphQLObjectType } from 'graphql';
import { DataSource, type EntityMetadata } from 'typeorm';
import { ENTITIES } from '../../entities';
import { customerColumnsFor } from './customer-columns';
import { CustomerEntity } from './entities/customer.entity';

describe('customerColumnsFor', () => {
  let meta: EntityMetadata;
  beforeAll(async () => {
    // Metadata only: the data source is built, never connected.
    const ds = new DataSource({ type: 'mariadb', database: 'unused', entities: ENTITIES });
    await (ds as unknown as { buildMetadatas(): Promise<void> }).buildMetadatas();
    meta = ds.getMetadata(CustomerEntity);
  });

  it('loads a personal field as its ciphertext, masked form and key subject, plain fields as themselves, always the id', () => {
    expect(new Set(customerColumnsFor(meta, ['email', 'state', 'dateOfBirth']))).toEqual(
      new Set(['id', 'emailCipher', 'emailMasked', 'state', 'dateOfBirthCipher']),
    );
    expect(customerColumnsFor(meta, ['id'])).toEqual(['id']);
  });

  it('loads every column for a field it does not know, or when the fields are not known', () => {
    expect(customerColumnsFor(meta, ['email', 'somethingNew'])).toBeNull();
    expect(customerColumnsFor(meta, null)).toBeNull();
  });

  it('selects columns for every field of the GraphQL Customer type (none falls back to the full row)', () => {
    const schema = buildSchema(
      readFileSync(join(__dirname, '..', '..', '..', 'schema.graphql'), 'utf8'),
    );
    const customer = schema.getType('Customer') as GraphQLObjectType;
    const fields = Object.keys(customer.getFields());
    expect(fields.length).toBeGreaterThan(10);
    for (const field of fields)
      expect({ field, columns: customerColumnsFor(meta, [field]) }).not.toMatchObject({
        columns: null,
      });
  });
});
