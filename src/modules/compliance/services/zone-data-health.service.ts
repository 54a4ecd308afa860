import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { CustomerEntity } from '../../customers/entities/customer.entity';
import { ZONE_DATA_VERSION } from '../rules/zones';

/** At most this many customers are read to name the unknown area codes (counts are exact). */
const SAMPLE = 5000;

export interface ZoneDataHealth {
  dataVersion: string;
  /** Customers whose phone's area code the shipped data does not know: held to every mainland zone. */
  unknownAreaCodeCustomers: number;
  unknownAreaCodes: { areaCode: string; customers: number }[];
  /** Customers with no zone at all (no usable phone, address or stored zone): never contacted. */
  customersWithoutZone: number;
  /** Customers written before the phone's zones were stored: their phone is decrypted per check. */
  customersPendingZones: number;
}

/**
 * How well the shipped time-zone data covers the customers on file. An area code the data does not
 * know is not an error (the contact is held to every mainland zone) but costs calling hours, and
 * says the data needs a rebuild (`npm run data:zones`).
 */
@Injectable()
export class ZoneDataHealthService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async health(): Promise<ZoneDataHealth> {
    const [counts] = await this.dataSource.query<
      { unknown: string | null; without: string | null; pending: string | null }[]
    >(
      `SELECT SUM(phone_zones = '*') AS unknown,
              SUM(COALESCE(phone_zones, '') = '' AND phone_enc IS NULL AND zip IS NULL
                  AND state IS NULL AND timezone IS NULL) AS without,
              SUM(phone_zones IS NULL AND phone_enc IS NOT NULL) AS pending
         FROM customers WHERE deleted_at IS NULL`,
    );
    const sample = await this.dataSource
      .getRepository(CustomerEntity)
      .createQueryBuilder('c')
      .where("c.phone_zones = '*'")
      .andWhere('c.deleted_at IS NULL')
      .limit(SAMPLE)
      .getMany();
    const byCode = new Map<string, number>();
    for (const c of sample) {
      const code = /^\+1(\d{3})/.exec(c.phone ?? '')?.[1];
      if (code) byCode.set(code, (byCode.get(code) ?? 0) + 1);
    }
    return {
      dataVersion: ZONE_DATA_VERSION,
      unknownAreaCodeCustomers: Number(counts.unknown ?? 0),
      unknownAreaCodes: [...byCode]
        .map(([areaCode, customers]) => ({ areaCode, customers }))
        .sort((a, b) => b.customers - a.customers || a.areaCode.localeCompare(b.areaCode)),
      customersWithoutZone: Number(counts.without ?? 0),
      customersPendingZones: Number(counts.pending ?? 0),
    };
  }
}
