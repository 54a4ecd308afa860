import { AsyncLocalStorage, AsyncResource } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { trace } from '@opentelemetry/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { REQUEST_ID_ATTRIBUTE } from '../telemetry/request-id';

/** Who is acting, as the audit log records it. Set by the access guard once a request is signed in. */
export interface Principal {
  type: 'user' | 'api_key';
  /** User id, or API key id. */
  id: string;
  role: string;
  /** The user behind the principal (the key's owner for API keys). */
  userId: string;
  teamId: string | null;
}

export interface RequestStore {
  requestId: string;
  ip: string | null;
  userAgent: string | null;
  principal?: Principal;
  /**
   * A place in the password hashing queue held for this request's sign-in since the edge admitted
   * it (hashing-admission); the hash takes it, the end of the response releases it.
   */
  hashingTicket?: { release(): void };
}

/** Per-request values that code far from the request (error formatting, audit) needs. */
export const requestStore = new AsyncLocalStorage<RequestStore>();

const REQUEST_ID = /^[A-Za-z0-9._-]{8,64}$/;

/** Accepts a caller's well-formed X-Request-Id (tracing across services), otherwise makes one. */
export function newRequestId(req: IncomingMessage): string {
  const incoming = req.headers['x-request-id'];
  return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

/** The request's id (Fastify's `genReqId` set it to newRequestId's), made once and echoed. */
export function requestIdFor(req: IncomingMessage, res: ServerResponse): string {
  const existing = (req as { id?: unknown }).id;
  if (typeof existing === 'string') return existing;
  const id = newRequestId(req);
  (req as { id?: string }).id = id;
  res.setHeader('x-request-id', id);
  return id;
}

const RESOURCE = Symbol('callwarden.requestResource');
type HookRequest = FastifyRequest & { [RESOURCE]?: AsyncResource };

/**
 * The first thing every request passes through: its id, client address and agent in an
 * AsyncLocalStorage store. Fastify reads the body outside the hook's async context, so the
 * context is captured in an AsyncResource and restored before validation and the handler.
 */
export function installRequestStore(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (req: HookRequest, reply, done) => {
    const agent = req.headers['user-agent'];
    const requestId = requestIdFor(req.raw, reply.raw);
    void reply.header('x-request-id', requestId);
    // The request's HTTP span (when tracing is on) started before the id existed.
    trace.getActiveSpan()?.setAttribute(REQUEST_ID_ATTRIBUTE, requestId);
    const store: RequestStore = {
      requestId,
      // Fastify resolves the client address behind trusted proxies (trustProxy) into req.ip.
      ip: req.ip ?? req.raw.socket.remoteAddress ?? null,
      userAgent: typeof agent === 'string' ? agent.slice(0, 255) : null,
    };
    requestStore.run(store, () => {
      req[RESOURCE] = new AsyncResource('callwarden.request');
      done();
    });
  });
  fastify.addHook('preValidation', (req: HookRequest, _reply, done) => {
    const resource = req[RESOURCE];
    if (resource) resource.runInAsyncScope(done, req.raw);
    else done();
  });
}

export function currentRequestId(): string | undefined {
  return requestStore.getStore()?.requestId;
}
