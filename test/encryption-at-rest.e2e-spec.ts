import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Connection, RowDataPacket } from 'mysql2/promise';
import { adminConnection } from './utils/db';
import { startTestApp, TestApp } from './utils/test-app';
import { ConfigError } from '../src/core/config/environment';

interface ReadyBody {
  status: string;
  details: Record<string, { status: string; unencrypted?: string[]; redoLog?: string }>;
}

describe('encryption at rest (TDE)', () => {
  let db: Connection;
  let dataFile: (table: string) => string;

  beforeAll(async () => {
    db = await adminConnection();
    const [rows] = await db.query<RowDataPacket[]>('SELECT @@datadir AS dir, DATABASE() AS db');
    const { dir, db: schema } = rows[0] as { dir: string; db: string };
    dataFile = (table) => join(dir, schema, `${table}.ibd`);
  });
  afterAll(async () => {
    await db.query('DROP TABLE IF EXISTS tde_probe_plain');
    await db.end();
  });

  it('reports every table of the schema as encrypted in information_schema', async () => {
    const [rows] = await db.query<RowDataPacket[]>(`
      SELECT t.TABLE_NAME AS name, MIN(COALESCE(e.ENCRYPTION_SCHEME, 0)) AS scheme,
             COUNT(e.NAME) AS spaces
        FROM information_schema.TABLES t
        LEFT JOIN information_schema.INNODB_TABLESPACES_ENCRYPTION e
          ON e.NAME = CONCAT(t.TABLE_SCHEMA, '/', t.TABLE_NAME)
          OR e.NAME LIKE CONCAT(t.TABLE_SCHEMA, '/', t.TABLE_NAME, '#P#%')
       WHERE t.TABLE_SCHEMA = DATABASE() AND t.TABLE_TYPE = 'BASE TABLE'
       GROUP BY t.TABLE_NAME`);
    expect(rows.length).toBeGreaterThan(0);
    const tables = rows as { name: string; scheme: number | null }[];
    expect(tables.map((r) => r.name)).toContain('app_settings');
    // A partitioned table counts by every partition's tablespace (contact_attempts: one a month).
    const attempts = rows.find((r) => r.name === 'contact_attempts')!;
    expect(Number(attempts.spaces)).toBeGreaterThan(1);
    for (const { name, scheme } of tables) {
      expect({ table: name, scheme: Number(scheme) }).toEqual({ table: name, scheme: 1 });
    }
  });

  it('reports a table created without encryption as down on readiness, and refuses to boot with it under REQUIRE_TDE', async () => {
    const table = 'tde_probe_unencrypted';
    const ready = async (app: TestApp) => {
      const res = await fetch(`${app.url}/health/ready`);
      return { status: res.status, body: (await res.json()) as ReadyBody };
    };
    // A fully encrypted schema boots under REQUIRE_TDE and is ready: the refusal below is the table's.
    const running = await startTestApp({ REQUIRE_TDE: 'true' });
    try {
      const before = await ready(running);
      expect(before.status).toBe(200);
      expect(before.body.details.encryptionAtRest.status).toBe('up');

      // The DBA (or a careless migration) adds a table that opts out of encryption.
      await db.query(`CREATE TABLE ${table} (id INT PRIMARY KEY) ENGINE=InnoDB ENCRYPTED=NO`);
      const [plain] = await db.query<RowDataPacket[]>(
        `SELECT e.ENCRYPTION_SCHEME AS scheme FROM information_schema.TABLES t
           LEFT JOIN information_schema.INNODB_TABLESPACES_ENCRYPTION e
             ON e.NAME = CONCAT(t.TABLE_SCHEMA, '/', t.TABLE_NAME)
          WHERE t.TABLE_SCHEMA = DATABASE() AND t.TABLE_NAME = ?`,
        [table],
      );
      expect(plain).toHaveLength(1);
      expect(Number(plain[0].scheme ?? 0)).toBe(0);

      // (a) The running app's readiness goes down and names the table.
      const after = await ready(running);
      expect(after.status).toBe(503);
      expect(after.body.status).toBe('error');
      expect(after.body.details.encryptionAtRest).toEqual({
        status: 'down',
        unencrypted: [table],
        redoLog: 'ON',
      });
      expect(after.body.details.database.status).toBe('up');

      // (b) A new process that requires encryption at rest refuses to start, naming the table.
      const booting = startTestApp({ REQUIRE_TDE: 'true' });
      // Should it start anyway, close it so the failure is reported rather than left open.
      booting
        .then(
          (app) => app.close(),
          () => undefined,
        )
        .catch(() => undefined);
      await expect(booting).rejects.toThrow(
        `Refusing to start: tables not encrypted at rest: ${table}`,
      );
      // A configuration refusal: the service process exits 78 with one JSON line, no stack.
      await expect(booting).rejects.toBeInstanceOf(ConfigError);
      const main = spawnSync(process.execPath, ['-r', '@swc-node/register', 'src/main.ts'], {
        cwd: join(__dirname, '..'),
        env: { ...process.env, REQUIRE_TDE: 'true', PORT: '0', LOG_LEVEL: 'silent' },
        encoding: 'utf8',
        timeout: 60000,
      });
      expect(main.status).toBe(78);
      const lines = main.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(JSON.parse(lines[0])).toMatchObject({
        msg: `Refusing to start: tables not encrypted at rest: ${table}`,
      });
      expect(main.stderr).not.toMatch(/\n\s+at /);
    } finally {
      await running.close();
      await db.query(`DROP TABLE IF EXISTS ${table}`);
    }
  });

  it('keeps a known plaintext out of an encrypted table file, and the same probe finds it in a plain one', async () => {
    const marker = `CW-TDE-MARKER-${randomUUID()}`;
    await db.query('CREATE TABLE tde_probe_plain (v VARCHAR(200)) ENGINE=InnoDB ENCRYPTED=NO');
    await db.query('INSERT INTO tde_probe_plain (v) VALUES (?)', [marker]);
    await db.query('INSERT INTO app_settings (`key`, value) VALUES (?, JSON_OBJECT(?, ?))', [
      `tde-probe-${marker}`,
      'probe',
      marker,
    ]);
    // Write the dirty pages to the tablespace files now.
    await db.query('FLUSH TABLES app_settings, tde_probe_plain FOR EXPORT');
    await db.query('UNLOCK TABLES');

    const plain = readFileSync(dataFile('tde_probe_plain'));
    const encrypted = readFileSync(dataFile('app_settings'));
    expect(plain.includes(marker)).toBe(true);
    expect(encrypted.includes(marker)).toBe(false);

    await db.query('DELETE FROM app_settings WHERE `key` = ?', [`tde-probe-${marker}`]);
  });

  it('runs the server with redo log, temporary files and Aria encrypted too', async () => {
    const [rows] = await db.query<RowDataPacket[]>(
      "SHOW GLOBAL VARIABLES WHERE Variable_name IN ('innodb_encrypt_log','innodb_encrypt_tables','encrypt_tmp_disk_tables','encrypt_tmp_files','aria_encrypt_tables')",
    );
    const vars = Object.fromEntries(
      rows.map((r) => [r.Variable_name as string, r.Value as string]),
    );
    expect(vars).toEqual({
      innodb_encrypt_log: 'ON',
      innodb_encrypt_tables: 'ON',
      encrypt_tmp_disk_tables: 'ON',
      encrypt_tmp_files: 'ON',
      aria_encrypt_tables: 'ON',
    });
  });
});
