import type { DeliveryStatus } from '../entities/notification.entity';

/**
 * How far along each delivery status is: a receipt moves a message only to a higher rank. The three
 * outcomes share the top rank, so the first outcome stays (a late `sent` after `delivered`, or a
 * `delivered` after `undelivered`, changes nothing).
 */
export const DELIVERY_STATUS_RANK = {
  queued: 0,
  sent: 1,
  delivered: 2,
  failed: 2,
  undelivered: 2,
} as const satisfies Record<DeliveryStatus, number>;

/** Whether a receipt of `next` moves a message that is at `current` (null: no receipt yet). */
export function advances(current: DeliveryStatus | null, next: DeliveryStatus): boolean {
  return current === null || DELIVERY_STATUS_RANK[next] > DELIVERY_STATUS_RANK[current];
}

/**
 * Twilio's MessageStatus values (https://www.twilio.com/docs/messaging/api/message-resource#message-status-values)
 * as ours. `accepted` and `scheduled` come before `queued`; `sending` is on its way to `sent`;
 * `read` (WhatsApp, RCS) is past `delivered`; `canceled` (a scheduled message cancelled) never left.
 * Null: not a status of an outbound message (ignored).
 */
export function deliveryStatusOf(twilioStatus: string): DeliveryStatus | null {
  switch (twilioStatus) {
    case 'accepted':
    case 'scheduled':
    case 'queued':
      return 'queued';
    case 'sending':
    case 'sent':
      return 'sent';
    case 'delivered':
    case 'read':
      return 'delivered';
    case 'failed':
    case 'canceled':
      return 'failed';
    case 'undelivered':
      return 'undelivered';
    default:
      return null;
  }
}

/** Why a text can never reach a number: `landline` also tells the number's type. */
export type PermanentFailure = 'landline' | 'invalid' | 'unreachable' | 'opted_out';

/**
 * Twilio error codes that mean a number will not take texts again, and why. Every other code is
 * temporary (carrier congestion 30001, queue overflow 30002, filtering 30007, unknown 30008, ...):
 * the message failed, the number stays. Sources, Twilio's error dictionary
 * (https://www.twilio.com/docs/api/errors/<code>):
 * - 30003 "Unreachable destination handset": the handset is off or out of service for long; taken
 *   as permanent, as issue #21 asks (a consumer who turns the phone back on can be re-enabled by
 *   removing the do-not-contact entry).
 * - 30005 "Unknown destination handset": the number does not exist or is no longer in service.
 * - 30006 "Landline or unreachable carrier": the number is a landline (or its carrier takes no SMS).
 * - 21614 "'To' number is not a valid mobile number": a landline, per Twilio's lookup.
 * - 21610 "Attempt to send to unsubscribed recipient": the consumer replied STOP at carrier level.
 */
export const PERMANENT_FAILURES: Readonly<Record<string, PermanentFailure>> = {
  '30003': 'unreachable',
  '30005': 'invalid',
  '30006': 'landline',
  '21614': 'landline',
  '21610': 'opted_out',
};

/** A receipt's error code read as a permanent failure, or null when the failure may pass. */
export function permanentFailureOf(errorCode: string | null | undefined): PermanentFailure | null {
  return (
    (errorCode && Object.hasOwn(PERMANENT_FAILURES, errorCode) && PERMANENT_FAILURES[errorCode]) ||
    null
  );
}
