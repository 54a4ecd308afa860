import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { validateEnvironment, validateMigrationEnvironment } from './environment';

const ROOT = join(__dirname, '..', '..', '..');
const COMPOSE = join(ROOT, 'docker', 'compose.yaml');
const SECRETS_DIR = '/run/secrets';

type SecretRef = string | { source: string; target?: string };
interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string>;
  secrets?: SecretRef[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: unknown };
}
interface Compose {
  services: Record<string, Service>;
  secrets: Record<string, { file: string }>;
}

const text = readFileSync(COMPOSE, 'utf8');
const compose = parse(text) as Compose;
const { db, migrate, api } = compose.services;

/** Where each of a service's secrets is mounted: /run/secrets/<target> by secret name. */
function mounts(service: Service): Map<string, string> {
  return new Map(
    (service.secrets ?? []).map((ref) =>
      typeof ref === 'string'
        ? [ref, `${SECRETS_DIR}/${ref}`]
        : [ref.source, `${SECRETS_DIR}/${ref.target ?? ref.source}`],
    ),
  );
}

/** A value of the kind each secret holds, as the compose file's header makes it. */
function fakeSecret(name: string): string {
  if (name === 'master_key') return randomBytes(32).toString('base64');
  if (name === 'jwt_signing_key') {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    return privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  }
  if (name === 'migration_database_url') return 'mysql://callwarden_migrator:pw@db:3306/callwarden';
  return randomBytes(16).toString('hex');
}

/**
 * The service's environment as its container sees it, with /run/secrets played by a temporary
 * directory holding a value of the right kind for each secret the service is given, plus the
 * image's own variables (docker/Dockerfile: NODE_ENV=production, HOST, PORT).
 */
function containerEnvironment(service: Service, dir: string): Record<string, string> {
  for (const [name, path] of mounts(service)) {
    const file = join(dir, path.slice(SECRETS_DIR.length));
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, fakeSecret(name));
  }
  const image = Object.fromEntries(
    [...readFileSync(join(ROOT, 'docker', 'Dockerfile'), 'utf8').matchAll(/^ENV (.+)$/gm)]
      .flatMap((m) => m[1].split(/\s+/))
      .map((pair) => pair.split('=') as [string, string]),
  );
  const env = { ...image, ...service.environment };
  return Object.fromEntries(
    Object.entries(env).map(([k, v]) => [
      k,
      v.startsWith(SECRETS_DIR) ? join(dir, v.slice(SECRETS_DIR.length)) : v,
    ]),
  );
}

describe('docker/compose.yaml', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'cw-compose-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('gives the API every variable it requires in production', () => {
    const env = containerEnvironment(api, dir);
    expect(env.NODE_ENV).toBe('production');
    const validated = validateEnvironment(env);
    expect(validated.REQUIRE_TDE).toBe(true);
    // The signing key is the one .pem file in JWT_KEYS_DIR.
    expect([...mounts(api).values()]).toContain(`${api.environment!.JWT_KEYS_DIR}/jwt-signing.pem`);
    expect([...mounts(api).values()].filter((p) => p.endsWith('.pem'))).toHaveLength(1);
  });

  it("connects the API as the application's account, never the schema owner", () => {
    expect(api.environment).toMatchObject({
      DB_USER: 'callwarden',
      DB_PASSWORD_FILE: mounts(api).get('db_app_password'),
    });
    expect(mounts(api).has('db_migrator_password')).toBe(false);
    expect(mounts(api).has('migration_database_url')).toBe(false);
    expect(mounts(api).has('db_admin_password')).toBe(false);
  });

  it('migrates once, with the migrator and nothing else, before the API starts', () => {
    expect(migrate.command).toEqual(['node', 'dist/src/cli.js', 'migrate']);
    expect(Object.keys(migrate.environment ?? {})).toEqual(['MIGRATION_DATABASE_URL_FILE']);
    expect([...mounts(migrate).keys()]).toEqual(['migration_database_url']);
    const env = validateMigrationEnvironment(containerEnvironment(migrate, dir));
    expect(env.MIGRATION_DATABASE_URL).toMatch(/^mysql:\/\/callwarden_migrator:/);
    // Without the service's keys the API itself would refuse to start: the migrator never has them.
    expect(() => validateEnvironment(containerEnvironment(migrate, dir))).toThrow(
      /MASTER_KEY|DATABASE_URL/,
    );
    expect(migrate.depends_on).toEqual({ db: { condition: 'service_healthy' } });
    expect(api.depends_on).toEqual({
      db: { condition: 'service_healthy' },
      migrate: { condition: 'service_completed_successfully' },
    });
  });

  it('creates the three accounts with the init script and the secrets it reads', () => {
    expect(db.environment).not.toHaveProperty('MARIADB_USER');
    expect(db.environment).not.toHaveProperty('MARIADB_PASSWORD');
    expect(db.environment).not.toHaveProperty('MARIADB_PASSWORD_FILE');
    const init = db.volumes?.find((v) => v.includes(':/docker-entrypoint-initdb.d/'));
    expect(init).toBeDefined();
    const script = readFileSync(join(ROOT, 'docker', init!.split(':')[0]), 'utf8');
    const lib = script.match(/^\s*\. (\S+)$/m)?.[1];
    expect(db.volumes).toContain(`../scripts/lib/db-accounts.sh:${lib}:ro`);
    const read = [...script.matchAll(/\$\(secret (\w+)\)/g)].map((m) => m[1]);
    expect(read.sort()).toEqual(['db_admin_password', 'db_app_password', 'db_migrator_password']);
    for (const name of read) expect(mounts(db).has(name)).toBe(true);
    expect(script).toMatch(/callwarden "\$\(secret db_app_password\)"/);
    expect(script).toMatch(/callwarden_migrator "\$\(secret db_migrator_password\)"/);
  });

  it('encrypts the database at rest and checks the health of both long-running services', () => {
    expect(db.volumes?.some((v) => v.includes('mariadb-encryption.cnf'))).toBe(true);
    expect(mounts(db).has('mariadb_keyfile')).toBe(true);
    expect(db.healthcheck?.test).toBeDefined();
    expect(JSON.stringify(api.healthcheck?.test)).toContain('/health/ready');
  });

  it('defines every secret it uses, from a file its header says how to make', () => {
    const header = text.split('\nservices:')[0];
    const used = new Set(Object.values(compose.services).flatMap((s) => [...mounts(s).keys()]));
    expect(Object.keys(compose.secrets).sort()).toEqual([...used].sort());
    for (const { file } of Object.values(compose.secrets)) {
      expect(file).toMatch(/^\.\/secrets\//);
      expect(header).toContain(file.replace('./secrets/', ''));
    }
  });
});
