import type { RowDataPacket } from 'mysql2/promise';
import { DataSource } from 'typeorm';
import { NotificationEntity } from '../src/modules/notifications/entities/notification.entity';
import { NotificationDeliveryService } from '../src/modules/notifications/notification-delivery.service';
import { HttpSink } from './utils/http-sink';
import { makeUser, signIn, TestUser } from './utils/identity';
import { emailTask as makeEmailTask } from './utils/outreach';
import { useTestApp } from './utils/use-test-app';

const SEND = 'mutation S($input: TaskIdInput!) { sendTaskMessage(input: $input) { status } }';
const REVIEWS = `query R($input: ContentReviewsInput) {
  contentReviews(input: $input) { id messageId status messageText findings { rule severity detail } reason decidedBy }
}`;
const APPROVE = `mutation A($input: ContentReviewIdInput!) {
  approveContentReview(input: $input) { id status decidedBy }
}`;
const REJECT = `mutation J($input: RejectContentReviewInput!) {
  rejectContentReview(input: $input) { id status reason }
}`;

describe('content screening and the review queue (e2e)', () => {
  const sink = new HttpSink();
  beforeAll(() => sink.start());
  afterAll(() => sink.stop());
  const app = useTestApp(() => ({
    NOTIFY_EMAIL_URL: `http://127.0.0.1:${sink.port}/email`,
    NOTIFY_WEBHOOK_SECRET: 'screening-test-secret-0123456789',
    // The test drives delivery passes itself.
    NOTIFY_POLL_INTERVAL_MS: '600000',
  }));
  let manager: TestUser;
  let managerAuth: Record<string, string>;
  let agentAuth: Record<string, string>;
  let agent: TestUser;
  const team = `team-screening-${Date.now()}`;

  beforeAll(async () => {
    manager = await makeUser(app.t, 'manager', { mfa: true, teamId: team });
    agent = await makeUser(app.t, 'agent', { mfa: true, teamId: team });
    managerAuth = (await signIn(app.t, manager)).auth;
    agentAuth = (await signIn(app.t, agent)).auth;
  });

  const rows = async (sql: string, params: unknown[] = []) =>
    (await app.db.query<RowDataPacket[]>(sql, params))[0];

  /** An email task of a campaign with this template, for a customer where it is midday. */
  const emailTask = (template: string, firstName?: string) =>
    makeEmailTask(app.t, {
      teamId: team,
      ownerId: manager.id,
      agentId: agent.id,
      template,
      firstName,
    });

  const deliveriesTo = (address: string) =>
    sink.received.filter((r) => (JSON.parse(r.body) as { to: string }).to === address);

  /** Delivery passes until the outbox has nothing due (held messages are not due). */
  async function drain() {
    const delivery = app.t.app.get(NotificationDeliveryService);
    for (let i = 0; i < 50; i++) {
      const counts = await delivery.deliverDue();
      if (Object.values(counts).every((n) => n === 0)) return;
    }
  }

  it('holds a message a person must review, and sends it only after approval', async () => {
    const { customer, task } = await emailTask(
      'This is a debt collector. You owe {{balance}}, past due. {{unsubscribe_link}}',
    );
    const sent = await app.t.gql(SEND, { input: { taskId: task.id } }, agentAuth);
    expect(sent.errors).toBeUndefined();
    const [message] = await rows(
      'SELECT id, held_at, sent_at FROM notification_outbox WHERE customer_id = ?',
      [customer.id],
    );
    expect(message.held_at).not.toBeNull();

    // Not delivered while it waits: delivery passes skip it.
    await drain();
    expect(deliveriesTo(customer.email!)).toHaveLength(0);

    const queue = await app.t.gql<{
      contentReviews: {
        id: string;
        messageId: string;
        status: string;
        messageText: string;
        findings: { rule: string; severity: string; detail: string }[];
      }[];
    }>(REVIEWS, undefined, managerAuth);
    expect(queue.errors).toBeUndefined();
    const review = queue.data!.contentReviews.find((r) => r.messageId === message.id)!;
    expect(review).toMatchObject({ status: 'Pending' });
    expect(review.findings).toEqual([
      expect.objectContaining({ rule: 'regf.debt_details', severity: 'review' }),
    ]);
    expect(review.messageText).toContain('You owe $');
    // Reading it was a read of the customer's personal data: in the read-access log.
    const [logged] = await rows(
      'SELECT pii_fields FROM customer_read_access WHERE customer_id = ? AND actor_id = ?',
      [customer.id, manager.id],
    );
    expect(String(logged.pii_fields)).toBe('messageText');
    // An agent may not review.
    const byAgent = await app.t.gql(APPROVE, { input: { id: review.id } }, agentAuth);
    expect(byAgent.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN' });

    const approved = await app.t.gql<{
      approveContentReview: { status: string; decidedBy: string };
    }>(APPROVE, { input: { id: review.id } }, managerAuth);
    expect(approved.errors).toBeUndefined();
    expect(approved.data!.approveContentReview).toMatchObject({
      status: 'Approved',
      decidedBy: manager.id,
    });
    await drain();
    expect(deliveriesTo(customer.email!)).toHaveLength(1);
    const [after] = await rows('SELECT held_at, sent_at FROM notification_outbox WHERE id = ?', [
      message.id,
    ]);
    expect(after.held_at).toBeNull();
    expect(after.sent_at).not.toBeNull();
    // Decided once: a second decision is refused.
    const again = await app.t.gql(
      REJECT,
      { input: { id: review.id, reason: 'too late' } },
      managerAuth,
    );
    expect(again.errors?.[0].extensions).toMatchObject({ reason: 'REVIEW_ALREADY_DECIDED' });
    const [event] = await rows(
      "SELECT actor_id FROM audit_events WHERE action = 'message.review_approved' AND resource_id = ?",
      [review.id],
    );
    expect(event.actor_id).toBe(manager.id);
  });

  it('cancels a rejected message, with the reason, and never sends it', async () => {
    const { customer, task } = await emailTask(
      'This is a debt collector. Your balance of {{balance}} is in collections. {{unsubscribe_link}}',
    );
    expect(
      (await app.t.gql(SEND, { input: { taskId: task.id } }, agentAuth)).errors,
    ).toBeUndefined();
    const [message] = await rows('SELECT id FROM notification_outbox WHERE customer_id = ?', [
      customer.id,
    ]);
    const [review] = await rows('SELECT id FROM content_reviews WHERE message_id = ?', [
      message.id,
    ]);
    const rejected = await app.t.gql<{ rejectContentReview: { status: string; reason: string } }>(
      REJECT,
      {
        input: { id: review.id as string, reason: 'balance must not go by email to this address' },
      },
      managerAuth,
    );
    expect(rejected.data!.rejectContentReview).toMatchObject({
      status: 'Rejected',
      reason: 'balance must not go by email to this address',
    });
    await drain();
    expect(deliveriesTo(customer.email!)).toHaveLength(0);
    const [after] = await rows(
      'SELECT held_at, cancelled_at, cancel_reason FROM notification_outbox WHERE id = ?',
      [message.id],
    );
    expect(after).toMatchObject({ held_at: null, cancel_reason: 'review_rejected' });
    expect(after.cancelled_at).not.toBeNull();
  });

  it('refuses a message that must never leave, queues nothing, and audits the refusal', async () => {
    // A customer record whose name field holds a card number: the template is clean, the message is not.
    const { customer, task } = await emailTask(
      'Hello {{first_name}}, this is a debt collector. Please call us. {{unsubscribe_link}}',
      '4111 1111 1111 1111',
    );
    const res = await app.t.gql(SEND, { input: { taskId: task.id } }, agentAuth);
    expect(res.errors?.[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      reason: 'CONTENT_BLOCKED',
    });
    expect(res.errors?.[0].message).not.toContain('4111');
    expect(
      await rows('SELECT id FROM notification_outbox WHERE customer_id = ?', [customer.id]),
    ).toHaveLength(0);
    const [task2] = await rows('SELECT status FROM tasks WHERE id = ?', [task.id]);
    expect(task2.status).toBe('pending');
    const [event] = await rows(
      "SELECT changes FROM audit_events WHERE action = 'message.content_blocked' AND resource_id = ?",
      [task.id],
    );
    expect(JSON.stringify(event.changes)).toContain('pii.card_number');
    expect(JSON.stringify(event.changes)).not.toContain('4111');
  });

  it('cancels at delivery what screening now blocks, though it was queued clean', async () => {
    const { customer, task } = await emailTask(
      'Hello {{first_name}}, this is a debt collector. Please call us. {{unsubscribe_link}}',
    );
    expect(
      (await app.t.gql(SEND, { input: { taskId: task.id } }, agentAuth)).errors,
    ).toBeUndefined();
    const [message] = await rows('SELECT id FROM notification_outbox WHERE customer_id = ?', [
      customer.id,
    ]);
    // The stored text changed after queueing (a bad migration, a tampered row): screened again.
    const repo = app.t.app.get(DataSource).getRepository(NotificationEntity);
    const n = await repo.findOneByOrFail({ id: message.id as string });
    n.body = 'Your SSN 123-45-6789 is on file.';
    await repo.save(n);
    await drain();
    expect(deliveriesTo(customer.email!)).toHaveLength(0);
    const [after] = await rows('SELECT cancel_reason FROM notification_outbox WHERE id = ?', [
      message.id,
    ]);
    expect(after.cancel_reason).toBe('content_blocked');
    const [event] = await rows(
      "SELECT seq FROM audit_events WHERE action = 'message.content_blocked' AND JSON_VALUE(changes, '$.notificationId') = ?",
      [message.id],
    );
    // Critical: queued for the SIEM.
    const [queued] = await rows('SELECT COUNT(*) AS n FROM audit_siem_outbox WHERE audit_seq = ?', [
      event.seq,
    ]);
    expect(Number(queued.n)).toBe(1);
  });
});
