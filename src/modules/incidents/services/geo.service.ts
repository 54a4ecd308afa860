import { readFileSync } from 'node:fs';
import { Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AppConfigService } from '../../../core/config/app-config.service';
import { ConfigError } from '../../../core/config/environment';
import { GeoTable, travelVerdict } from '../detection/geo';
import type { DetectionEvent } from '../detection/rules';

const NEW_COUNTRY_AFTER_MS = 90 * 86_400_000;

interface LocationRow {
  country: string;
  latitude: string;
  longitude: string;
  seen_at: Date;
}

/**
 * The geo source (GEOIP_FILE), read once at boot (a bad file stops the process with the line that
 * is wrong), and the per-user memory of sign-in places the geo rules compare against.
 */
@Injectable()
export class GeoService {
  private readonly logger = new Logger(GeoService.name);
  private readonly table: GeoTable | null;

  constructor(config: AppConfigService) {
    const file = config.get('GEOIP_FILE');
    if (!file) {
      this.table = null;
      return;
    }
    try {
      this.table = GeoTable.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new ConfigError(
        `GEOIP_FILE could not be read: ${e instanceof Error ? e.message : 'unknown error'}`,
      );
    }
    this.logger.log(`geo source loaded: ${this.table.size} ranges`);
  }

  get configured(): boolean {
    return this.table !== null;
  }

  /**
   * For a completed sign-in with a known place: fills `event.geo` against the user's earlier
   * sign-ins and records this one, in the detector's transaction (so a replayed batch sees the same).
   */
  async enrich(m: EntityManager, event: DetectionEvent): Promise<void> {
    if (!this.table || !event.ip || !event.actorId || event.actorType !== 'user') return;
    const point = this.table.lookup(event.ip);
    if (!point) return;
    const [last] = await m.query<LocationRow[]>(
      `SELECT country, latitude, longitude, seen_at FROM sign_in_locations
        WHERE user_id = ? AND seen_at <= ? ORDER BY seen_at DESC LIMIT 1`,
      [event.actorId, event.occurredAt],
    );
    const [known] = await m.query<LocationRow[]>(
      'SELECT seen_at FROM sign_in_locations WHERE user_id = ? AND country = ?',
      [event.actorId, point.country],
    );
    event.geo = {
      country: point.country,
      newCountry:
        Boolean(last) &&
        (!known || known.seen_at.getTime() < event.occurredAt.getTime() - NEW_COUNTRY_AFTER_MS),
      travel: travelVerdict(
        last
          ? {
              at: last.seen_at,
              point: {
                country: last.country,
                latitude: Number(last.latitude),
                longitude: Number(last.longitude),
              },
            }
          : null,
        event.occurredAt,
        point,
      ),
    };
    await m.query(
      `INSERT INTO sign_in_locations (user_id, country, latitude, longitude, seen_at)
       VALUES (?, ?, ?, ?, ?)
       ON DUPLICATE KEY UPDATE latitude = VALUES(latitude), longitude = VALUES(longitude),
         seen_at = GREATEST(seen_at, VALUES(seen_at))`,
      [event.actorId, point.country, point.latitude, point.longitude, event.occurredAt],
    );
  }
}
