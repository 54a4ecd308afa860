import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { RowDataPacket } from 'mysql2/promise';
import { adminConnection } from './utils/db';
import { FakeCmk, FakeKms } from './utils/fake-kms';
import { makeUser, signIn } from './utils/identity';
import { startTestApp } from './utils/test-app';
import { useTestApp } from './utils/use-test-app';

const ROOT = join(__dirname, '..');
const REGION = 'us-east-1';
const CREDENTIALS = { accessKeyId: 'AKIAE2EFAKEKMS000001', secretAccessKey: 'e2e-fake-kms-secret' };
/** What the AWS SDK's default credential chain reads first; the app's configuration never does. */
const SDK_ENV = {
  AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
  AWS_SESSION_TOKEN: undefined,
  AWS_PROFILE: undefined,
};

const CREATE = `mutation C($input: CreateCustomerInput!) { createCustomer(input: $input) { id } }`;
const READ = `query R($id: ID!) { customer(id: $id) { id lastName dateOfBirth ssn } }`;

/** Boots src/main.ts in its own process (asynchronously: the fake KMS answers from this one). */
function bootProcess(
  env: Record<string, string | undefined>,
): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', '@swc-node/register', 'src/main.ts'], {
      cwd: ROOT,
      env: { ...process.env, HOST: '127.0.0.1', PORT: '0', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('error', reject);
    child.once('exit', (status) => {
      clearTimeout(timer);
      resolve({ status, stderr: stderr.trim() });
    });
  });
}

