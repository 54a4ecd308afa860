import type { INestApplication } from '@nestjs/common';
import type { RowDataPacket } from 'mysql2/promise';
import { DataSource } from 'typeorm';
import { CryptoErrorCode, CryptoException } from '../src/modules/crypto/crypto.exception';
import { CryptoService } from '../src/modules/crypto/crypto.service';
import { SessionService } from '../src/modules/identity/services/session.service';
import { ReencryptionService } from '../src/modules/crypto/services/reencryption.service';
import { CustomersService } from '../src/modules/customers/customers.service';
import { CustomerEntity } from '../src/modules/customers/entities/customer.entity';
import { makeUser, signIn } from './utils/identity';
import { startTestApp } from './utils/test-app';
import { useTestApp } from './utils/use-test-app';

const person = (n: number) => ({
  externalRef: `crypto-e2e-${n}-${Date.now()}`,
  firstName: 'Janet',
  lastName: `Roe-${n}`,
  email: `janet.roe.${n}.${Date.now()}@example.com`,
  phone: `+1415555${String(1000 + n).slice(-4)}`,
  addressLine: `${n} Market Street`,
  city: 'San Francisco',
  state: 'CA',
  zip: '94105',
  dateOfBirth: '1984-03-09',
  ssn: `123-45-${String(6000 + n).slice(-4)}`,
  accountRef: `ACCT-0000${n}7788`,
});

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof CryptoException ? e.reason : 'OTHER';
  }
  return undefined;
}

