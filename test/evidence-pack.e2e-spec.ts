import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RowDataPacket } from 'mysql2/promise';
import { v7 as uuidv7 } from 'uuid';
import { CustomersService } from '../src/modules/customers/customers.service';
import { HttpSink } from './utils/http-sink';
import { makeUser, signIn, TestUser } from './utils/identity';
import { makeCampaign, makeTask, middayZone } from './utils/outreach';
import { until } from './utils/until';
import { useTestApp } from './utils/use-test-app';
import { CryptoService } from '../src/modules/crypto/crypto.service';

const START = 'mutation S($input: TaskIdInput!) { startTask(input: $input) { status } }';
const COMPLETE =
  'mutation D($input: CompleteTaskInput!) { completeTask(input: $input) { status } }';
const CONSENT = `mutation C($input: RecordConsentInput!) { recordConsent(input: $input) { id } }`;
const GENERATE = `mutation G($input: GenerateEvidencePackInput!) { generateEvidencePack(input: $input) {
  id scopeKind scopeRef attempts includesConsentEvidence jsonSha256 pdfSha256 } }`;
const LINK = `mutation L($input: EvidencePackIdInput!) { issueEvidencePackLink(input: $input) { url expiresAt } }`;
const TEMPLATE = 'Hello {{firstName}}, please call us about your account.';

interface PackJson {
  scope: { kind: string; ref: string; customerIds: string[] };
  consentEvidence: string;
  summary: Record<string, number>;
  attempts: {
    id: string;
    debtId: string | null;
    flags: string[];
    decision: {
      id: string;
      allowed: boolean;
      namesAttempt: boolean;
      replay: { matches: boolean };
      checks: { rule: string; citation: string | null }[];
      facts: { zones: string[]; localTimes: Record<string, string> };
    } | null;
  }[];
  consents: {
    id: string;
    evidence: Record<string, string> | null;
    evidenceHash: string | null;
    evidenceWithheld: boolean;
    evidenceMatchesHash: boolean | null;
  }[];
  optOuts: {
    kind: string;
    id: string;
    honouredAfterSeconds: number;
    pendingTasksCancelled: number;
    attemptsAfter: unknown[];
  }[];
  proof: {
    decisions: { chain: { valid: boolean }; rows: { id: string; hash: string }[] };
    audit: {
      entries: { seq: string; prevHash: string; hash: string; canonical: string }[];
      checkpoint: { uptoSeq: string; signatureValid: boolean; signature: string } | null;
      verification: { ok: boolean } | null;
    };
  };
}

