import type { DataSource } from 'typeorm';
import type { AppConfigService } from '../config/app-config.service';
import { ConfigError } from '../config/environment';
import { TdeStatusService } from './tde-status.service';

/**
 * A server that answers the service's statements as `version` would, from `variables` and `tables`,
 * and records what it was asked.
 */
function fakeServer(
  version: string,
  variables: Record<string, string>,
  tables: Record<string, unknown>[],
) {
  const asked: string[] = [];
  const query = (sql: string, params?: string[]) => {
    asked.push(sql.replace(/\s+/g, ' ').trim());
    if (sql.startsWith('SELECT VERSION()')) return Promise.resolve([{ v: version }]);
    if (sql.startsWith('SHOW GLOBAL VARIABLES'))
      return Promise.resolve(
        (params ?? [])
          .filter((name) => name in variables)
          .map((name) => ({ Variable_name: name, Value: variables[name] })),
      );
    return Promise.resolve(tables);
  };
  return { asked, dataSource: { query } as unknown as DataSource };
}

const config = (requireTde: boolean) =>
  ({ get: (key: string) => (key === 'REQUIRE_TDE' ? requireTde : undefined) }) as AppConfigService;

describe('TdeStatusService', () => {
  it.each([
    ['10.11.14-MariaDB-0+deb12u2', 'innodb_encrypt_log', 'INNODB_TABLESPACES_ENCRYPTION e'],
    ['8.4.3', 'innodb_redo_log_encrypt', 'CREATE_OPTIONS'],
  ])('on %s asks the version once, then its own %s and tables', async (version, redo, table) => {
    const { asked, dataSource } = fakeServer(version, { [redo]: 'ON' }, []);
    const service = new TdeStatusService(dataSource, config(false));
    await service.status();
    const status = await service.status();
    expect(asked.map((sql) => sql.split(' ')[0])).toEqual([
      'SELECT', // VERSION()
      'SHOW',
      'SELECT',
      'SHOW',
      'SELECT',
    ]);
    expect(asked[0]).toBe('SELECT VERSION() AS v');
    expect(asked[2]).toContain(table);
    expect(status.redoLog).toBe('ON');
  });

  it('boots on an encrypted MySQL 8.4', async () => {
    const { dataSource } = fakeServer(
      '8.4.3',
      { innodb_redo_log_encrypt: 'ON', innodb_undo_log_encrypt: 'ON' },
      [{ table_name: 'app_settings', create_options: "ENCRYPTION='Y'", plain_spaces: '0' }],
    );
    const service = new TdeStatusService(dataSource, config(true));
    await expect(service.onApplicationBootstrap()).resolves.toBeUndefined();
    await expect(service.status()).resolves.toMatchObject({ server: 'mysql', ok: true });
  });

  it('refuses to boot on MySQL naming an unencrypted table, under REQUIRE_TDE', async () => {
    const { dataSource } = fakeServer(
      '8.4.3-commercial',
      { innodb_redo_log_encrypt: 'ON', innodb_undo_log_encrypt: 'ON' },
      [
        { table_name: 'app_settings', create_options: "ENCRYPTION='Y'", plain_spaces: '0' },
        { table_name: 'tde_probe', create_options: '', plain_spaces: '1' },
      ],
    );
    const booting = new TdeStatusService(dataSource, config(true)).onApplicationBootstrap();
    await expect(booting).rejects.toBeInstanceOf(ConfigError);
    await expect(booting).rejects.toThrow(
      'Refusing to start: tables not encrypted at rest: tde_probe',
    );
  });

  it.each([
    ['8.4.3', { innodb_redo_log_encrypt: 'OFF' }, 'redo log and undo log encryption is off'],
    ['8.4.3', { innodb_redo_log_encrypt: 'ON' }, 'undo log encryption is off'],
    ['10.11.14-MariaDB-0+deb12u2', { innodb_encrypt_log: 'OFF' }, 'redo log encryption is off'],
  ])('on %s with %j refuses to boot: %s', async (version, variables, what) => {
    const { dataSource } = fakeServer(version, variables, []);
    await expect(
      new TdeStatusService(dataSource, config(true)).onApplicationBootstrap(),
    ).rejects.toThrow(`Refusing to start: ${what}`);
  });
});
