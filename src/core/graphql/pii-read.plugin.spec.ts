import type { GraphQLRequestListener } from '@apollo/server';
import type { MiddlewareContext } from '@nestjs/graphql';
import { piiMiddleware } from '../authorization/pii-field';
import { PiiReadLog, PiiReadRecorder } from '../authorization/pii-reads';
import type { Principal } from '../request/request-store';
import { ErrorCode } from '../errors/error-code';
import type { GraphQLContext } from './graphql-context';
import { flushPiiReads, piiReadPlugin, READ_LOG_UNAVAILABLE } from './pii-read.plugin';

const reader: Principal = { type: 'user', id: 'u-1', role: 'admin', userId: 'u-1', teamId: null };

function operation(data: Record<string, unknown>) {
  const contextValue = { piiReads: new PiiReadLog() } as unknown as GraphQLContext;
  const response = {
    http: { status: undefined as number | undefined, headers: new Map() },
    body: { kind: 'single' as const, singleResult: { data } },
  };
  return { contextValue, response };
}

function recorder(fail?: Error): PiiReadRecorder & { calls: unknown[][] } {
  const calls: unknown[][] = [];
  return {
    calls,
    recordReads(reads, principal) {
      calls.push([reads, principal]);
      return fail ? Promise.reject(fail) : Promise.resolve();
    },
  };
}

describe('PiiReadLog', () => {
  it('keeps one entry per customer with the union of its fields, and drains once', () => {
    const log = new PiiReadLog();
    log.note(reader, 'c-2', 'phone');
    log.note(reader, 'c-1', 'email');
    log.note(reader, 'c-2', 'email');
    log.note(reader, 'c-2', 'phone');
    expect(log.drain()).toEqual({
      principal: reader,
      reads: [
        { customerId: 'c-2', fields: ['email', 'phone'] },
        { customerId: 'c-1', fields: ['email'] },
      ],
    });
    expect(log.drain()).toBeNull();
  });
});

describe('piiMiddleware', () => {
  const ability = { can: () => true };
  const middleware = piiMiddleware('Task', 'text', 'customerId');
  const run = (context: unknown, source: Record<string, unknown>): Promise<unknown> =>
    middleware(
      { context, source, info: { fieldName: 'notes' } } as unknown as MiddlewareContext,
      () => Promise.resolve('called back on Tuesday'),
    ) as Promise<unknown>;

  it('notes a full value against the data subject named by the key', async () => {
    const piiReads = new PiiReadLog();
    const context = { req: { cw: { ability, principal: reader } }, piiReads };
    await expect(run(context, { id: 't-1', customerId: 'c-9' })).resolves.toBe(
      'called back on Tuesday',
    );
    expect(piiReads.drain()?.reads).toEqual([{ customerId: 'c-9', fields: ['notes'] }]);
  });

  it('refuses a full value it cannot note (no subject id, or no log)', async () => {
    const cw = { ability, principal: reader };
    await expect(run({ req: { cw }, piiReads: new PiiReadLog() }, { id: 't-1' })).rejects.toThrow(
      'unrecordable read of Task.notes',
    );
    await expect(run({ req: { cw } }, { id: 't-1', customerId: 'c-9' })).rejects.toThrow(
      'unrecordable read of Task.notes',
    );
  });
});

describe('piiReadPlugin', () => {
  it('writes the reads once and leaves the result alone', async () => {
    const rec = recorder();
    const op = operation({ customer: { phone: '+12125550100' } });
    op.contextValue.piiReads.note(reader, 'c-1', 'phone');
    await flushPiiReads(rec, op as never);
    expect(rec.calls).toEqual([[[{ customerId: 'c-1', fields: ['phone'] }], reader]]);
    expect(op.response.body.singleResult).toEqual({
      data: { customer: { phone: '+12125550100' } },
    });
    expect(op.response.http.status).toBeUndefined();
  });

  it('writes nothing when nothing was read unmasked', async () => {
    const rec = recorder(new Error('never called'));
    const op = operation({ customer: { phone: '***-***-0100' } });
    await flushPiiReads(rec, op as never);
    expect(rec.calls).toEqual([]);
    expect(op.response.body.singleResult.data).toEqual({ customer: { phone: '***-***-0100' } });
  });

  it('withholds the result, with a stable code and no cause, when the write fails', async () => {
    const rec = recorder(
      new Error("ER_LOCK_WAIT_TIMEOUT: INSERT INTO customer_read_access ('c-1')"),
    );
    const op = operation({ customer: { phone: '+12125550100', ssn: '123-45-6789' } });
    op.contextValue.piiReads.note(reader, 'c-1', 'phone');
    // Through the hooks Apollo calls, in its order: the flush runs when execution ends.
    const plugin = piiReadPlugin(rec);
    const request = (await plugin.requestDidStart!(
      op as never,
    )) as GraphQLRequestListener<GraphQLContext>;
    const execution = await request.executionDidStart!(op as never);
    await execution!.executionDidEnd!();

    expect(rec.calls).toHaveLength(1);
    expect(op.response.http.status).toBe(503);
    const body = JSON.stringify(op.response.body);
    expect(body).not.toContain('+12125550100');
    expect(body).not.toContain('123-45-6789');
    expect(body).not.toContain('INSERT');
    expect(op.response.body).toEqual({
      kind: 'single',
      singleResult: {
        data: null,
        errors: [
          expect.objectContaining({
            extensions: expect.objectContaining({
              code: ErrorCode.INTERNAL_SERVER_ERROR,
              reason: READ_LOG_UNAVAILABLE,
            }) as unknown,
          }),
        ],
      },
    });
  });

  it('does not write when execution threw (no data is sent)', async () => {
    const rec = recorder();
    const op = operation({});
    op.contextValue.piiReads.note(reader, 'c-1', 'phone');
    const request = (await piiReadPlugin(rec).requestDidStart!(
      op as never,
    )) as GraphQLRequestListener<GraphQLContext>;
    const execution = await request.executionDidStart!(op as never);
    await execution!.executionDidEnd!(new Error('boom'));
    expect(rec.calls).toEqual([]);
  });
});