describe('evidence packs (e2e)', () => {
  const sink = new HttpSink();
  beforeAll(() => sink.start());
  afterAll(() => sink.stop());
  const app = useTestApp(() => ({
    NOTIFY_EMAIL_URL: `http://127.0.0.1:${sink.port}/email`,
    NOTIFY_WEBHOOK_SECRET: 'evidence-pack-test-secret-0123456789',
    NOTIFY_POLL_INTERVAL_MS: '600000',
  }));
  const team = `team-evidence-${Date.now()}`;
  const tag = `${Date.now()}${Math.floor(Math.random() * 1000)}`;
  const EVIDENCE = {
    ip: '203.0.113.77',
    userAgent: `EvidenceBrowser/9.1 (pack-${tag})`,
    formUrl: `https://forms.example.com/consent/${tag}`,
    textVersion: `tos-v${tag.slice(-4)}`,
  };
  let manager: TestUser;
  let agent: TestUser;
  let agentAuth: Record<string, string>;
  let managerAuth: Record<string, string>;
  let admin: Record<string, string>;
  let analyst: Record<string, string>;
  let customerId: string;
  let consentId: string;
  let revocationId: string;
  const debtA = uuidv7();
  const debtB = uuidv7();
  const attemptsOf: Record<string, string[]> = { [debtA]: [], [debtB]: [] };
  /** How the attempts came to name their debt: through the task, or set on the attempt. */

  const rows = async (sql: string, params: unknown[] = []) =>
    (await app.db.query<RowDataPacket[]>(sql, params))[0];

  /** An email task for the agent, started and completed: one real contact with its decision. */
  async function contact(campaign: Awaited<ReturnType<typeof makeCampaign>>, debtId: string) {
    const customer = { id: customerId } as never;
    const task = await makeTask(
      app.t,
      { ...campaign, channel: 'email' as never },
      customer,
      agent.id,
    );
    await app.db.query('UPDATE tasks SET debt_id = ? WHERE id = ?', [debtId, task.id]);
    expect(
      (await app.t.gql(START, { input: { taskId: task.id } }, agentAuth)).errors,
    ).toBeUndefined();
    const done = await app.t.gql(
      COMPLETE,
      { input: { taskId: task.id, outcome: 'Reached' } },
      agentAuth,
    );
    expect(done.errors).toBeUndefined();
    const [attempt] = await rows('SELECT id, debt_id FROM contact_attempts WHERE task_id = ?', [
      task.id,
    ]);
    // The task's debt travels through the gate onto the attempt.
    expect(attempt.debt_id).toBe(debtId);
    attemptsOf[debtId].push(attempt.id as string);
    // Earlier contacts move back two days, so the house email gap and daily cap allow the next.
    await app.db.query(
      'UPDATE contact_attempts SET occurred_at = occurred_at - INTERVAL 2 DAY WHERE customer_id = ?',
      [customerId],
    );
  }

  beforeAll(async () => {
    manager = await makeUser(app.t, 'manager', { mfa: true, teamId: team });
    agent = await makeUser(app.t, 'agent', { mfa: true, teamId: team });
    agentAuth = (await signIn(app.t, agent)).auth;
    managerAuth = (await signIn(app.t, manager)).auth;
    admin = (await signIn(app.t, await makeUser(app.t, 'admin', { mfa: true }))).auth;
    // A compliance analyst: reads the audit trail, may not read consent evidence.
    const roleName = `evidence-analyst-${tag.slice(-6)}`;
    const role = await app.t.gql(
      `mutation { createRole(input: { name: "${roleName}", rules: [{ action: ["read"], subject: ["AuditEvent"] }] }) { name } }`,
      undefined,
      admin,
    );
    expect(role.errors).toBeUndefined();
    analyst = (await signIn(app.t, await makeUser(app.t, roleName, { mfa: true }))).auth;

    const customer = await app.t.app.get(CustomersService).create({
      externalRef: `evidence-${tag}`,
      firstName: 'Robin',
      email: `robin.${tag}@example.com`,
      timezone: middayZone(),
    });
    customerId = customer.id;
    const consent = await app.t.gql<{ recordConsent: { id: string } }>(
      CONSENT,
      {
        input: {
          customerId,
          channel: 'email',
          purpose: 'collection',
          granted: true,
          source: 'WebForm',
          ...EVIDENCE,
        },
      },
      managerAuth,
    );
    expect(consent.errors).toBeUndefined();
    consentId = consent.data!.recordConsent.id;
    const campaign = await makeCampaign(app.t, team, manager.id);
    await app.db.query(
      "UPDATE campaigns SET channel = 'email', window_start = '00:00', window_end = '23:59', message_template = ? WHERE id = ?",
      [TEMPLATE, campaign.id],
    );
    await contact(campaign, debtA);
    await contact(campaign, debtB);
    await contact(campaign, debtA);

    // The consumer opts out of email by phone; a pending email task is cancelled with it.
    const pending = await makeTask(
      app.t,
      { ...campaign, channel: 'email' as never },
      { id: customerId } as never,
      agent.id,
    );
    const revoked = await app.t.gql<{ recordConsent: { id: string } }>(
      CONSENT,
      {
        input: {
          customerId,
          channel: 'email',
          purpose: 'collection',
          granted: false,
          source: 'PhoneCall',
        },
      },
      managerAuth,
    );
    expect(revoked.errors).toBeUndefined();
    revocationId = revoked.data!.recordConsent.id;
    const [task] = await rows('SELECT status FROM tasks WHERE id = ?', [pending.id]);
    expect(task.status).toBe('cancelled');
  });

  const range = () => ({
    from: new Date(Date.now() - 10 * 86_400_000).toISOString(),
    to: new Date(Date.now() + 3_600_000).toISOString(),
  });

  async function generate(auth: Record<string, string>, input: Record<string, unknown>) {
    return app.t.gql<{
      generateEvidencePack: {
        id: string;
        attempts: number;
        includesConsentEvidence: boolean;
        jsonSha256: string;
        pdfSha256: string;
      };
    }>(GENERATE, { input: { ...range(), ...input } }, auth);
  }

  async function link(auth: Record<string, string>, packId: string) {
    const res = await app.t.gql<{ issueEvidencePackLink: { url: string } }>(
      LINK,
      { input: { packId } },
      auth,
    );
    expect(res.errors).toBeUndefined();
    const u = new URL(res.data!.issueEvidencePackLink.url);
    expect(u.pathname).toMatch(/^\/compliance\/evidence-packs\/[0-9a-f-]{36}$/);
    return (format: 'pdf' | 'json') =>
      fetch(`${app.t.url}${u.pathname}${u.search}&format=${format}`);
  }

  function pdfText(pdf: Buffer): string {
    const dir = mkdtempSync(join(tmpdir(), 'cw-pack-'));
    try {
      writeFileSync(join(dir, 'pack.pdf'), pdf);
      return execFileSync('pdftotext', ['-layout', join(dir, 'pack.pdf'), '-']).toString();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it("lists exactly one debt's attempts with their decisions, with consent evidence for an admin; the PDF names each attempt and downloads once", async () => {
    const res = await generate(admin, { debtId: debtA });
    expect(res.errors).toBeUndefined();
    const pack = res.data!.generateEvidencePack;
    expect(pack).toMatchObject({ attempts: 2, includesConsentEvidence: true });

    const get = await link(admin, pack.id);
    const pdfRes = await get('pdf');
    expect(pdfRes.status).toBe(200);
    expect(pdfRes.headers.get('content-type')).toBe('application/pdf');
    expect(pdfRes.headers.get('cache-control')).toBe('no-store');
    const pdf = Buffer.from(await pdfRes.arrayBuffer());
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    // One use per link: the second GET is gone, in any format.
    const again = await get('pdf');
    expect(again.status).toBe(410);
    expect(await again.json()).toMatchObject({ code: 'PACK_LINK_GONE' });
    expect((await get('json')).status).toBe(410);

    const text = pdfText(pdf);
    for (const id of attemptsOf[debtA]) expect(text).toContain(id);
    for (const id of attemptsOf[debtB]) expect(text).not.toContain(id);
    expect(text).toContain(pack.jsonSha256);
    expect(text).toContain(EVIDENCE.userAgent);
    expect(text).toContain(EVIDENCE.formUrl);

    // A rotation of the pii key re-seals the pack under the new key; it still opens, unchanged.
    const sealedKey = async () =>
      (
        (await rows('SELECT json_enc, pdf_enc FROM evidence_packs WHERE id = ?', [pack.id]))[0]
          .json_enc as Buffer
      ).readUInt32BE(1);
    const before = await sealedKey();
    const crypto = app.t.app.get(CryptoService);
    const { current } = await crypto.rotateDataKeyWithoutJob('pii');
    // The job may be another runner's (the app's sweep resumes open jobs): run it until it is done.
    await until('the pack re-sealed under the new key', async () => {
      await crypto.runReencryption('pii');
      return (await sealedKey()) === current.id;
    });
    expect(current.id).not.toBe(before);

    const jsonRes = await (await link(admin, pack.id))('json');
    expect(jsonRes.status).toBe(200);
    const raw = Buffer.from(await jsonRes.arrayBuffer());
    const { createHash } = await import('node:crypto');
    expect(createHash('sha256').update(raw).digest('hex')).toBe(pack.jsonSha256);
    const body = JSON.parse(raw.toString('utf8')) as PackJson;
    expect(body.scope).toMatchObject({ kind: 'debt', ref: debtA, customerIds: [customerId] });
    expect(body.attempts.map((a) => a.id).sort()).toEqual([...attemptsOf[debtA]].sort());
    for (const a of body.attempts) {
      const [db] = await rows('SELECT decision_id FROM contact_attempts WHERE id = ?', [a.id]);
      const [decision] = await rows('SELECT attempt_id FROM contact_decisions WHERE id = ?', [
        db.decision_id,
      ]);
      expect(a.decision).not.toBeNull();
      expect(a.decision!.id).toBe(db.decision_id);
      expect(decision.attempt_id).toBe(a.id);
      expect(a.decision).toMatchObject({ allowed: true, namesAttempt: true });
      expect(a.decision!.replay.matches).toBe(true);
      expect(a.decision!.checks.length).toBeGreaterThan(0);
      expect(Object.keys(a.decision!.facts.localTimes)).toEqual(a.decision!.facts.zones);
      expect(a.flags).toEqual([]);
      expect(a.debtId).toBe(debtA);
    }
    const consent = body.consents.find((c) => c.id === consentId)!;
    expect(consent.evidence).toEqual(EVIDENCE);
    expect(consent.evidenceMatchesHash).toBe(true);
    expect(consent.evidenceHash).toMatch(/^[0-9a-f]{64}$/);

    // The opt-out: honoured at once, its pending task cancelled, no attempt after it.
    const optOut = body.optOuts.find((o) => o.id === revocationId)!;
    expect(optOut).toMatchObject({ kind: 'consent_revocation', attemptsAfter: [] });
    expect(optOut.pendingTasksCancelled).toBe(1);
    expect(optOut.honouredAfterSeconds).toBeLessThan(5);

    // The proof: the decision chain and the audit chain verified, a signed checkpoint named.
    expect(body.proof.decisions.chain.valid).toBe(true);
    expect(body.proof.decisions.rows.map((r) => r.id).sort()).toEqual(
      body.attempts.map((a) => a.decision!.id).sort(),
    );
    expect(body.proof.audit.verification).toMatchObject({ ok: true });
    expect(body.proof.audit.checkpoint).toMatchObject({ signatureValid: true });
    for (const e of body.proof.audit.entries)
      expect(
        createHash('sha256')
          .update(Buffer.from(e.prevHash, 'hex'))
          .update(e.canonical, 'utf8')
          .digest('hex'),
      ).toBe(e.hash);
    expect(
      BigInt(body.proof.audit.checkpoint!.uptoSeq) >=
        BigInt(body.proof.audit.entries[body.proof.audit.entries.length - 1].seq),
    ).toBe(true);

    // Audited: the generation (no personal values), the disclosure, each download.
    const events = await rows(
      `SELECT action, resource_type, resource_id, changes FROM audit_events
        WHERE (resource_type = 'EvidencePack' AND resource_id = ?)
           OR (action = 'compliance.consent_evidence_disclosed' AND resource_id = ?)
        ORDER BY seq`,
      [pack.id, consentId],
    );
    const actions = events.map((e) => e.action as string);
    expect(actions).toEqual(
      expect.arrayContaining([
        'compliance.consent_evidence_disclosed',
        'compliance.evidence_pack_generated',
        'compliance.evidence_pack_link_issued',
        'compliance.evidence_pack_downloaded',
      ]),
    );
    expect(actions.filter((a) => a === 'compliance.evidence_pack_downloaded')).toHaveLength(2);
    const generated = events.find((e) => e.action === 'compliance.evidence_pack_generated')!;
    const changes = JSON.stringify(generated.changes);
    expect(changes).toContain('"attempts":2');
    for (const value of Object.values(EVIDENCE)) expect(changes).not.toContain(value);
    expect(changes).not.toContain('robin.');
    const [stored] = await rows(
      'SELECT scope_kind, scope_ref, json_enc, pdf_enc, downloads FROM evidence_packs WHERE id = ?',
      [pack.id],
    );
    expect(stored).toMatchObject({ scope_kind: 'debt', scope_ref: debtA, downloads: 2 });
    expect((stored.json_enc as Buffer).includes(Buffer.from(EVIDENCE.userAgent))).toBe(false);
  });

  it('withholds consent evidence from a role without the evidence permission: the hash only', async () => {
    const res = await generate(analyst, { debtId: debtA });
    expect(res.errors).toBeUndefined();
    const pack = res.data!.generateEvidencePack;
    expect(pack).toMatchObject({ attempts: 2, includesConsentEvidence: false });
    const pdf = Buffer.from(await (await (await link(analyst, pack.id))('pdf')).arrayBuffer());
    const raw = Buffer.from(await (await (await link(analyst, pack.id))('json')).arrayBuffer());
    const text = pdfText(pdf);
    const body = JSON.parse(raw.toString('utf8')) as PackJson;
    for (const id of attemptsOf[debtA]) expect(text).toContain(id);
    expect(text).toContain('withheld for your role');
    for (const value of Object.values(EVIDENCE)) {
      expect(text).not.toContain(value);
      expect(raw.toString('utf8')).not.toContain(value);
    }
    expect(body.consentEvidence).toBe('withheld for your role');
    const consent = body.consents.find((c) => c.id === consentId)!;
    expect(consent).toMatchObject({
      evidence: null,
      evidenceWithheld: true,
      evidenceMatchesHash: true,
    });
    expect(text).toContain(consent.evidenceHash);
    const [disclosed] = await rows(
      `SELECT COUNT(*) AS n FROM audit_events
        WHERE action = 'compliance.consent_evidence_disclosed' AND changes LIKE ?`,
      [`%${pack.id}%`],
    );
    expect(Number(disclosed.n)).toBe(0);

    // Nor may it hand out a pack that holds the evidence.
    const adminPack = (await generate(admin, { customerId })).data!.generateEvidencePack;
    expect(adminPack.includesConsentEvidence).toBe(true);
    const refused = await app.t.gql(LINK, { input: { packId: adminPack.id } }, analyst);
    expect(refused.errors?.[0].extensions).toMatchObject({
      code: 'FORBIDDEN',
      reason: 'EVIDENCE_NOT_ALLOWED',
    });
  });

  it('scopes a pack by customer (both debts) and refuses other roles, bad scopes and bad links', async () => {
    const all = await generate(admin, { customerId });
    expect(all.errors).toBeUndefined();
    expect(all.data!.generateEvidencePack.attempts).toBe(3);

    const [before] = await rows('SELECT COUNT(*) AS n FROM evidence_packs');
    for (const auth of [managerAuth, agentAuth]) {
      const res = await generate(auth, { debtId: debtA });
      expect(res.errors?.[0].extensions.code).toBe('FORBIDDEN');
    }
    const both = await generate(admin, { debtId: debtA, customerId });
    expect(both.errors?.[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      reason: 'INVALID_SCOPE',
    });
    const backwards = await generate(admin, {
      customerId,
      from: new Date().toISOString(),
      to: new Date(Date.now() - 1000).toISOString(),
    });
    expect(backwards.errors?.[0].extensions).toMatchObject({ reason: 'INVALID_RANGE' });
    const [after] = await rows('SELECT COUNT(*) AS n FROM evidence_packs');
    expect(Number(after.n)).toBe(Number(before.n));

    const get = await link(admin, all.data!.generateEvidencePack.id);
    const ok = await get('pdf');
    expect(ok.status).toBe(200);
    const u = new URL(ok.url);
    const forged = `${app.t.url}${u.pathname}?exp=${u.searchParams.get('exp')}&sig=1.${'A'.repeat(43)}&format=pdf`;
    expect((await fetch(forged)).status).toBe(403);
  });
});
