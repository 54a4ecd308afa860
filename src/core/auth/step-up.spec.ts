import type { Principal } from '../request/request-store';
import { assertRecentStepUp, STEP_UP_WINDOW_MS } from './step-up';

const user: Principal = { type: 'user', id: 'u', role: 'admin', userId: 'u', teamId: null };
const key: Principal = { ...user, type: 'api_key', id: 'k' };
const now = Date.parse('2030-01-01T12:00:00Z');
const ago = (ms: number) => new Date(now - ms);

describe('assertRecentStepUp', () => {
  it.each([
    ['passes a user who confirmed MFA just now', user, ago(0), true],
    ['passes a user at the end of the window', user, ago(STEP_UP_WINDOW_MS), true],
    ['refuses a user one millisecond after it', user, ago(STEP_UP_WINDOW_MS + 1), false],
    ['refuses a user who never confirmed MFA in this session', user, null, false],
    ['refuses an API key, whatever its time', key, ago(0), false],
  ])('%s', (_case, principal, mfaVerifiedAt, passes) => {
    let refusal: unknown = null;
    try {
      assertRecentStepUp({ principal, mfaVerifiedAt }, now);
    } catch (e) {
      refusal = e;
    }
    if (passes) expect(refusal).toBeNull();
    else expect(refusal).toMatchObject({ code: 'FORBIDDEN', reason: 'STEP_UP_REQUIRED' });
  });
});
