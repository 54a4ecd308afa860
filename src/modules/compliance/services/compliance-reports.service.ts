import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { DateTime } from 'luxon';
import { candidateZones } from '../rules/zones';

export interface ComplianceReport {
  from: Date;
  to: Date;
  rows: { section: string; key: string; value: number }[];
}

/** The compliance officer's figures for a period: consents, do-not-contact, attempts, opt-outs. */
@Injectable()
export class ComplianceReportsService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async report(from: Date, to: Date): Promise<ComplianceReport> {
    const rows: ComplianceReport['rows'] = [];
    const push = (section: string, list: { k: string; n: string | number }[]) =>
      list.forEach((r) => rows.push({ section, key: r.k, value: Number(r.n) }));
    push(
      'consents',
      await this.dataSource.query(
        "SELECT CONCAT(channel, '/', purpose, '/', IF(granted, 'granted', 'revoked')) AS k, COUNT(*) AS n FROM consents WHERE effective_at >= ? AND effective_at < ? GROUP BY k ORDER BY k",
        [from, to],
      ),
    );
    push(
      'do_not_contact',
      await this.dataSource.query(
        "SELECT CONCAT(list, '/', COALESCE(channel, 'all'), '/', scope) AS k, COUNT(*) AS n FROM dnc_entries WHERE created_at >= ? AND created_at < ? GROUP BY k ORDER BY k",
        [from, to],
      ),
    );
    push(
      'attempts',
      await this.dataSource.query(
        "SELECT CONCAT(channel, '/', purpose) AS k, COUNT(*) AS n FROM contact_attempts WHERE occurred_at >= ? AND occurred_at < ? GROUP BY k ORDER BY k",
        [from, to],
      ),
    );
    // Refusals at a real gate (launch, task start), the law's apart from house policy.
    for (const kind of ['law', 'house'] as const)
      push(
        `refusals_${kind}`,
        await this.dataSource.query(
          "SELECT CONCAT(rule, '/', channel) AS k, SUM(count) AS n FROM compliance_refusals WHERE kind = ? AND day >= DATE(?) AND day <= DATE(?) GROUP BY k ORDER BY k",
          [kind, from, to],
        ),
      );
    // Attempts made outside 08:00-21:00 in any of the consumer's zones (should be none; checked
    // against the zones known from the stored zone and address: the phone stays encrypted).
    const attempts = await this.dataSource.query<
      {
        occurred_at: Date;
        consumer_initiated: number;
        timezone: string | null;
        state: string | null;
        zip: string | null;
      }[]
    >(
      `SELECT a.occurred_at, a.consumer_initiated, c.timezone, c.state, c.zip
         FROM contact_attempts a JOIN customers c ON c.id = a.customer_id
        WHERE a.occurred_at >= ? AND a.occurred_at < ? LIMIT 200000`,
      [from, to],
    );
    let outside = 0;
    for (const a of attempts) {
      if (a.consumer_initiated) continue;
      const zones = candidateZones({ timezone: a.timezone, state: a.state, zip: a.zip });
      if (
        zones.some((z) => {
          const l = DateTime.fromJSDate(a.occurred_at, { zone: z });
          const m = l.hour * 60 + l.minute;
          return m < 480 || m >= 1260;
        })
      )
        outside++;
    }
    rows.push({ section: 'attempts', key: 'outside_legal_hours', value: outside });
    const [optOuts] = await this.dataSource.query<{ n: string; worst: number | null }[]>(
      `SELECT COUNT(*) AS n, MAX(TIMESTAMPDIFF(MICROSECOND, i.received_at, d.created_at)) / 1000000 AS worst
         FROM inbound_messages i
         LEFT JOIN dnc_entries d ON d.address_bidx = i.from_bidx AND d.source = 'sms_keyword'
        WHERE i.intent = 'opt_out' AND i.received_at >= ? AND i.received_at < ?`,
      [from, to],
    );
    rows.push({ section: 'opt_outs', key: 'sms_keyword', value: Number(optOuts.n) });
    rows.push({
      section: 'opt_outs',
      key: 'max_seconds_to_honour',
      value: Math.max(0, Number(optOuts.worst ?? 0)),
    });
    return { from, to, rows };
  }

  toCsv(report: ComplianceReport): string {
    const esc = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
    return (
      [
        'section,key,value',
        ...report.rows.map((r) => `${esc(r.section)},${esc(r.key)},${r.value}`),
      ].join('\n') + '\n'
    );
  }
}
