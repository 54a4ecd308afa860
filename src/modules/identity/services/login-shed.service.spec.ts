import { Logger } from '@nestjs/common';
import type { AppConfigService } from '../../../core/config/app-config.service';
import type { AuditService } from '../../audit/audit.service';
import { LoginShedService } from './login-shed.service';
import type { PasswordService } from './password.service';
import type { TrustedDevicesService } from './trusted-devices.service';

type Recorded = Parameters<AuditService['record']>[0];
const recorded = (record: jest.Mock, i: number) => (record.mock.calls as Recorded[][])[i][0];

function setup(record: jest.Mock) {
  jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  const passwords = { saturated: true } as unknown as PasswordService;
  const audit = { record } as unknown as AuditService;
  const config = { get: () => 10 } as unknown as AppConfigService;
  const devices = { laneFor: () => undefined } as unknown as TrustedDevicesService;
  return new LoginShedService(passwords, audit, config, devices);
}

describe('LoginShedService', () => {
  afterEach(() => jest.restoreAllMocks());

  it('audits a window of refusals as one event with the count and the distinct addresses', async () => {
    const record = jest.fn().mockResolvedValue({});
    const shed = setup(record);
    await shed.flush();
    expect(record).not.toHaveBeenCalled();
    for (const ip of ['198.51.100.1', '198.51.100.2', '198.51.100.1', null]) shed.shed(ip);
    await shed.flush();
    expect(record).toHaveBeenCalledTimes(1);
    expect(recorded(record, 0)).toMatchObject({
      action: 'auth.login',
      result: 'failure',
      errorCode: 'HASHING_BUSY',
      changes: { shed: 4, addresses: 2, addressesCapped: false },
    });
    await shed.flush();
    expect(record).toHaveBeenCalledTimes(1);
  });

  it('keeps a window whose audit write failed and writes it with the next one', async () => {
    const record = jest
      .fn()
      .mockRejectedValueOnce(new Error('database down'))
      .mockResolvedValue({});
    const shed = setup(record);
    shed.shed('198.51.100.1');
    shed.shed('198.51.100.2');
    await shed.flush();
    shed.shed('198.51.100.3');
    await shed.flush();
    expect(record).toHaveBeenCalledTimes(2);
    expect(recorded(record, 1).changes).toMatchObject({ shed: 3, addresses: 3 });
  });

  it('writes what is left at shutdown', async () => {
    const record = jest.fn().mockResolvedValue({});
    const shed = setup(record);
    shed.onModuleInit();
    shed.shed('198.51.100.1');
    await shed.onModuleDestroy();
    expect(recorded(record, 0).changes).toMatchObject({ shed: 1 });
  });
});
