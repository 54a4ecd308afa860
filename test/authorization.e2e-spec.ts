import { ModulesContainer, Reflector } from '@nestjs/core';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import type { RowDataPacket } from 'mysql2/promise';
import { AUDIT_SENSITIVE } from '../src/core/audit/audit-sensitive.decorator';
import { AUTHENTICATED, DURING_ENROLLMENT, STEP_UP } from '../src/core/auth/auth.decorators';
import { IS_PUBLIC } from '../src/core/auth/public.decorator';
import { USER_ID, USER_TEAM } from '../src/modules/authorization/permissions';
import { ALLOW, AllowRule } from '../src/core/authorization/allow.decorator';
import { makeUser, signIn, TestUser } from './utils/identity';
import { makeCampaign, makeCustomer, makeTask } from './utils/outreach';
import { useTestApp } from './utils/use-test-app';

type Auth = Record<string, string>;

describe('authorization (e2e)', () => {
  const app = useTestApp();

  it('declares who may call every Query and Mutation (deny by default), as snapshotted', () => {
    const reflector = app.t.app.get(Reflector);
    const declared = new Map<string, string>();
    const providers = [...app.t.app.get(ModulesContainer).values()].flatMap((m) => [
      ...m.providers.values(),
    ]);
    for (const wrapper of providers) {
      const proto = (wrapper.metatype as { prototype?: Record<string, unknown> } | undefined)
        ?.prototype;
      if (!proto || !wrapper.metatype) continue;
      for (const key of Object.getOwnPropertyNames(proto)) {
        const handler: unknown = Object.getOwnPropertyDescriptor(proto, key)?.value;
        if (typeof handler !== 'function') continue;
        const type = Reflect.getMetadata('graphql:resolver_type', handler) as string | undefined;
        if (type !== 'Query' && type !== 'Mutation') continue;
        const name =
          (Reflect.getMetadata('graphql:resolver_name', handler) as string | undefined) ?? key;
        const targets = [handler as () => void, wrapper.metatype as () => void];
        const parts: string[] = [];
        if (reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) parts.push('public');
        if (reflector.getAllAndOverride<boolean>(AUTHENTICATED, targets))
          parts.push('authenticated');
        const rule = reflector.getAllAndOverride<AllowRule | undefined>(ALLOW, targets);
        if (rule) parts.push(`${rule.action}:${rule.subject}`);
        if (reflector.getAllAndOverride<boolean>(STEP_UP, targets)) parts.push('step-up');
        if (reflector.getAllAndOverride<boolean>(AUDIT_SENSITIVE, targets))
          parts.push('audit-sensitive');
        if (reflector.getAllAndOverride<boolean>(DURING_ENROLLMENT, targets))
          parts.push('during-mfa-enrollment');
        declared.set(`${type}.${name}`, parts.join(' '));
      }
    }
    const schema = app.t.app.get(GraphQLSchemaHost).schema;
    const operations = [
      ...Object.keys(schema.getQueryType()?.getFields() ?? {}).map((f) => `Query.${f}`),
      ...Object.keys(schema.getMutationType()?.getFields() ?? {}).map((f) => `Mutation.${f}`),
    ].sort();
    expect([...declared.keys()].sort()).toEqual(operations);
    const undeclared = operations.filter(
      (op) => !/public|authenticated|:/.test(declared.get(op) ?? ''),
    );
    expect(undeclared).toEqual([]);
    // A permission change shows up in review as a change of this snapshot.
    expect(Object.fromEntries(operations.map((op) => [op, declared.get(op)]))).toMatchSnapshot();
  });

  describe('with users of every role', () => {
    const users: Record<string, TestUser> = {};
    const auth: Record<string, Auth> = {};
    let mine: { taskId: string; customerId: string; campaignId: string };
    let theirs: { taskId: string; customerId: string; campaignId: string };
    let otherTeam: { campaignId: string; taskId: string };

    beforeAll(async () => {
      for (const role of ['admin', 'manager', 'agent', 'viewer']) {
        users[role] = await makeUser(app.t, role, {
          mfa: true,
          teamId: role === 'admin' || role === 'viewer' ? undefined : 'team-a',
        });
        auth[role] = (await signIn(app.t, users[role])).auth;
      }
      users.agent2 = await makeUser(app.t, 'agent', { mfa: true, teamId: 'team-a' });
      auth.agent2 = (await signIn(app.t, users.agent2)).auth;
      const campaign = await makeCampaign(app.t, 'team-a', users.manager.id);
      const c1 = await makeCustomer(app.t);
      const c2 = await makeCustomer(app.t);
      const t1 = await makeTask(app.t, campaign, c1, users.agent.id);
      const t2 = await makeTask(app.t, campaign, c2, users.agent2.id);
      mine = { taskId: t1.id, customerId: c1.id, campaignId: campaign.id };
      theirs = { taskId: t2.id, customerId: c2.id, campaignId: campaign.id };
      const foreign = await makeCampaign(app.t, 'team-b', users.admin.id);
      const t3 = await makeTask(app.t, foreign, await makeCustomer(app.t), null);
      otherTeam = { campaignId: foreign.id, taskId: t3.id };
    });

    /** Each operation with a harmless input; "allowed" means the guard let it through. */
    const OPERATIONS: Record<string, string> = {
      users: '{ users(first: 1) { items { id } } }',
      createUser:
        'mutation { createUser(input: { email: "x", displayName: "x", role: "viewer" }) { id } }',
      customers: '{ customers(first: 1) { totalCount } }',
      campaigns: '{ campaigns(first: 1) { totalCount } }',
      tasks: '{ tasks(first: 1) { totalCount } }',
      auditEvents: '{ auditEvents(first: 1) { items { seq } } }',
      cryptoKeys: '{ cryptoKeys { id } }',
      roles: '{ roles { name } }',
      createRole: 'mutation { createRole(input: { name: "x", rules: [] }) { name } }',
      revealCustomerField:
        'mutation { revealCustomerField(input: { id: "not-a-uuid", field: "ssn", reason: "testing the guard" }) { value } }',
      createApiKey: 'mutation { createApiKey(input: { name: "", scopes: [] }) { apiKey } }',
      me: '{ me { id } }',
    };
    /** The permission matrix (design document + this product's resources). */
    const MATRIX: Record<string, Record<string, boolean>> = {
      users: { admin: true, manager: true, agent: true, viewer: true },
      createUser: { admin: true, manager: false, agent: false, viewer: false },
      customers: { admin: true, manager: true, agent: true, viewer: true },
      campaigns: { admin: true, manager: true, agent: true, viewer: true },
      tasks: { admin: true, manager: true, agent: true, viewer: true },
      auditEvents: { admin: true, manager: false, agent: false, viewer: false },
      cryptoKeys: { admin: true, manager: false, agent: false, viewer: false },
      roles: { admin: true, manager: false, agent: false, viewer: false },
      createRole: { admin: true, manager: false, agent: false, viewer: false },
      revealCustomerField: { admin: true, manager: true, agent: true, viewer: false },
      createApiKey: { admin: true, manager: true, agent: false, viewer: false },
      me: { admin: true, manager: true, agent: true, viewer: true },
    };

    it.each(Object.keys(OPERATIONS))(
      'runs %s as each role with the outcome of the matrix',
      async (op) => {
        for (const role of ['admin', 'manager', 'agent', 'viewer']) {
          const res = await app.t.gql(OPERATIONS[op], undefined, auth[role]);
          const code = res.errors?.[0]?.extensions.code;
          const allowed = code !== 'FORBIDDEN' && code !== 'UNAUTHENTICATED';
          expect({ op, role, allowed }).toEqual({ op, role, allowed: MATRIX[op][role] });
        }
      },
    );

    it('keeps an agent to their own tasks and those tasks’ customers: by id, in lists, nested, in counts', async () => {
      const a = auth.agent;
      expect(
        (await app.t.gql(`{ task(id: "${mine.taskId}") { id } }`, undefined, a)).errors,
      ).toBeUndefined();
      const byId = await app.t.gql(`{ task(id: "${theirs.taskId}") { id } }`, undefined, a);
      expect(byId.errors?.[0].extensions.code).toBe('NOT_FOUND');
      const customer = await app.t.gql(
        `{ customer(id: "${theirs.customerId}") { id } }`,
        undefined,
        a,
      );
      expect(customer.errors?.[0].extensions.code).toBe('NOT_FOUND');
      expect(
        (await app.t.gql(`{ customer(id: "${mine.customerId}") { id } }`, undefined, a)).errors,
      ).toBeUndefined();

      const list = await app.t.gql<{ tasks: { totalCount: number; items: { id: string }[] } }>(
        '{ tasks(first: 200) { totalCount items { id } } }',
        undefined,
        a,
      );
      expect(list.data!.tasks.items.map((x) => x.id)).toEqual([mine.taskId]);
      expect(list.data!.tasks.totalCount).toBe(1);
      const customers = await app.t.gql<{
        customers: { totalCount: number; items: { id: string }[] };
      }>('{ customers(first: 200) { totalCount items { id } } }', undefined, a);
      expect(customers.data!.customers.items.map((x) => x.id)).toEqual([mine.customerId]);
      expect(customers.data!.customers.totalCount).toBe(1);

      // Nested: the campaign is readable, but through it only the agent's own task appears.
      const nested = await app.t.gql<{
        campaign: { tasks: { id: string; customer: { id: string } | null }[] };
      }>(
        `{ campaign(id: "${mine.campaignId}") { tasks { id customer { id tasks { id } } } } }`,
        undefined,
        a,
      );
      expect(nested.errors).toBeUndefined();
      expect(nested.data!.campaign.tasks.map((x) => x.id)).toEqual([mine.taskId]);
      expect(nested.data!.campaign.tasks[0].customer?.id).toBe(mine.customerId);

      // The other agent and the manager of the team see what is theirs.
      const other = await app.t.gql<{ tasks: { totalCount: number } }>(
        '{ tasks(first: 10) { totalCount } }',
        undefined,
        auth.agent2,
      );
      expect(other.data!.tasks.totalCount).toBe(1);
      const manager = await app.t.gql<{ tasks: { items: { id: string }[] } }>(
        '{ tasks(first: 200) { items { id } } }',
        undefined,
        auth.manager,
      );
      const ids = manager.data!.tasks.items.map((x) => x.id);
      expect(ids).toEqual(expect.arrayContaining([mine.taskId, theirs.taskId]));
      expect(ids).not.toContain(otherTeam.taskId);
      const foreign = await app.t.gql(
        `{ campaign(id: "${otherTeam.campaignId}") { id } }`,
        undefined,
        auth.manager,
      );
      expect(foreign.errors?.[0].extensions.code).toBe('NOT_FOUND');
    });

    it('refuses writes to tasks and campaigns outside the row rules, and writes nothing', async () => {
      const taskWrites = (taskId: string): [string, string, Record<string, unknown>][] => [
        [
          'assignTask',
          'mutation M($input: AssignTaskInput!) { assignTask(input: $input) { id } }',
          { taskId, agentId: users.agent.id },
        ],
        [
          'startTask',
          'mutation M($input: TaskIdInput!) { startTask(input: $input) { id } }',
          { taskId },
        ],
        [
          'completeTask',
          'mutation M($input: CompleteTaskInput!) { completeTask(input: $input) { id } }',
          { taskId, outcome: 'Reached', notes: 'not my task' },
        ],
        [
          'sendTaskMessage',
          'mutation M($input: TaskIdInput!) { sendTaskMessage(input: $input) { id } }',
          { taskId },
        ],
      ];
      const campaignWrites = (id: string): [string, string, Record<string, unknown>][] => [
        [
          'updateCampaign',
          'mutation M($input: UpdateCampaignInput!) { updateCampaign(input: $input) { id } }',
          { id, name: 'Taken over' },
        ],
        [
          'transitionCampaign',
          'mutation M($input: TransitionCampaignInput!) { transitionCampaign(input: $input) { id } }',
          { id, to: 'Scheduled' },
        ],
        [
          'launchCampaign',
          'mutation M($input: CampaignIdInput!) { launchCampaign(input: $input) { campaignId } }',
          { id },
        ],
      ];
      const taskIds = [theirs.taskId, otherTeam.taskId];
      const state = async () => {
        const [tasks] = await app.db.query<RowDataPacket[]>(
          `SELECT id, status, assignee_id, started_at, completed_at, outcome, notes_enc, updated_at
             FROM tasks WHERE id IN (?) OR campaign_id = ? ORDER BY id`,
          [taskIds, otherTeam.campaignId],
        );
        const [campaigns] = await app.db.query<RowDataPacket[]>(
          'SELECT name, status, message_template, updated_at FROM campaigns WHERE id = ?',
          [otherTeam.campaignId],
        );
        const [[attempts]] = await app.db.query<RowDataPacket[]>(
          'SELECT COUNT(*) AS n FROM contact_attempts WHERE task_id IN (?) OR campaign_id = ?',
          [taskIds, otherTeam.campaignId],
        );
        const [[events]] = await app.db.query<RowDataPacket[]>(
          "SELECT COUNT(*) AS n FROM audit_events WHERE resource_id IN (?) AND action NOT LIKE 'graphql.%'",
          [[...taskIds, otherTeam.campaignId]],
        );
        return { tasks, campaigns, attempts: Number(attempts.n), events: Number(events.n) };
      };

      // A lead reads every task and campaign (as a viewer) but may change only the tasks assigned
      // to them and their own team's campaigns: a write must be scoped by `update`, not by `read`.
      const role = `lead-${Date.now().toString(36)}`;
      const created = await app.t.gql(
        'mutation R($input: SaveRoleInput!) { createRole(input: $input) { name } }',
        {
          input: {
            name: role,
            inherits: ['viewer'],
            rules: [
              {
                action: ['update'],
                subject: ['Task'],
                conditions: JSON.stringify({ assigneeId: USER_ID }),
              },
              {
                action: ['update'],
                subject: ['Campaign'],
                conditions: JSON.stringify({ teamId: USER_TEAM }),
              },
            ],
          },
        },
        auth.admin,
      );
      expect(created.errors).toBeUndefined();
      const lead = await makeUser(app.t, 'viewer', { mfa: true, teamId: 'team-a' });
      const assigned = await app.t.gql(
        'mutation U($input: UpdateUserInput!) { updateUser(input: $input) { role } }',
        { input: { id: lead.id, role } },
        auth.admin,
      );
      expect(assigned.errors).toBeUndefined();
      const leadAuth = (await signIn(app.t, lead)).auth;
      for (const id of taskIds)
        expect(
          (await app.t.gql(`{ task(id: "${id}") { id } }`, undefined, leadAuth)).errors,
        ).toBeUndefined();
      expect(
        (await app.t.gql(`{ campaign(id: "${otherTeam.campaignId}") { id } }`, undefined, leadAuth))
          .errors,
      ).toBeUndefined();

      const attempts: [string, Auth, [string, string, Record<string, unknown>][]][] = [
        ['agent on another agent’s task', auth.agent, taskWrites(theirs.taskId)],
        ['agent on another team’s task', auth.agent, taskWrites(otherTeam.taskId)],
        ['manager on another team’s task', auth.manager, taskWrites(otherTeam.taskId)],
        ['manager on another team’s campaign', auth.manager, campaignWrites(otherTeam.campaignId)],
        ['lead on a task they may only read', leadAuth, taskWrites(theirs.taskId)],
        ['lead on another team’s task', leadAuth, taskWrites(otherTeam.taskId)],
        ['lead on a campaign they may only read', leadAuth, campaignWrites(otherTeam.campaignId)],
      ];
      const before = await state();
      for (const [who, as, writes] of attempts) {
        for (const [op, mutation, input] of writes) {
          const res = await app.t.gql(mutation, { input }, as);
          const code = res.errors?.[0]?.extensions.code;
          // Not found (the row is invisible to this write) or forbidden; anything else ran it.
          expect({ who, op, data: res.data ?? null, code }).toEqual({
            who,
            op,
            data: null,
            code: code === 'FORBIDDEN' ? 'FORBIDDEN' : 'NOT_FOUND',
          });
        }
      }
      expect(await state()).toEqual(before);
    });

    it('masks personal fields by role, through aliases, fragments and nested lists', async () => {
      const query = `query Q($id: ID!) {
        customer(id: $id) {
          a: email
          b: email
          ...Pii
          tasks { customer { ssn phone } }
        }
        tasks(first: 5) { items { customer { lastName email } } }
      }
      fragment Pii on Customer { firstName lastName phone ssn dateOfBirth accountRef }`;
      const full = await app.t.gql<{ customer: Record<string, unknown> }>(
        query,
        { id: mine.customerId },
        auth.admin,
      );
      expect(full.data!.customer.a).toMatch(/^jonathan\.doe\..+@example\.com$/);
      expect(full.data!.customer.ssn).toMatch(/^123-45-\d{4}$/);

      const agent = await app.t.gql<{
        customer: Record<string, unknown>;
        tasks: { items: { customer: Record<string, unknown> }[] };
      }>(query, { id: mine.customerId }, auth.agent);
      expect(agent.errors).toBeUndefined();
      const c = agent.data!.customer;
      expect(c.a).toBe('j***@example.com');
      expect(c.b).toBe('j***@example.com');
      expect(c.firstName).toBe('Jonathan'); // agents see first names
      expect(c.lastName).toMatch(/^Do\*\*\*$/);
      expect(c.phone).toMatch(/^\*\*\*-\*\*\*-\d{4}$/);
      expect(c.ssn).toMatch(/^\*\*\*-\*\*-\d{4}$/);
      expect(c.dateOfBirth).toBe('****-**-**');
      expect((c.tasks as { customer: Record<string, string> }[])[0].customer.ssn).toMatch(
        /^\*\*\*-\*\*-\d{4}$/,
      );
      expect(agent.data!.tasks.items[0].customer.email).toBe('j***@example.com');

      const manager = await app.t.gql<{ customer: Record<string, unknown> }>(
        query,
        { id: mine.customerId },
        auth.manager,
      );
      expect(manager.data!.customer.a).toMatch(/^jonathan\.doe\./);
      expect(manager.data!.customer.ssn).toMatch(/^\*\*\*-\*\*-\d{4}$/);

      const viewer = await app.t.gql<{ customer: Record<string, unknown> }>(
        query,
        { id: mine.customerId },
        auth.viewer,
      );
      expect(viewer.data!.customer.firstName).toBe('Jo***');
      expect(viewer.data!.customer.a).toBe('j***@example.com');
    });

    it('reveals one field with a reason after step-up, and audits it; a viewer may not', async () => {
      const mutation = `mutation R($input: RevealCustomerFieldInput!) { revealCustomerField(input: $input) { field value } }`;
      const input = {
        id: mine.customerId,
        field: 'phone',
        reason: 'customer asked for a call back',
      };
      const res = await app.t.gql<{ revealCustomerField: { value: string } }>(
        mutation,
        { input },
        auth.agent,
      );
      expect(res.errors).toBeUndefined();
      expect(res.data!.revealCustomerField.value).toMatch(/^\+1212\d{7}$/);
      const [rows] = await app.db.query<RowDataPacket[]>(
        "SELECT changes FROM audit_events WHERE action = 'customer.field_revealed' AND actor_id = ? AND resource_id = ?",
        [users.agent.id, mine.customerId],
      );
      expect(rows).toHaveLength(1);
      const changes = (
        typeof rows[0].changes === 'string' ? JSON.parse(rows[0].changes) : rows[0].changes
      ) as Record<string, string>;
      expect(changes).toMatchObject({
        field: 'phone',
        justification: 'customer asked for a call back',
      });
      expect(JSON.stringify(rows)).not.toContain(res.data!.revealCustomerField.value);

      const notTheirs = await app.t.gql(
        mutation,
        { input: { ...input, id: theirs.customerId } },
        auth.agent,
      );
      expect(notTheirs.errors?.[0].extensions.code).toBe('NOT_FOUND');
      const ssn = await app.t.gql(mutation, { input: { ...input, field: 'ssn' } }, auth.agent);
      expect(ssn.errors?.[0].extensions).toMatchObject({
        code: 'FORBIDDEN',
        reason: 'REVEAL_NOT_ALLOWED',
      });
      const viewer = await app.t.gql(mutation, { input }, auth.viewer);
      expect(viewer.errors?.[0].extensions.code).toBe('FORBIDDEN');
    });

    it('names blocked customers in a precheck only to those who may open them and read why', async () => {
      const open = await makeCustomer(app.t);
      const banned = await makeCustomer(app.t);
      const mobile = await makeCustomer(app.t);
      await app.db.query("UPDATE customers SET phone_type = 'mobile' WHERE id = ?", [mobile.id]);
      expect(
        (
          await app.t.gql(
            'mutation D($input: AddDncEntryInput!) { addDncEntry(input: $input) { id } }',
            { input: { customerId: banned.id, channel: 'call' } },
            auth.manager,
          )
        ).errors,
      ).toBeUndefined();
      const created = await app.t.gql<{ createCampaign: { id: string } }>(
        'mutation C($input: CreateCampaignInput!) { createCampaign(input: $input) { id } }',
        {
          input: {
            name: 'Precheck privacy',
            channel: 'Call',
            purpose: 'collection',
            audience: { customerIds: [open.id, banned.id, mobile.id] },
          },
        },
        auth.manager,
      );
      expect(created.errors).toBeUndefined();
      const id = created.data!.createCampaign.id;
      const precheck = (role: string) =>
        app.t.gql<{
          precheckCampaign: { blocked: number; blockedCustomers: { customerId: string }[] };
        }>(
          'query P($input: CampaignIdInput!) { precheckCampaign(input: $input) { blocked blockedCustomers { customerId reasons } } }',
          { input: { id } },
          auth[role],
        );
      // The team's manager may open every customer and read consents: both are named.
      const manager = await precheck('manager');
      expect(manager.data!.precheckCampaign.blocked).toBe(2);
      expect(
        manager.data!.precheckCampaign.blockedCustomers.map((b) => b.customerId).sort(),
      ).toEqual([banned.id, mobile.id].sort());
      // An agent reads the campaign, not these customers; a viewer may not read consents.
      for (const role of ['agent', 'viewer']) {
        const res = await precheck(role);
        expect(res.errors).toBeUndefined();
        expect(res.data!.precheckCampaign.blocked).toBe(2);
        expect(res.data!.precheckCampaign.blockedCustomers).toEqual([]);
        expect(JSON.stringify(res.data)).not.toContain(banned.id);
      }
      // A campaign for another team is a permission question: FORBIDDEN, not a bad input.
      const foreign = await app.t.gql(
        'mutation C($input: CreateCampaignInput!) { createCampaign(input: $input) { id } }',
        {
          input: {
            name: 'Not mine',
            channel: 'Call',
            purpose: 'collection',
            audience: { states: ['NY'] },
            teamId: 'team-b',
          },
        },
        auth.manager,
      );
      expect(foreign.errors?.[0].extensions).toMatchObject({
        code: 'FORBIDDEN',
        reason: 'FOREIGN_TEAM',
      });
    });

    it('holds the reveal cap under 60 concurrent reveals: exactly the remainder of 30 an hour pass', async () => {
      const mutation = `mutation R($input: RevealCustomerFieldInput!) { revealCustomerField(input: $input) { value } }`;
      const reveals = () =>
        app.db
          .query<RowDataPacket[]>(
            "SELECT COUNT(*) AS n FROM audit_events WHERE action = 'customer.field_revealed' AND actor_id = ? AND occurred_at > NOW(3) - INTERVAL 1 HOUR",
            [users.agent.id],
          )
          .then(([rows]) => Number(rows[0].n));
      const before = await reveals();
      const results = await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          app.t.gql(
            mutation,
            { input: { id: mine.customerId, field: 'phone', reason: `concurrent reveal ${i}` } },
            auth.agent,
          ),
        ),
      );
      const passed = results.filter((r) => !r.errors).length;
      const limited = results.filter(
        (r) => r.errors?.[0].extensions.reason === 'REVEAL_RATE_LIMITED',
      ).length;
      expect(passed).toBe(Math.max(0, 30 - before));
      expect(limited).toBe(60 - passed);
      expect(await reveals()).toBe(Math.max(before, 30));
    });

    it('applies a custom role created at run time, and a removed permission on the next request', async () => {
      const save = (verb: 'createRole' | 'updateRole', rules: string) =>
        app.t.gql(
          `mutation { ${verb}(input: { name: "auditor", inherits: ["viewer"], rules: [${rules}] }) { name version } }`,
          undefined,
          auth.admin,
        );
      const created = await save('createRole', '{ action: ["read"], subject: ["AuditEvent"] }');
      expect(created.errors).toBeUndefined();
      const auditor = await makeUser(app.t, 'viewer', { mfa: true });
      const assign = await app.t.gql(
        `mutation { updateUser(input: { id: "${auditor.id}", role: "auditor" }) { role } }`,
        undefined,
        auth.admin,
      );
      expect(assign.errors).toBeUndefined();
      const a = (await signIn(app.t, auditor)).auth;
      expect(
        (await app.t.gql('{ auditEvents(first: 1) { items { seq } } }', undefined, a)).errors,
      ).toBeUndefined();
      expect(
        (await app.t.gql('{ customers(first: 1) { totalCount } }', undefined, a)).errors,
      ).toBeUndefined(); // inherited from viewer
      expect(
        (await app.t.gql('{ cryptoKeys { id } }', undefined, a)).errors?.[0].extensions.code,
      ).toBe('FORBIDDEN');

      const updated = await save('updateRole', '{ action: ["read"], subject: ["Report"] }');
      expect(updated.errors).toBeUndefined();
      expect(
        (await app.t.gql('{ auditEvents(first: 1) { items { seq } } }', undefined, a)).errors?.[0]
          .extensions.code,
      ).toBe('FORBIDDEN');
      const [rows] = await app.db.query<RowDataPacket[]>(
        "SELECT COUNT(*) AS n FROM audit_events WHERE action = 'role.changed' AND resource_id = 'auditor'",
      );
      expect(Number(rows[0].n)).toBe(2);

      const bad = await app.t.gql(
        'mutation { createRole(input: { name: "sneaky", rules: [{ action: ["read"], subject: ["Task"], conditions: "{\\"notes\\": \\"x\\"}" }] }) { name } }',
        undefined,
        auth.admin,
      );
      expect(bad.errors?.[0].extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        reason: 'INVALID_RULE',
      });
    });

    it('never lets users change their own role', async () => {
      const res = await app.t.gql(
        `mutation { updateUser(input: { id: "${users.admin.id}", role: "viewer" }) { role } }`,
        undefined,
        auth.admin,
      );
      expect(res.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'OWN_ROLE' });
    });
  });
});
