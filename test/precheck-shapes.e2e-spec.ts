import type { RowDataPacket } from 'mysql2/promise';
import { randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import { ComplianceService } from '../src/modules/compliance/compliance.service';
import type { ContactRequest } from '../src/modules/compliance/services/compliance-facts.service';
import { CryptoService } from '../src/modules/crypto/crypto.service';
import { CustomersService } from '../src/modules/customers/customers.service';
import { PhoneType } from '../src/modules/customers/entities/customer.entity';
import { CampaignEntity, Channel } from '../src/modules/outreach/entities/campaign.entity';
import { CampaignsService } from '../src/modules/outreach/services/campaigns.service';
import { prng } from '../bench/lib/prng';
import { useTestApp } from './utils/use-test-app';

/**
 * The precheck decides customers with no history by shape (one decision per distinct set of
 * stored fields) and the others one by one. Over a varied audience, in pages small enough to
 * span several, its counts, reasons and the blocked customers it names (the first 200 by id)
 * must equal those of every customer decided one by one (evaluateBatch over full entities).
 */
describe('precheck by shape (e2e)', () => {
  const app = useTestApp();
  const tag = `shape-${Date.now()}`;
  const ids: string[] = [];
  // A weekday noon in New York, two days ahead: the campaign decides at its start.
  const at = DateTime.now()
    .setZone('America/New_York')
    .plus({ days: 2 })
    .set({ hour: 12, minute: 0, second: 0, millisecond: 0 });
  const start = (at.weekday > 5 ? at.plus({ days: 8 - at.weekday }) : at).toJSDate();

  beforeAll(async () => {
    const customers = app.t.app.get(CustomersService);
    const random = prng(20261203);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
    const places = [
      { state: 'NY', zip: '10001', area: '212' },
      { state: 'CA', zip: '94103', area: '415' },
      { state: 'TX', zip: '79901', area: '915' },
      { state: 'AZ', zip: '85001', area: '602' },
      { state: 'FL', zip: '32501', area: '850' },
      { state: 'NY', zip: '94103', area: '305' },
    ] as const;
    for (let n = 0; n < 420; n++) {
      const place = pick(places);
      const area = random() < 0.8 ? place.area : pick(places).area;
      const customer = await customers.create({
        externalRef: `${tag}-${n}`,
        lastName: `Shape${n}`,
        phone: random() < 0.95 ? `+1${area}555${String(1000 + n).padStart(4, '0')}` : null,
        email: random() < 0.5 ? `shape.${tag}.${n}@example.com` : null,
        phoneType: pick([PhoneType.Mobile, PhoneType.Landline, PhoneType.Unknown]),
        state: random() < 0.9 ? place.state : null,
        zip: random() < 0.8 ? place.zip : null,
        timezone: random() < 0.2 ? pick(['America/New_York', 'America/Los_Angeles']) : null,
        tags: [tag],
      });
      ids.push(customer.id);
    }
    const now = new Date();
    const ago = (hours: number) => new Date(start.getTime() - hours * 3_600_000);
    for (const [n, id] of ids.entries()) {
      const r = random();
      // Preferred hours for some (part of the shape), facts of every kind for others.
      if (r < 0.1)
        await app.db.query(
          "UPDATE customers SET contact_window_start = '09:00', contact_window_end = '11:00' WHERE id = ?",
          [id],
        );
      if (r >= 0.1 && r < 0.3)
        await app.db.query(
          `INSERT INTO consents (id, customer_id, channel, purpose, granted, source, effective_at, created_at)
           VALUES (?, ?, 'call', 'collection', ?, 'api', ?, ?)`,
          [randomUUID(), id, random() < 0.7, ago(24 * 30), now],
        );
      if (r >= 0.3 && r < 0.36)
        await app.db.query(
          `INSERT INTO dnc_entries (id, customer_id, channel, scope, source, created_at)
           VALUES (?, ?, ?, 'person', 'test', ?)`,
          [randomUUID(), id, random() < 0.5 ? 'call' : null, now],
        );
      if (r >= 0.36 && r < 0.56)
        await app.db.query(
          `INSERT INTO contact_attempts (id, customer_id, channel, purpose, to_type, occurred_at, created_at)
           VALUES (?, ?, 'call', 'collection', 'home', ?, ?)`,
          [randomUUID(), id, ago(random() < 0.5 ? 1 : 30), now],
        );
      if (r >= 0.56 && r < 0.6)
        await app.db.query(
          `INSERT INTO cease_requests (id, customer_id, kind, received_via, received_at, created_at)
           VALUES (?, ?, 'cease_communication', 'mail', ?, ?)`,
          [randomUUID(), id, ago(24 * 5), now],
        );
      // A ban on the customer's number (not the person), and numbers whose zones were never stored.
      if (r >= 0.6 && r < 0.63) {
        const customer = await customers.findById(id);
        if (customer?.phone)
          await app.db.query(
            `INSERT INTO dnc_entries (id, channel, scope, address_kind, address_bidx, source, created_at)
             VALUES (?, 'call', 'address', 'phone', ?, 'test', ?)`,
            [randomUUID(), app.t.app.get(CryptoService).blindIndex('phone', customer.phone), now],
          );
      }
      if (r >= 0.63 && r < 0.66)
        await app.db.query('UPDATE customers SET phone_zones = NULL WHERE id = ?', [id]);
      if (n % 97 === 0)
        await app.db.query("UPDATE customers SET status = 'inactive' WHERE id = ?", [id]);
    }
  });

  const campaignOf = (channel: Channel) =>
    Object.assign(new CampaignEntity(), {
      id: randomUUID(),
      channel,
      purpose: 'collection',
      audience: { tags: [tag] },
      startsAt: start,
      endsAt: new Date(start.getTime() + 30 * 3_600_000),
      windowStart: '08:00',
      windowEnd: '21:00',
      messagingCampaignId: null,
    });

  it.each([Channel.Call, Channel.Email])(
    'counts, gives reasons and names the blocked of a %s audience as deciding each customer does',
    async (channel) => {
      const campaign = campaignOf(channel);
      const precheck = await app.t.app
        .get(CampaignsService)
        .precheckOf(campaign, { gate: false, pageSize: 37 });

      // The oracle: every active customer of the audience decided one by one, in id order.
      const [rows] = await app.db.query<RowDataPacket[]>(
        "SELECT id FROM customers WHERE JSON_CONTAINS(tags, JSON_QUOTE(?)) AND status = 'active' ORDER BY id",
        [tag],
      );
      const audience = await app.t.app
        .get(CustomersService)
        .findByIds(rows.map((r) => r.id as string));
      audience.sort((a, b) => (a.id < b.id ? -1 : 1));
      const request: ContactRequest = {
        channel: channel === Channel.Call ? 'call' : 'email',
        purpose: 'collection',
        at: start,
        campaignWindow: { start: campaign.windowStart, end: campaign.windowEnd },
      };
      const decisions = await app.t.app
        .get(ComplianceService)
        .evaluateBatch(audience, request, { gate: false });
      const usable = (d: { nextAllowedAt: Date | null }) =>
        d.nextAllowedAt !== null && d.nextAllowedAt < campaign.endsAt;
      let allowedNow = 0;
      let allowedLater = 0;
      const byReason = new Map<string, number>();
      const blockedCustomers: { customerId: string; reasons: string[] }[] = [];
      for (const c of audience) {
        const d = decisions.get(c.id)!;
        if (d.allowed) allowedNow++;
        else if (usable(d)) allowedLater++;
        else {
          const reasons = d.checks.filter((k) => !k.passed).map((k) => k.rule);
          if (d.nextAllowedAt && !reasons.length) reasons.push('campaign_ends');
          for (const r of reasons) byReason.set(r, (byReason.get(r) ?? 0) + 1);
          if (blockedCustomers.length < 200) blockedCustomers.push({ customerId: c.id, reasons });
        }
      }
      // Not a vacuous comparison: several pages, every outcome, many reasons.
      expect(audience.length).toBeGreaterThan(400);
      expect(allowedNow).toBeGreaterThan(0);
      expect(allowedLater).toBeGreaterThan(0);
      expect(byReason.size).toBeGreaterThan(2);

      expect({
        total: precheck.total,
        allowedNow: precheck.allowedNow,
        allowedLater: precheck.allowedLater,
        blocked: precheck.blocked,
        byReason: Object.fromEntries(precheck.byReason.map((r) => [r.rule, r.count])),
      }).toEqual({
        total: audience.length,
        allowedNow,
        allowedLater,
        blocked: audience.length - allowedNow - allowedLater,
        byReason: Object.fromEntries(byReason),
      });
      expect(precheck.blockedCustomers).toEqual(blockedCustomers);
    },
  );
});
