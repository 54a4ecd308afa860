import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import {
  carrierDay,
  CarrierLimits,
  carrierLimits,
  nextCarrierDay,
  pacedRate,
  SendEta,
  sendEta,
  takeToken,
  THROUGHPUT_DATA_VERSION,
} from '../rules/throughput';

export type ThroughputTake =
  | { admitted: true; delayMs: number }
  | { admitted: false; waitMs: number; resumeAt?: undefined }
  | { admitted: false; resumeAt: Date; waitMs?: undefined };

export interface CampaignThroughput {
  messagingCampaignId: string;
  brandId: string;
  limits: CarrierLimits;
  /** Texts the brand has sent today towards its T-Mobile daily cap (Pacific day). */
  sentToday: number;
  dataVersion: string;
}

/**
 * How long the worker keeps a campaign's limits (its use case and brand score change rarely, by an
 * admin): a take then waits for nothing but its locks, so texts leave on time.
 */
const LIMITS_TTL_MS = 10_000;

/** Days of a brand's daily counts kept (older ones go when a new day's count starts). */
const DAILY_KEPT_DAYS = 30;

const bucketKey = (messagingCampaignId: string) => `campaign:${messagingCampaignId}`;
const dailyKey = (brandId: string) => `brand:${brandId}:tmobile`;

/**
 * The carriers' throughput for 10DLC texts, shared by every instance of the service through the
 * database: a token bucket per 10DLC campaign (the strictest carrier's rate: a text's carrier is
 * not known) and a count per brand and Pacific day (T-Mobile's daily cap). Both are taken in one
 * transaction that holds both rows, so two workers never pass the limits between them, and the
 * database's clock is the only clock, so instances with skewed clocks agree.
 */
@Injectable()
export class ThroughputService {
  private readonly cached = new Map<
    string,
    { until: number; found: { brandId: string; limits: CarrierLimits } }
  >();

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The limits a 10DLC campaign sends under (its use case, its brand's vetting score). */
  async limitsOf(
    messagingCampaignId: string,
  ): Promise<{ brandId: string; limits: CarrierLimits } | null> {
    const [row] = await this.dataSource.query<
      { brand_id: string; use_case: string; vetting_score: number }[]
    >(
      `SELECT mc.brand_id, mc.use_case, b.vetting_score
         FROM messaging_campaigns mc JOIN brands b ON b.id = mc.brand_id
        WHERE mc.id = ?`,
      [messagingCampaignId],
    );
    if (!row) return null;
    return { brandId: row.brand_id, limits: carrierLimits(row.use_case, row.vetting_score) };
  }

  /**
   * One text's passage: a token from the campaign's bucket and one from the brand's day. Admitted,
   * both are taken, and the text leaves after `delayMs` (a token due within `maxDelayMs` is
   * reserved); refused, neither is, with the wait until the next token or, when the day's cap is
   * spent, the start of the next carrier day. The bucket refills at the paced rate, under the
   * carriers' limit by the pacing headroom.
   */
  async take(messagingCampaignId: string, maxDelayMs = 0): Promise<ThroughputTake> {
    let entry = this.cached.get(messagingCampaignId);
    if (!entry || entry.until < Date.now()) {
      const found = await this.limitsOf(messagingCampaignId);
      if (!found) throw new Error(`no 10DLC campaign ${messagingCampaignId}`);
      entry = { until: Date.now() + LIMITS_TTL_MS, found };
      this.cached.set(messagingCampaignId, entry);
    }
    const { brandId, limits } = entry.found;
    return this.dataSource.transaction(async (m) => {
      const key = bucketKey(messagingCampaignId);
      // The upsert takes the row's exclusive lock (a plain INSERT IGNORE would take a shared one,
      // and two takers upgrading it would deadlock). Always the bucket first, then the day. The
      // reads lock too: a locking read sees the last committed take, where a plain read would see
      // this transaction's snapshot, taken before it waited for the lock.
      await m.query(
        `INSERT INTO throughput_buckets (bucket_key, tokens, refilled_at) VALUES (?, 1, NOW(6))
         ON DUPLICATE KEY UPDATE bucket_key = bucket_key`,
        [key],
      );
      const [bucket] = await m.query<
        { tokens: number; elapsed_us: string; now: string; epoch: string }[]
      >(
        `SELECT tokens, TIMESTAMPDIFF(MICROSECOND, refilled_at, t.now) AS elapsed_us,
                DATE_FORMAT(t.now, '%Y-%m-%d %H:%i:%s.%f') AS now, UNIX_TIMESTAMP(t.now) AS epoch
           FROM throughput_buckets, (SELECT NOW(6) AS now) t
          WHERE bucket_key = ? FOR UPDATE`,
        [key],
      );
      const now = new Date(Number(bucket.epoch) * 1000);
      const day = carrierDay(now);
      const daily = dailyKey(brandId);
      const started = await m.query<{ affectedRows: number }>(
        `INSERT INTO throughput_daily (bucket_key, day, sent) VALUES (?, ?, 0)
         ON DUPLICATE KEY UPDATE sent = sent`,
        [daily, day],
      );
      if (started.affectedRows === 1)
        await m.query(
          'DELETE FROM throughput_daily WHERE bucket_key = ? AND day < ? - INTERVAL ? DAY',
          [daily, day, DAILY_KEPT_DAYS],
        );
      const [{ sent }] = await m.query<{ sent: number }[]>(
        'SELECT sent FROM throughput_daily WHERE bucket_key = ? AND day = ? FOR UPDATE',
        [daily, day],
      );
      if (sent >= limits.tmobileDaily) return { admitted: false, resumeAt: nextCarrierDay(now) };
      const taken = takeToken(
        Number(bucket.tokens),
        Number(bucket.elapsed_us) / 1000,
        pacedRate(limits.ratePerSecond),
        1,
        maxDelayMs,
      );
      if (!taken.admitted) return { admitted: false, waitMs: taken.waitMs };
      await m.query(
        'UPDATE throughput_buckets SET tokens = ?, refilled_at = ? WHERE bucket_key = ?',
        [taken.tokens, bucket.now, key],
      );
      await m.query(
        'UPDATE throughput_daily SET sent = sent + 1 WHERE bucket_key = ? AND day = ?',
        [daily, day],
      );
      return { admitted: true, delayMs: taken.delayMs };
    });
  }

  /** A 10DLC campaign's limits and what its brand has sent today (at `at`, default now). */
  async of(messagingCampaignId: string, at = new Date()): Promise<CampaignThroughput | null> {
    const found = await this.limitsOf(messagingCampaignId);
    if (!found) return null;
    const [row] = await this.dataSource.query<{ sent: number }[]>(
      'SELECT sent FROM throughput_daily WHERE bucket_key = ? AND day = ?',
      [dailyKey(found.brandId), carrierDay(at)],
    );
    return {
      messagingCampaignId,
      brandId: found.brandId,
      limits: found.limits,
      sentToday: row?.sent ?? 0,
      dataVersion: THROUGHPUT_DATA_VERSION,
    };
  }

  /**
   * How long `messages` texts of this 10DLC campaign take from `at` at today's limits, paced as
   * the worker sends them.
   */
  async eta(messagingCampaignId: string, messages: number, at: Date): Promise<SendEta | null> {
    const current = await this.of(messagingCampaignId, at);
    if (!current) return null;
    const paced = { ...current.limits, ratePerSecond: pacedRate(current.limits.ratePerSecond) };
    return sendEta(messages, paced, at, current.sentToday);
  }
}
