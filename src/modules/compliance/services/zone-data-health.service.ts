import { Injectable } from '@nestjs/common';
import { CustomersService } from '../../customers/customers.service';
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
  constructor(private readonly customers: CustomersService) {}

  async health(): Promise<ZoneDataHealth> {
    const counts = await this.customers.phoneZoneCounts();
    const sample = await this.customers.withUnknownPhoneZones(SAMPLE);
    const byCode = new Map<string, number>();
    for (const c of sample) {
      const code = /^\+1(\d{3})/.exec(c.phone ?? '')?.[1];
      if (code) byCode.set(code, (byCode.get(code) ?? 0) + 1);
    }
    return {
      dataVersion: ZONE_DATA_VERSION,
      unknownAreaCodeCustomers: counts.unknown,
      unknownAreaCodes: [...byCode]
        .map(([areaCode, customers]) => ({ areaCode, customers }))
        .sort((a, b) => b.customers - a.customers || a.areaCode.localeCompare(b.areaCode)),
      customersWithoutZone: counts.without,
      customersPendingZones: counts.pending,
    };
  }
}
