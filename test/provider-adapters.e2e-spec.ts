import { createHmac, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { dkimVerify } from 'mailauth/lib/dkim/verify';
import type { RowDataPacket } from 'mysql2/promise';
import { SMTPServer } from 'smtp-server';
import twilio from 'twilio';
import { ComplianceService } from '../src/modules/compliance/compliance.service';
import { ConsentSource } from '../src/modules/compliance/entities/consent.entity';
import { CustomersService } from '../src/modules/customers/customers.service';
import { PhoneType } from '../src/modules/customers/entities/customer.entity';
import { NotificationDeliveryService } from '../src/modules/notifications/notification-delivery.service';
import type { CampaignEntity } from '../src/modules/outreach/entities/campaign.entity';
import { FakeTwilio } from './utils/fake-twilio';
import { makeUser, signIn, TestUser } from './utils/identity';
import { emailTask, makeTask, middayZone, textCampaign } from './utils/outreach';
import { until } from './utils/until';
import { useTestApp } from './utils/use-test-app';

const SEND = 'mutation S($input: TaskIdInput!) { sendTaskMessage(input: $input) { status } }';
/** What providers sign webhooks against and links point at (the app itself listens elsewhere). */
const PUBLIC = 'https://callwarden.example';
const CALLBACK = `${PUBLIC}/webhooks/sms/status`;
const digits = (n: number) =>
  String(Date.now() * 1000 + Math.floor(Math.random() * 1000)).slice(-n);

describe('provider adapters (e2e)', () => {
  describe('texts through the Twilio SDK, and signed delivery receipts', () => {
    const ACCOUNT = `AC${'0a1b2c3d'.repeat(4)}`;
    const TOKEN = '9f8e7d6c'.repeat(4);
    const fake = new FakeTwilio(ACCOUNT, TOKEN);
    beforeAll(() => fake.start());
    const app = useTestApp(() => ({
      SMS_PROVIDER: 'twilio',
      TWILIO_ACCOUNT_SID: ACCOUNT,
      TWILIO_AUTH_TOKEN: TOKEN,
      TWILIO_API_BASE_URL: fake.url,
      PUBLIC_BASE_URL: PUBLIC,
      // The test drives delivery passes itself.
      NOTIFY_POLL_INTERVAL_MS: '600000',
      NOTIFY_RETRY_BASE_MS: '50',
    }));
    // Registered after useTestApp's: the app closes first.
    afterAll(() => fake.stop());

    let agent: TestUser;
    let auth: Record<string, string>;
    let campaign: CampaignEntity;
    let brandName: string;
    let pool: string[];
    const team = `team-adapters-${Date.now()}`;

    beforeAll(async () => {
      const manager = await makeUser(app.t, 'manager', { mfa: true, teamId: team });
      agent = await makeUser(app.t, 'agent', { mfa: true, teamId: team });
      auth = (await signIn(app.t, agent)).auth;
      ({ campaign, brandName, pool } = await textCampaign(app.t, {
        teamId: team,
        ownerId: manager.id,
      }));
    });

    const rows = async (sql: string, params: unknown[] = []) =>
      (await app.db.query<RowDataPacket[]>(sql, params))[0];

    /** A consenting mobile customer with a pending SMS task, and the agent's send of it. */
    async function sendText(existing?: { id: string }) {
      // Another text to the same consumer: as on a later day (the house caps allow one a day).
      if (existing)
        await app.db.query('DELETE FROM contact_attempts WHERE customer_id = ?', [existing.id]);
      const customers = app.t.app.get(CustomersService);
      const customer = existing
        ? (await customers.findById(existing.id))!
        : await customers.create({
            externalRef: `adapters-${digits(8)}`,
            firstName: 'Ines',
            phone: `+1833${2 + (Number(digits(1)) % 8)}${digits(6)}`,
            phoneType: PhoneType.Mobile,
            timezone: middayZone(),
          });
      if (!existing)
        await app.t.app.get(ComplianceService).recordConsent({
          customerId: customer.id,
          channel: 'sms',
          purpose: 'collection',
          granted: true,
          source: ConsentSource.WebForm,
        });
      const task = await makeTask(app.t, campaign, customer, agent.id);
      const sent = await app.t.gql(SEND, { input: { taskId: task.id } }, auth);
      return { customer, sent };
    }

    /** A customer's newest text, delivered (delivery passes until it has left). */
    async function deliveredText(customerId: string): Promise<RowDataPacket> {
      const delivery = app.t.app.get(NotificationDeliveryService);
      for (let pass = 0; pass < 50; pass++) {
        await delivery.deliverDue();
        const [row] = await rows(
          'SELECT * FROM notification_outbox WHERE customer_id = ? ORDER BY id DESC LIMIT 1',
          [customerId],
        );
        if (row.sent_at || Number(row.attempts) > 0) return row;
      }
      throw new Error('the text was never picked up');
    }

    /** A status callback as Twilio posts it (form-encoded), with this signature header. */
    const postReceipt = (params: Record<string, string>, signature?: string) =>
      fetch(`${app.t.url}/webhooks/sms/status`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          ...(signature === undefined ? {} : { 'x-twilio-signature': signature }),
        },
        body: new URLSearchParams(params).toString(),
      });
    /** Signed with the SDK's own helper, as Twilio signs (HMAC-SHA1, auth token, URL + params). */
    const signed = (params: Record<string, string>) =>
      postReceipt(params, twilio.getExpectedTwilioSignature(TOKEN, CALLBACK, params));
    const receipt = (
      sid: string,
      status: string,
      to: string,
      from: string,
      errorCode?: string,
    ) => ({
      AccountSid: ACCOUNT,
      ApiVersion: '2010-04-01',
      From: from,
      MessageSid: sid,
      MessageStatus: status,
      SmsSid: sid,
      SmsStatus: status,
      To: to,
      ...(errorCode ? { ErrorCode: errorCode } : {}),
    });

    it('sends an admitted text with the SDK: sticky From, body, status callback; keeps the SID', async () => {
      const { customer, sent } = await sendText();
      expect(sent.errors).toBeUndefined();
      const row = await deliveredText(customer.id);
      expect(row.sent_at).not.toBeNull();
      const taken = fake.messages.filter((m) => m.params.To === customer.phone);
      expect(taken).toHaveLength(1);
      const [message] = taken;
      expect(message.accountSid).toBe(ACCOUNT);
      expect(message.params).toEqual({
        To: customer.phone,
        From: String(row.from_number),
        Body: `${brandName}: this is a debt collector. Hi Ines. Reply STOP to opt out.`,
        StatusCallback: CALLBACK,
      });
      expect(pool).toContain(row.from_number);
      // The SDK itself made the call (its user agent), authenticated as the account.
      expect(String(message.headers['user-agent'])).toMatch(/^twilio-node\//);
      expect(message.headers.authorization).toBe(
        `Basic ${Buffer.from(`${ACCOUNT}:${TOKEN}`).toString('base64')}`,
      );
      expect(row.provider_message_id).toBe(message.sid);
      expect(row.provider_message_id).toMatch(/^SM[0-9a-f]{32}$/);
      expect(row.delivery_status).toBeNull();
      // Sent once: a later pass sends nothing again.
      await app.t.app.get(NotificationDeliveryService).deliverDue();
      expect(fake.messages.filter((m) => m.params.To === customer.phone)).toHaveLength(1);
    });

    it("retries a text Twilio refuses, keeping only Twilio's status and code (never the number)", async () => {
      const { customer } = await sendText();
      fake.failNext = {
        status: 400,
        code: 21211,
        message: "The 'To' number +18335550100 is not a valid phone number.",
        to: customer.phone!,
      };
      const row = await deliveredText(customer.id);
      expect(row).toMatchObject({ sent_at: null, provider_message_id: null });
      expect(row.last_error).toBe('twilio answered 400 (error 21211)');
      expect(fake.requests.at(-1)).toMatchObject({ status: 400, code: 21211 });
      // The retry, once due, goes through.
      await until('the retry', async () => {
        await app.t.app.get(NotificationDeliveryService).deliverDue();
        const [again] = await rows('SELECT sent_at FROM notification_outbox WHERE id = ?', [
          row.id,
        ]);
        return again.sent_at !== null;
      });
      expect(fake.messages.filter((m) => m.params.To === customer.phone)).toHaveLength(1);
    });

    it('moves a message forward on signed receipts only, idempotently, and never back', async () => {
      const { customer } = await sendText();
      const row = await deliveredText(customer.id);
      const sid = String(row.provider_message_id);
      const to = customer.phone!;
      const from = String(row.from_number);
      const status = async () =>
        (
          await rows(
            'SELECT delivery_status, delivery_error_code, delivery_updated_at FROM notification_outbox WHERE id = ?',
            [row.id],
          )
        )[0];

      // Signed as Twilio documents it, computed here from scratch: HMAC-SHA1 with the auth token
      // over the URL and then every parameter as name+value, names sorted; base64.
      const sent = receipt(sid, 'sent', to, from);
      const data =
        CALLBACK +
        Object.keys(sent)
          .sort()
          .map((k) => `${k}${sent[k as keyof typeof sent]}`)
          .join('');
      const byHand = createHmac('sha1', TOKEN).update(data, 'utf8').digest('base64');
      expect((await postReceipt(sent, byHand)).status).toBe(200);
      expect((await status()).delivery_status).toBe('sent');

      const delivered = await signed(receipt(sid, 'delivered', to, from));
      expect(delivered.status).toBe(200);
      expect(await delivered.json()).toEqual({ received: true });
      const after = await status();
      expect(after).toMatchObject({ delivery_status: 'delivered', delivery_error_code: null });
      expect(after.delivery_updated_at).not.toBeNull();
      // A repeat and a late earlier status change nothing.
      expect((await signed(receipt(sid, 'delivered', to, from))).status).toBe(200);
      expect((await signed(receipt(sid, 'sent', to, from))).status).toBe(200);
      expect((await signed(receipt(sid, 'queued', to, from))).status).toBe(200);
      expect(await status()).toEqual(after);

      // A receipt for a message this service never sent: taken (200) and ignored.
      const unknown = await signed(receipt(`SM${'0'.repeat(32)}`, 'delivered', to, from));
      expect(unknown.status).toBe(200);
      // Signed, but not a receipt: a clear error.
      const malformed = await signed({ AccountSid: ACCOUNT, MessageSid: sid });
      expect(malformed.status).toBe(400);
      expect(await malformed.json()).toMatchObject({ reason: 'INVALID_RECEIPT' });
    });

    it('refuses unsigned and wrongly signed receipts with 403, writes nothing, and raises one critical event a minute', async () => {
      const { customer } = await sendText();
      const row = await deliveredText(customer.id);
      const sid = String(row.provider_message_id);
      const bad = receipt(sid, 'undelivered', customer.phone!, String(row.from_number), '30006');
      const attempts: [string, Promise<Response>][] = [
        ['unsigned', postReceipt(bad)],
        [
          'signed with another token',
          postReceipt(bad, twilio.getExpectedTwilioSignature('0'.repeat(32), CALLBACK, bad)),
        ],
        [
          'signed over other parameters',
          postReceipt(
            bad,
            twilio.getExpectedTwilioSignature(TOKEN, CALLBACK, { ...bad, ErrorCode: '30001' }),
          ),
        ],
        [
          'signed for another URL',
          postReceipt(
            bad,
            twilio.getExpectedTwilioSignature(TOKEN, `${PUBLIC}/webhooks/sms/inbound`, bad),
          ),
        ],
      ];
      for (const [what, pending] of attempts) {
        const res = await pending;
        expect({ what, status: res.status }).toEqual({ what, status: 403 });
        expect(await res.json()).toMatchObject({ code: 'FORBIDDEN', reason: 'INVALID_SIGNATURE' });
      }
      const [after] = await rows(
        'SELECT delivery_status, delivery_error_code FROM notification_outbox WHERE id = ?',
        [row.id],
      );
      expect(after).toEqual({ delivery_status: null, delivery_error_code: null });
      expect(
        await rows('SELECT id FROM dnc_entries WHERE customer_id = ?', [customer.id]),
      ).toHaveLength(0);
      const [phone] = await rows('SELECT phone_type FROM customers WHERE id = ?', [customer.id]);
      expect(phone.phone_type).toBe('mobile');
      // Never silent: one critical event per cause (three bad signatures: one event), to the SIEM.
      const events = await until('the refusal events', async () => {
        const found = await rows(
          "SELECT seq, JSON_VALUE(changes, '$.cause') AS cause FROM audit_events WHERE action = 'sms.status_refused'",
        );
        return found.length >= 2 ? found : null;
      });
      expect(events.map((e) => e.cause as string).sort()).toEqual(['bad_signature', 'unsigned']);
      const [queued] = await rows(
        'SELECT COUNT(*) AS n FROM audit_siem_outbox WHERE audit_seq IN (?)',
        [events.map((e) => e.seq as string)],
      );
      expect(Number(queued.n)).toBe(2);
    });

    it('suppresses a number on a permanent-failure receipt (30006: landline), once, and the next text is refused', async () => {
      const { customer } = await sendText();
      const row = await deliveredText(customer.id);
      const sid = String(row.provider_message_id);
      const failed = receipt(sid, 'undelivered', customer.phone!, String(row.from_number), '30006');
      expect((await signed(failed)).status).toBe(200);
      // A repeat of the receipt suppresses nothing twice.
      expect((await signed(failed)).status).toBe(200);

      const [message] = await rows(
        'SELECT delivery_status, delivery_error_code FROM notification_outbox WHERE id = ?',
        [row.id],
      );
      expect(message).toEqual({ delivery_status: 'undelivered', delivery_error_code: '30006' });
      const [person] = await rows('SELECT phone_type, phone_bidx FROM customers WHERE id = ?', [
        customer.id,
      ]);
      expect(person.phone_type).toBe('landline');
      const entries = await rows(
        'SELECT channel, scope, list, source, reason, address_kind, address_bidx FROM dnc_entries WHERE customer_id = ?',
        [customer.id],
      );
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({
        channel: 'sms',
        scope: 'address',
        list: 'internal',
        source: 'delivery_receipt',
        reason: 'undeliverable: 30006',
        address_kind: 'phone',
      });
      expect(
        Buffer.from(entries[0].address_bidx as Buffer).equals(person.phone_bidx as Buffer),
      ).toBe(true);
      const events = await rows(
        "SELECT changes FROM audit_events WHERE action = 'message.delivery_failed_permanent' AND resource_id = ?",
        [customer.id],
      );
      expect(events).toHaveLength(1);
      expect(events[0].changes).toMatchObject({
        notificationId: String(row.id),
        errorCode: '30006',
        cause: 'landline',
        phoneTypeSetToLandline: true,
      });
      // No personal data in the event.
      expect(JSON.stringify(events[0].changes)).not.toContain(customer.phone!.slice(2));

      // The compliance gate now refuses texts to that number, with the do-not-contact rule.
      const next = await sendText(customer);
      expect(next.sent.errors?.[0].extensions).toMatchObject({
        code: 'FORBIDDEN',
        reason: 'CONTACT_NOT_ALLOWED',
      });
      expect(
        String((next.sent.errors?.[0].extensions.details as Record<string, string>).reasons),
      ).toContain('do_not_contact');
      const queued = await rows('SELECT id FROM notification_outbox WHERE customer_id = ?', [
        customer.id,
      ]);
      expect(queued).toHaveLength(1);
    });

    it('keeps the number on a temporary failure (30001: queue overflow)', async () => {
      const { customer } = await sendText();
      const row = await deliveredText(customer.id);
      const failed = receipt(
        String(row.provider_message_id),
        'undelivered',
        customer.phone!,
        String(row.from_number),
        '30001',
      );
      expect((await signed(failed)).status).toBe(200);
      const [message] = await rows(
        'SELECT delivery_status, delivery_error_code FROM notification_outbox WHERE id = ?',
        [row.id],
      );
      expect(message).toEqual({ delivery_status: 'undelivered', delivery_error_code: '30001' });
      expect(
        await rows('SELECT id FROM dnc_entries WHERE customer_id = ?', [customer.id]),
      ).toHaveLength(0);
      const [person] = await rows('SELECT phone_type FROM customers WHERE id = ?', [customer.id]);
      expect(person.phone_type).toBe('mobile');
    });
  });

  describe('emails over SMTP: RFC 8058 one-click unsubscribe and DKIM', () => {
    const DOMAIN = 'acme-recovery.example';
    const SELECTOR = 'cw2026';
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const keyFile = join(mkdtempSync(join(tmpdir(), 'cw-dkim-')), 'dkim.pem');
    writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    /** The selector's DNS TXT record, as the domain would publish it. */
    const txt = `v=DKIM1; k=rsa; p=${publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`;
    const received: { rcpt: string[]; raw: Buffer }[] = [];
    const smtp = new SMTPServer({
      authOptional: true,
      // Plain SMTP on loopback: no STARTTLS offered (so none is tried).
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          received.push({
            rcpt: session.envelope.rcptTo.map((r) => r.address),
            raw: Buffer.concat(chunks),
          });
          callback();
        });
      },
    });
    let smtpPort = 0;
    beforeAll(
      () =>
        new Promise<void>((resolve) => {
          smtp.listen(0, '127.0.0.1', () => {
            smtpPort = (smtp.server.address() as AddressInfo).port;
            resolve();
          });
        }),
    );
    const app = useTestApp(() => ({
      EMAIL_PROVIDER: 'smtp',
      SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
      EMAIL_FROM: `Acme Recovery <notices@${DOMAIN}>`,
      DKIM_DOMAIN: DOMAIN,
      DKIM_SELECTOR: SELECTOR,
      DKIM_PRIVATE_KEY_FILE: keyFile,
      PUBLIC_BASE_URL: PUBLIC,
      NOTIFY_POLL_INTERVAL_MS: '600000',
    }));
    afterAll(() => new Promise<void>((resolve) => smtp.close(() => resolve())));

    const resolver = (name: string, rr: string) =>
      name === `${SELECTOR}._domainkey.${DOMAIN}` && rr === 'TXT'
        ? Promise.resolve([[txt]])
        : Promise.reject(Object.assign(new Error(`no ${rr} for ${name}`), { code: 'ENOTFOUND' }));

    it('sends a campaign email over SMTP with one-click unsubscribe headers, DKIM-signed, and the link unsubscribes', async () => {
      const team = `team-smtp-${Date.now()}`;
      const manager = await makeUser(app.t, 'manager', { mfa: true, teamId: team });
      const agent = await makeUser(app.t, 'agent', { mfa: true, teamId: team });
      const auth = (await signIn(app.t, agent)).auth;
      const { customer, task } = await emailTask(app.t, {
        teamId: team,
        ownerId: manager.id,
        agentId: agent.id,
        template:
          'Hello {{first_name}}, this is a debt collector. Please call us. {{unsubscribe_link}}',
      });
      expect((await app.t.gql(SEND, { input: { taskId: task.id } }, auth)).errors).toBeUndefined();
      const delivery = app.t.app.get(NotificationDeliveryService);
      // The outbox is shared with the other suites' emails (sign-in notices...): the customer's
      // message is found among whatever the passes send.
      const forCustomer = () => received.filter((m) => m.rcpt.includes(customer.email!));
      for (let i = 0; i < 50 && !forCustomer().length; i++) await delivery.deliverDue();
      expect(forCustomer()).toHaveLength(1);
      const [{ rcpt, raw }] = forCustomer();
      expect(rcpt).toEqual([customer.email]);

      const [row] = (
        await app.db.query<RowDataPacket[]>(
          'SELECT id, sent_at, provider_message_id FROM notification_outbox WHERE customer_id = ?',
          [customer.id],
        )
      )[0];
      expect(row.sent_at).not.toBeNull();
      const mail = await simpleParser(raw);
      expect(mail.from?.value).toEqual([{ address: `notices@${DOMAIN}`, name: 'Acme Recovery' }]);
      expect(mail.to && !Array.isArray(mail.to) ? mail.to.value[0].address : null).toBe(
        customer.email,
      );
      expect(mail.subject).toBe('A message about your account');
      expect(mail.messageId).toBe(`<${row.id}@${DOMAIN}>`);
      expect(row.provider_message_id).toBe(mail.messageId);
      expect(mail.text).toContain('Hello Dana, this is a debt collector.');

      const header = (name: string) =>
        mail.headerLines
          .filter((h) => h.key === name)
          .map((h) =>
            h.line
              .slice(h.line.indexOf(':') + 1)
              .replace(/\r?\n[ \t]+/g, ' ')
              .trim(),
          );
      const [unsubscribe] = header('list-unsubscribe');
      expect(unsubscribe).toMatch(
        /^<https:\/\/callwarden\.example\/unsubscribe\/email\?token=[0-9a-f-]{36}\.\d{10}\.\d+\.[A-Za-z0-9_-]{43}>$/,
      );
      expect(header('list-unsubscribe-post')).toEqual(['List-Unsubscribe=One-Click']);

      // DKIM: d= and s= as configured, covering both list headers, and verifying with the key.
      const [signature] = header('dkim-signature');
      const tags = Object.fromEntries(
        signature
          .replace(/\s+/g, '')
          .split(';')
          .filter(Boolean)
          .map((t) => [t.slice(0, t.indexOf('=')), t.slice(t.indexOf('=') + 1)]),
      );
      expect(tags).toMatchObject({ d: DOMAIN, s: SELECTOR });
      const signedHeaders = tags.h.toLowerCase().split(':');
      expect(signedHeaders).toEqual(
        expect.arrayContaining(['from', 'subject', 'list-unsubscribe', 'list-unsubscribe-post']),
      );
      const verified = await dkimVerify(raw, { resolver });
      expect(verified.results).toHaveLength(1);
      expect(verified.results[0]).toMatchObject({
        signingDomain: DOMAIN,
        selector: SELECTOR,
        status: { result: 'pass' },
      });
      // A real check: the same message with another unsubscribe link no longer verifies.
      const tampered = Buffer.from(
        raw.toString('utf8').replace('unsubscribe/email?token=', 'unsubscribe/email?token=x'),
      );
      expect((await dkimVerify(tampered, { resolver })).results[0].status.result).toBe('fail');

      // The one-click POST a mailbox provider makes (RFC 8058) unsubscribes the customer.
      const link = new URL(unsubscribe.slice(1, -1));
      const res = await fetch(`${app.t.url}${link.pathname}${link.search}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'List-Unsubscribe=One-Click',
      });
      expect(res.status).toBe(200);
      const banned = await app.db.query<RowDataPacket[]>(
        "SELECT COUNT(*) AS n FROM dnc_entries WHERE customer_id = ? AND channel = 'email' AND source = 'email_unsubscribe'",
        [customer.id],
      );
      expect(Number(banned[0][0].n)).toBe(1);
    });
  });
});