describe('AWS KMS provider (e2e: the real app, its master key in a local KMS)', () => {
  const kms = new FakeKms(CREDENTIALS, REGION);
  const saved: Record<string, string | undefined> = {};
  const customers: string[] = [];
  let cmk: FakeCmk;

  beforeAll(async () => {
    for (const [name, value] of Object.entries(SDK_ENV)) {
      saved[name] = process.env[name];
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await kms.start();
    cmk = kms.createKey('alias/callwarden-e2e');
    // The suites share one database, whose shared purpose keys must stay under the local master
    // key that every other suite runs with. On a fresh database the first app to start creates
    // them: let that be one with the local master key.
    const local = await startTestApp();
    await local.close();
  });

  /** The app under AWS KMS. MASTER_KEY_FILE stays set (the test environment's): the purpose keys
   * it wrapped still unwrap locally, as while moving a deployment from `local` to `aws`. */
  const awsEnv = () => ({
    KMS_PROVIDER: 'aws',
    AWS_KMS_KEY_ID: cmk.aliases[0],
    AWS_REGION: REGION,
    AWS_KMS_ENDPOINT: kms.url,
  });
  const app = useTestApp(awsEnv);

  // Registered after useTestApp's: runs once the app is closed.
  afterAll(async () => {
    // Nothing wrapped by this suite's KMS may outlive it in the shared database.
    const db = await adminConnection();
    try {
      if (customers.length > 0) {
        await db.query('DELETE FROM customers WHERE id IN (?)', [customers]);
        await db.query('DELETE FROM crypto_keys WHERE subject_id IN (?)', [customers]);
      }
      const [left] = await db.query<RowDataPacket[]>(
        "SELECT COUNT(*) AS n FROM crypto_keys WHERE kms_provider = 'aws'",
      );
      expect(Number(left[0].n)).toBe(0);
    } finally {
      await db.end();
      await kms.stop();
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  let auth: Record<string, string>;
  beforeAll(async () => {
    auth = (await signIn(app.t, await makeUser(app.t, 'admin', { mfa: true }))).auth;
  });

  async function createCustomer(n: number): Promise<string> {
    const res = await app.t.gql<{ createCustomer: { id: string } }>(
      CREATE,
      {
        input: {
          externalRef: `aws-kms-e2e-${n}-${Date.now()}`,
          firstName: 'Ines',
          lastName: `Kms-${n}`,
          dateOfBirth: '1979-11-02',
          ssn: `078-05-${String(1100 + n)}`,
        },
      },
      auth,
    );
    expect(res.errors).toBeUndefined();
    const id = res.data!.createCustomer.id;
    customers.push(id);
    return id;
  }

  it('resolved the configured alias with DescribeKey at start, signed with the SDK chain credentials', () => {
    expect(kms.calls('DescribeKey')).toContainEqual(
      expect.objectContaining({ keyId: 'alias/callwarden-e2e', keyArn: cmk.arn }),
    );
    // Every request the fake refused would be here (bad signature, unknown key, missing context).
    expect(kms.requests.filter((r) => r.status !== 200)).toEqual([]);
  });

  it("creates a customer through GraphQL under a data key made by KMS for that customer's context, and reads it back", async () => {
    kms.requests.length = 0;
    const id = await createCustomer(1);
    const context = { purpose: 'subject', version: '1', subject: id };
    // The subject key: made by GenerateDataKey under the key's ARN, then unwrapped with Decrypt
    // pinned to it, both with the customer's encryption context.
    expect(kms.calls('GenerateDataKey')).toEqual([
      expect.objectContaining({ keyId: cmk.arn, encryptionContext: context }),
    ]);
    expect(kms.calls('Decrypt')).toEqual([
      expect.objectContaining({ keyId: cmk.arn, encryptionContext: context }),
    ]);
    const [rows] = await app.db.query<RowDataPacket[]>(
      'SELECT kms_provider, master_key_version, LENGTH(wrapped_key) AS n FROM crypto_keys WHERE subject_id = ?',
      [id],
    );
    // Recorded as wrapped by AWS KMS under the key's id (32 hex digits: the column's width).
    expect(rows.map((r): unknown[] => [r.kms_provider, r.master_key_version])).toEqual([
      ['aws', cmk.keyId.replaceAll('-', '')],
    ]);
    expect(Number(rows[0].n)).toBeGreaterThan(32);

    const read = await app.t.gql<{ customer: Record<string, string> }>(READ, { id }, auth);
    expect(read.errors).toBeUndefined();
    expect(read.data!.customer).toEqual({
      id,
      lastName: 'Kms-1',
      dateOfBirth: '1979-11-02',
      ssn: '078-05-1101',
    });
    // Only this customer's key went to KMS: the shared purpose keys stayed local.
    const contexts = kms.requests.map((r) => r.encryptionContext?.purpose);
    expect(new Set(contexts)).toEqual(new Set(['subject']));
  });

  it('a fresh process unwraps the key again through KMS, with the same context', async () => {
    const id = await createCustomer(2);
    const second = await startTestApp(awsEnv());
    try {
      kms.requests.length = 0;
      const read = await second.gql<{ customer: Record<string, string> }>(READ, { id }, auth);
      expect(read.errors).toBeUndefined();
      expect(read.data!.customer.ssn).toBe('078-05-1102');
      expect(kms.calls('Decrypt')).toEqual([
        expect.objectContaining({
          keyId: cmk.arn,
          encryptionContext: { purpose: 'subject', version: '1', subject: id },
        }),
      ]);
    } finally {
      await second.close();
    }
  });

  it("refuses a customer's wrapped key copied to another customer: KMS checks the context", async () => {
    const a = await createCustomer(3);
    const b = await createCustomer(4);
    await app.db.query(
      'UPDATE crypto_keys SET wrapped_key = (SELECT w FROM (SELECT wrapped_key AS w FROM crypto_keys WHERE subject_id = ?) x) WHERE subject_id = ?',
      [a, b],
    );
    const second = await startTestApp(awsEnv());
    try {
      kms.requests.length = 0;
      const read = await second.gql(READ, { id: b }, auth);
      expect(read.data?.customer ?? null).toBeNull();
      expect(read.errors?.[0].extensions.code).toBe('INTERNAL_SERVER_ERROR');
      expect(kms.requests).toContainEqual(
        expect.objectContaining({
          operation: 'Decrypt',
          status: 400,
          error: 'InvalidCiphertextException',
          encryptionContext: { purpose: 'subject', version: '1', subject: b },
        }),
      );
      // The key read under its own customer still works.
      expect((await second.gql(READ, { id: a }, auth)).errors).toBeUndefined();
    } finally {
      await second.close();
    }
  });

  it('a denied key stops a new instance at start with a line naming the variable', async () => {
    cmk.denied = true;
    try {
      await expect(startTestApp(awsEnv())).rejects.toThrow(
        /^Refusing to start: AWS KMS denied kms:DescribeKey on AWS_KMS_KEY_ID \(alias\/callwarden-e2e\) \(AccessDeniedException\)/,
      );
    } finally {
      cmk.denied = false;
    }
  });

  it('a wrong key id stops the process with exit 78 and one line naming AWS_KMS_KEY_ID', async () => {
    const { status, stderr } = await bootProcess({
      ...awsEnv(),
      AWS_KMS_KEY_ID: 'alias/no-such-key',
    });
    expect(status).toBe(78);
    expect(stderr.split('\n')).toHaveLength(1);
    expect(JSON.parse(stderr)).toMatchObject({
      level: 60,
      msg: 'Refusing to start: AWS_KMS_KEY_ID (alias/no-such-key) names no KMS key in us-east-1 (NotFoundException)',
    });
  });
});
