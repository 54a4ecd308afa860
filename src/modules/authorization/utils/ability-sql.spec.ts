import { buildAbility } from '../permissions';
import { accessibleSql } from './ability-sql';

describe('accessibleSql', () => {
  const agentOf = (userId: string) =>
    buildAbility([
      { action: 'read', subject: 'Customer', conditions: { 'tasks.assigneeId': userId } },
      { action: 'read', subject: 'Task', conditions: { assigneeId: userId } },
    ]);

  it('translates the rules of one ability once per query shape, each caller with its own parameters', () => {
    const ability = agentOf('u1');
    const first = accessibleSql(ability, 'read', 'Customer', 'c');
    expect(first).toEqual({
      sql: 'EXISTS (SELECT 1 FROM tasks rt WHERE rt.customer_id = c.id AND rt.assignee_id = :acl_c_0)',
      params: { acl_c_0: 'u1' },
    });
    // A caller that changes its copy changes no one else's.
    first!.params.acl_c_0 = 'someone else';
    expect(accessibleSql(ability, 'read', 'Customer', 'c')).toEqual({
      sql: first!.sql,
      params: { acl_c_0: 'u1' },
    });
    // Another shape (alias, subject, action) of the same ability is its own translation.
    expect(accessibleSql(ability, 'read', 'Customer', 'x')!.sql).toContain('x.id');
    expect(accessibleSql(ability, 'read', 'Task', 't')).toEqual({
      sql: 't.assignee_id = :acl_t_0',
      params: { acl_t_0: 'u1' },
    });
    expect(accessibleSql(ability, 'update', 'Customer', 'c')).toBeNull();
  });

  it('never gives one ability the translation of another', () => {
    expect(accessibleSql(agentOf('u1'), 'read', 'Customer', 'c')!.params).toEqual({
      acl_c_0: 'u1',
    });
    expect(accessibleSql(agentOf('u2'), 'read', 'Customer', 'c')!.params).toEqual({
      acl_c_0: 'u2',
    });
    expect(accessibleSql(buildAbility([]), 'read', 'Customer', 'c')).toBeNull();
  });
});
