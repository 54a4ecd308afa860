import type { RowDataPacket } from 'mysql2/promise';
import { DataSource } from 'typeorm';
import { ENTITIES } from '../src/entities';
import { encryptedFieldsOf, tableOf } from '../src/modules/crypto/encrypted-field.decorator';
import { FieldCipherService } from '../src/modules/crypto/services/field-cipher.service';
import { KeyringService } from '../src/modules/crypto/services/keyring.service';
import { keyIdOf } from '../src/modules/crypto/utils/ciphertext-format';
import { CustomersService } from '../src/modules/customers/customers.service';
import { NotificationChannel } from '../src/modules/notifications';
import { NotificationsService } from '../src/modules/notifications/notifications.service';
import { makeUser, signIn } from './utils/identity';
import { attest } from './utils/privacy';
import { useTestApp } from './utils/use-test-app';

const TEXT_TYPES = new Set([
  'char',
  'varchar',
  'text',
  'tinytext',
  'mediumtext',
  'longtext',
  'json',
]);

describe('erasure leaves nothing of the subject (e2e)', () => {
  const app = useTestApp({ RETENTION_CRON: 'off' });
  let admin: Record<string, string>;

  beforeAll(async () => {
    admin = (await signIn(app.t, await makeUser(app.t, 'admin', { mfa: true }))).auth;
  });

  const rows = async (sql: string, params: unknown[] = []) =>
    (await app.db.query<RowDataPacket[]>(sql, params))[0];

  it('finds none of their values in any column of any table, encrypted ones decrypted, and still blocks their addresses', async () => {
    const tag = `${Date.now()}`.slice(-9);
    const known = {
      firstName: `Zeldaq${tag}`,
      lastName: `Quarkson${tag}`,
      email: `zeldaq.${tag}@erasure.example`,
      phone: `+1646${tag.slice(-7)}`,
      addressLine: `${tag} Unusual Road`,
      ssn: `912-${tag.slice(-2)}-${tag.slice(-6, -2)}`,
      accountRef: `ERASE-${tag}`,
    };
    const customer = await app.t.app.get(CustomersService).create({
      externalRef: `placement-${tag}`,
      ...known,
      city: 'Springfield',
      state: 'NY',
      zip: '10001',
      dateOfBirth: '1913-07-23',
      balance: '10.00',
    });
    // Something of theirs in other modules: a message to them, naming them.
    await app.t.app
      .get(NotificationsService)
      .enqueue(
        NotificationChannel.Email,
        'erasure-scan',
        known.email,
        `Dear ${known.firstName} ${known.lastName}, about account ${known.accountRef}`,
        undefined,
        { customerId: customer.id, purpose: 'collection' },
      );

    // A debt of theirs: its account reference and balances are personal data.
    const debtRef = `DEBTREF${tag}`;
    const debt = await app.t.gql(
      `mutation($input: CreateDebtInput!) { createDebt(input: $input) { id } }`,
      {
        input: {
          customerId: customer.id,
          placementRef: `erasure-placement-${tag}`,
          creditor: 'Erasure Test Bank',
          accountRef: debtRef,
          originalBalance: `97${tag.slice(-5)}.13`,
          currentBalance: `96${tag.slice(-5)}.31`,
          placedAt: '2026-01-15',
        },
      },
      admin,
    );
    expect(debt.errors).toBeUndefined();

    // A completed rectification keeps the previous address and an attestation what was checked,
    // both under the subject's key.
    const rectification = await app.t.gql<{ submitDataSubjectRequest: { id: string } }>(
      `mutation($input: SubmitDataSubjectRequestInput!) {
        submitDataSubjectRequest(input: $input) { id } }`,
      {
        input: {
          type: 'Rectification',
          regime: 'Gdpr',
          receivedVia: 'email',
          subject: { customerId: customer.id },
        },
      },
      admin,
    );
    const rectificationId = rectification.data!.submitDataSubjectRequest.id;
    const attested = await app.t.gql(
      `mutation($input: AttestIdentityInput!) { attestDataSubjectIdentity(input: $input) { id } }`,
      {
        input: { id: rectificationId, evidence: `Caller gave SSN ${known.ssn} and ${known.email}` },
      },
      admin,
    );
    expect(attested.errors).toBeUndefined();
    const rectified = await app.t.gql(
      `mutation($input: CompleteRectificationInput!) {
        completeRectification(input: $input) { status } }`,
      { input: { id: rectificationId, changes: { addressLine: `${known.addressLine} Apt 2` } } },
      admin,
    );
    expect(rectified.errors).toBeUndefined();

    const values = [
      ...Object.values(known),
      debtRef,
      `97${tag.slice(-5)}.13`,
      `96${tag.slice(-5)}.31`,
    ];
    /** Every place a value of theirs is found: text columns as stored, encrypted ones decrypted. */
    const scan = async (): Promise<string[]> => {
      const found: string[] = [];
      // Every text column of every table, as stored.
      const columns = await rows(
        `SELECT TABLE_NAME AS t, COLUMN_NAME AS c, DATA_TYPE AS d FROM information_schema.COLUMNS
          WHERE TABLE_SCHEMA = DATABASE()`,
      );
      for (const { t, c, d } of columns) {
        if (!TEXT_TYPES.has(String(d))) continue;
        for (const v of values) {
          const [{ n }] = await rows(`SELECT COUNT(*) AS n FROM \`${t}\` WHERE \`${c}\` LIKE ?`, [
            `%${v}%`,
          ]);
          if (Number(n) > 0) found.push(`${t}.${c} holds ${v}`);
        }
      }
      // Every encrypted column, decrypted (values under destroyed keys cannot be, by design).
      const ds = app.t.app.get(DataSource);
      const cipher = app.t.app.get(FieldCipherService);
      const keyring = app.t.app.get(KeyringService);
      for (const entity of ENTITIES) {
        const fields = encryptedFieldsOf(entity);
        if (fields.length === 0) continue;
        const table = tableOf(entity);
        const meta = ds.getMetadata(entity);
        const cols = fields.map((f) => ({
          property: f.property,
          column: meta.findColumnWithPropertyName(f.cipherProperty)!.databaseName,
        }));
        const stored = await rows(
          `SELECT id, ${cols.map((c) => `\`${c.column}\``).join(', ')} FROM \`${table}\``,
        );
        const ids = new Set<number>();
        for (const row of stored)
          for (const c of cols)
            if (Buffer.isBuffer(row[c.column])) ids.add(keyIdOf(row[c.column] as Buffer));
        await keyring.ensureLoaded(ids).catch(() => undefined);
        for (const row of stored)
          for (const c of cols) {
            const value = row[c.column] as Buffer | null;
            if (!Buffer.isBuffer(value)) continue;
            let plain: string;
            try {
              plain = cipher.decrypt(value, { table, column: c.property, rowId: String(row.id) });
            } catch {
              continue;
            }
            for (const v of values)
              if (plain.includes(v)) found.push(`${table}.${c.column} (decrypted) holds ${v}`);
          }
      }
      return found;
    };

    // The scan finds them before the erasure (it can fail), and nowhere after it.
    const before = await scan();
    expect(before).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^customers\.email_enc \(decrypted\)/),
        expect.stringMatching(/^notification_outbox\.body/),
        expect.stringMatching(/^data_subject_requests\.rectification_enc \(decrypted\)/),
        expect.stringMatching(/^data_subject_requests\.attestation_enc \(decrypted\)/),
        expect.stringMatching(/^debts\.account_ref_enc \(decrypted\)/),
        expect.stringMatching(/^debts\.current_balance_enc \(decrypted\)/),
      ]),
    );

    const requested = await app.t.gql<{ requestErasure: { id: string } }>(
      'mutation($input: RequestErasureInput!) { requestErasure(input: $input) { id } }',
      { input: { customerId: customer.id, regime: 'Gdpr', receivedVia: 'email' } },
      admin,
    );
    expect(requested.errors).toBeUndefined();
    await attest(app.t, requested.data!.requestErasure.id, admin);
    const done = await app.t.gql(
      'mutation($input: DataSubjectRequestIdInput!) { completeErasure(input: $input) { status } }',
      { input: { id: requested.data!.requestErasure.id } },
      admin,
    );
    expect(done.errors).toBeUndefined();

    expect(await scan()).toEqual([]);

    const cipher = app.t.app.get(FieldCipherService);
    // What outlives them: the hashes of their addresses, which still block contact.
    for (const [kind, address] of [
      ['phone', known.phone],
      ['email', known.email],
    ] as const) {
      const [{ n }] = await rows(
        "SELECT COUNT(*) AS n FROM dnc_entries WHERE scope = 'address' AND address_kind = ? AND address_bidx = ?",
        [kind, cipher.blindIndex(kind, address)],
      );
      expect(Number(n)).toBeGreaterThanOrEqual(1);
    }
  }, 180_000);
});
