import { ClientCodes, CodedException, ErrorCode } from './error-code';
import { mapError } from './map-error';

enum SampleErrorCode {
  GONE = 'GONE',
  TAKEN = 'TAKEN',
}

const CLIENT_CODES = {
  [SampleErrorCode.GONE]: ErrorCode.NOT_FOUND,
  [SampleErrorCode.TAKEN]: ErrorCode.CONFLICT,
} satisfies ClientCodes<SampleErrorCode>;

class SampleException extends CodedException<SampleErrorCode>(CLIENT_CODES) {}

describe('CodedException', () => {
  it('answers with the client code of its row, keeps the module code as reason and its own name', () => {
    const e = new SampleException(SampleErrorCode.TAKEN, 'Already taken', { field: 'email' });
    expect(e).toBeInstanceOf(SampleException);
    expect(e.name).toBe('SampleException');
    expect(e.reason).toBe(SampleErrorCode.TAKEN);
    expect(mapError(e)).toEqual({
      code: ErrorCode.CONFLICT,
      reason: 'TAKEN',
      message: 'Already taken',
      details: { field: 'email' },
      internal: false,
    });
  });
});
