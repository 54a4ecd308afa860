import type { DeliveryStatus } from '../entities/notification.entity';
import {
  advances,
  DELIVERY_STATUS_RANK,
  deliveryStatusOf,
  permanentFailureOf,
} from './delivery-receipts';

describe('delivery receipts', () => {
  const ALL = Object.keys(DELIVERY_STATUS_RANK) as DeliveryStatus[];

  it.each<[DeliveryStatus | null, DeliveryStatus, boolean]>([
    [null, 'queued', true],
    [null, 'delivered', true],
    ['queued', 'sent', true],
    ['queued', 'delivered', true],
    ['sent', 'undelivered', true],
    ['sent', 'failed', true],
    ['sent', 'sent', false],
    ['sent', 'queued', false],
    ['delivered', 'sent', false],
    ['delivered', 'queued', false],
    ['delivered', 'undelivered', false],
    ['undelivered', 'delivered', false],
    ['failed', 'failed', false],
  ])('a message at %s moves on a %s receipt: %s', (current, next, expected) => {
    expect(advances(current, next)).toBe(expected);
  });

  it('never moves back, and a repeat never moves (idempotent)', () => {
    for (const a of ALL)
      for (const b of ALL) {
        if (advances(a, b)) expect(advances(b, a)).toBe(false);
        if (a === b) expect(advances(a, b)).toBe(false);
      }
  });

  it.each([
    ['accepted', 'queued'],
    ['scheduled', 'queued'],
    ['queued', 'queued'],
    ['sending', 'sent'],
    ['sent', 'sent'],
    ['delivered', 'delivered'],
    ['read', 'delivered'],
    ['failed', 'failed'],
    ['canceled', 'failed'],
    ['undelivered', 'undelivered'],
    ['receiving', null],
    ['received', null],
    ['DELIVERED', null],
    ['', null],
  ])('reads Twilio status %p as %p', (twilio, ours) => {
    expect(deliveryStatusOf(twilio)).toBe(ours);
  });

  it.each([
    ['30006', 'landline'],
    ['21614', 'landline'],
    ['30005', 'invalid'],
    ['30003', 'unreachable'],
    ['21610', 'opted_out'],
    ['30001', null],
    ['30002', null],
    ['30007', null],
    ['30008', null],
    ['', null],
    [null, null],
    [undefined, null],
    ['constructor', null],
    ['toString', null],
  ])('classifies error code %p as %p', (code, kind) => {
    expect(permanentFailureOf(code)).toBe(kind);
  });
});