describe('crypto module (e2e, real database)', () => {
  const testApp = useTestApp();
  let app: INestApplication;
  let customers: CustomersService;

  beforeAll(() => {
    app = testApp.t.app;
    customers = app.get(CustomersService);
  });

  it('stores no plaintext for encrypted columns, only ciphertext, blind indexes and masked forms', async () => {
    const input = person(1);
    const saved = await customers.create(input);
    const [rows] = await testApp.db.query<RowDataPacket[]>('SELECT * FROM customers WHERE id = ?', [
      saved.id,
    ]);
    const raw = rows[0];
    const dump = Object.values(raw)
      .map((v) => (Buffer.isBuffer(v) ? v.toString('latin1') : String(v)))
      .join('|');
    for (const secret of [
      input.email,
      input.lastName,
      '4155551001',
      input.addressLine,
      'San Francisco',
      input.ssn,
      '123456001',
      '1984-03-09',
      input.accountRef,
    ]) {
      expect(dump).not.toContain(secret);
    }
    expect(raw.email_masked).toBe(`j***@example.com`);
    expect(raw.phone_masked).toBe('***-***-1001');
    expect(raw.ssn_masked).toBe('***-**-6001');
    expect(Buffer.isBuffer(raw.email_enc) && raw.email_enc[0]).toBe(1);

    const loaded = await customers.findById(saved.id);
    expect(loaded?.email).toBe(input.email);
    expect(loaded?.ssn).toBe(input.ssn);
    expect(loaded?.dateOfBirth).toBe('1984-03-09');
  });

  it('finds a customer by email or phone with one indexed query on the blind index', async () => {
    const input = person(2);
    const saved = await customers.create(input);
    const byEmail = await customers.findByEmail(`  ${input.email.toUpperCase()} `);
    expect(byEmail.map((c) => c.id)).toEqual([saved.id]);
    const byPhone = await customers.findByPhone('(415) 555-1002');
    expect(byPhone.map((c) => c.id)).toContain(saved.id);

    const bidx = app.get(CryptoService).blindIndex('email', input.email);
    const [plan] = await testApp.db.query<RowDataPacket[]>(
      'EXPLAIN SELECT id FROM customers WHERE email_bidx = ?',
      [bidx],
    );
    expect(plan[0].key).toBe('ix_customers_email_bidx');
    expect(plan[0].type).toBe('ref');
  });

  it('refuses a ciphertext copied into another row with DECRYPTION_FAILED, never garbage', async () => {
    const a = await customers.create(person(3));
    const b = await customers.create(person(4));
    await testApp.db.query(
      'UPDATE customers SET email_enc = (SELECT email_enc FROM (SELECT email_enc FROM customers WHERE id = ?) x) WHERE id = ?',
      [a.id, b.id],
    );
    try {
      const loaded = (await customers.findById(b.id)) as CustomerEntity;
      expect(codeOf(() => loaded.email)).toBe(CryptoErrorCode.DECRYPTION_FAILED);
      // Other fields of the row are unaffected.
      expect(loaded.lastName).toBe('Roe-4');
    } finally {
      // A tampered row stops any later re-encryption of the table (by design: it is an integrity
      // alarm), so it must not outlive this test in the shared database.
      await testApp.db.query('DELETE FROM customers WHERE id = ?', [b.id]);
    }
  });

  it('crypto-shreds: after the subject key is destroyed its fields cannot be decrypted', async () => {
    const input = person(5);
    const saved = await customers.create(input);
    const crypto = app.get(CryptoService);
    expect(await crypto.destroySubjectKey(saved.id)).toBe(true);

    const [keys] = await testApp.db.query<RowDataPacket[]>(
      'SELECT status, wrapped_key FROM crypto_keys WHERE subject_id = ?',
      [saved.id],
    );
    expect(keys[0]).toEqual({ status: 'destroyed', wrapped_key: null });

    const loaded = (await customers.findById(saved.id)) as CustomerEntity;
    expect(codeOf(() => loaded.ssn)).toBe(CryptoErrorCode.KEY_DESTROYED);
    expect(codeOf(() => loaded.dateOfBirth)).toBe(CryptoErrorCode.KEY_DESTROYED);
    expect(loaded.email).toBe(input.email);

    // A fresh process (no cache) cannot either: the material is gone from the database.
    const fresh = await startTestApp();
    try {
      const again = (await fresh.app
        .get(DataSource)
        .getRepository(CustomerEntity)
        .findOneBy({ id: saved.id })) as CustomerEntity;
      expect(codeOf(() => again.ssn)).toBe(CryptoErrorCode.KEY_DESTROYED);
    } finally {
      await fresh.close();
    }
  });

  it('never exposes key material and keeps crypto operations behind sign-in', async () => {
    const [rows] = await testApp.db.query<RowDataPacket[]>(
      "SELECT wrapped_key, master_key_version FROM crypto_keys WHERE purpose = 'pii' AND status = 'active' LIMIT 1",
    );
    expect(Buffer.isBuffer(rows[0].wrapped_key)).toBe(true);
    expect((rows[0].wrapped_key as Buffer).length).toBe(60); // nonce + wrapped 32-byte key + tag
    for (const q of [
      '{ cryptoKeys { id } }',
      '{ encryptionStatus { ok } }',
      'mutation { rotateDataKey(input: {purpose: "pii"}) { current { id } } }',
    ]) {
      const res = await testApp.t.gql(q);
      expect(res.errors?.[0].extensions.code).toBe('UNAUTHENTICATED');
      expect(res.data ?? null).toBeNull();
    }
  });

  it('reports which columns are application-encrypted and that TDE is on', async () => {
    const status = await app.get(CryptoService).encryptionStatus();
    expect(status.tde.ok).toBe(true);
    const fields = status.columns
      .filter((c) => c.table === 'customers')
      .map((c) => `${c.field}:${c.keyScope}`);
    expect(fields).toEqual(
      expect.arrayContaining(['email:pii', 'phone:pii', 'ssn:subject', 'dateOfBirth:subject']),
    );
  });

  it('lets an admin list keys, read the encryption status and rotate a key (with step-up), and nobody else', async () => {
    const admin = await makeUser(testApp.t, 'admin', { mfa: true });
    const a = (await signIn(testApp.t, admin)).auth;
    const keys = await testApp.t.gql<{ cryptoKeys: { purpose: string; status: string }[] }>(
      '{ cryptoKeys { id purpose version status masterKeyVersion } }',
      undefined,
      a,
    );
    expect(keys.data!.cryptoKeys.map((k) => k.purpose)).toEqual(
      expect.arrayContaining(['pii', 'secrets', 'blind-index', 'audit']),
    );
    expect(JSON.stringify(keys)).not.toMatch(/wrapped|material/i);
    const status = await testApp.t.gql<{
      encryptionStatus: { ok: boolean; tables: { table: string; encrypted: boolean }[] };
    }>(
      '{ encryptionStatus { ok server tables { table encrypted keyId } columns { table field keyScope } } }',
      undefined,
      a,
    );
    expect(status.data!.encryptionStatus.ok).toBe(true);
    expect(status.data!.encryptionStatus.tables.every((x) => x.encrypted)).toBe(true);

    const rotate =
      'mutation { rotateDataKey(input: { purpose: "secrets" }) { previous { version status } current { version status } job { purpose status } } }';
    const rotated = await testApp.t.gql<{ rotateDataKey: { current: { status: string } } }>(
      rotate,
      undefined,
      a,
    );
    expect(rotated.errors).toBeUndefined();
    expect(rotated.data!.rotateDataKey.current.status).toBe('Active');
    let progress: { status: string } | null = null;
    for (let i = 0; i < 50 && progress?.status !== 'Completed'; i++) {
      const r = await testApp.t.gql<{ reencryptionProgress: { status: string } | null }>(
        '{ reencryptionProgress(purpose: "secrets") { status rowsScanned rowsTotal } }',
        undefined,
        a,
      );
      progress = r.data!.reencryptionProgress;
      if (progress?.status !== 'Completed') await new Promise((r2) => setTimeout(r2, 100));
    }
    expect(progress?.status).toBe('Completed');

    const agent = await makeUser(testApp.t, 'agent', { mfa: true });
    const g = (await signIn(testApp.t, agent)).auth;
    expect(
      (await testApp.t.gql('{ cryptoKeys { id } }', undefined, g)).errors?.[0].extensions.code,
    ).toBe('FORBIDDEN');
    expect((await testApp.t.gql(rotate, undefined, g)).errors?.[0].extensions.code).toBe(
      'FORBIDDEN',
    );
    await testApp.db.query(
      'UPDATE sessions SET mfa_verified_at = NOW(3) - INTERVAL 11 MINUTE WHERE user_id = ?',
      [admin.id],
    );
    // The session's liveness is cached for two seconds: read the changed row now.
    testApp.t.app.get(SessionService).forgetCachedLiveness();
    expect((await testApp.t.gql(rotate, undefined, a)).errors?.[0].extensions.reason).toBe(
      'STEP_UP_REQUIRED',
    );
  });

  it('never shows a re-encryption job running without a live owner, and takes over one whose lease lapsed', async () => {
    const crypto = app.get(CryptoService);
    await crypto.rotateDataKeyWithoutJob('audit');
    const job = await app.get(ReencryptionService).start('audit');
    // A process on another host owns it, its lease alive: the job is left to it.
    const owner = 'elsewhere.example:4242:0badc0de';
    await testApp.db.query(
      `UPDATE crypto_reencryption_jobs SET status = 'running', owner = ?,
              lease_expires_at = NOW(3) + INTERVAL 30 SECOND WHERE id = ?`,
      [owner, job.id],
    );
    expect((await crypto.reencryptionProgress('audit'))?.status).toBe('running');
    const left = await crypto.runReencryption('audit');
    expect(left).toMatchObject({ id: job.id, status: 'running', owner });

    // Its owner stops renewing (killed): once the lease lapses the job is pending, and the next run
    // takes it over and finishes it.
    await testApp.db.query(
      'UPDATE crypto_reencryption_jobs SET lease_expires_at = NOW(3) - INTERVAL 1 SECOND WHERE id = ?',
      [job.id],
    );
    expect((await crypto.reencryptionProgress('audit'))?.status).toBe('pending');
    const done = await crypto.runReencryption('audit');
    expect(done).toMatchObject({ id: job.id, status: 'completed', owner: null });
    const [[row]] = await testApp.db.query<RowDataPacket[]>(
      'SELECT status, owner, lease_expires_at FROM crypto_reencryption_jobs WHERE id = ?',
      [job.id],
    );
    expect(row).toMatchObject({ status: 'completed', owner: null, lease_expires_at: null });
  });

  it('refuses a write under a subject key shredded meanwhile: no value is stored that nobody can read', async () => {
    const crypto = app.get(CryptoService);
    const repo = app.get(DataSource).getRepository(CustomerEntity);
    const created = await customers.create(person(77));
    const loaded = await repo.findOneByOrFail({ id: created.id });
    await crypto.ensureSubjectKey(created.id);
    loaded.ssn = '123-45-0077'; // encrypted now, under the subject key in memory
    await crypto.destroySubjectKey(created.id);
    await expect(repo.save(loaded)).rejects.toMatchObject({
      reason: CryptoErrorCode.KEY_DESTROYED,
    });
  });
});
