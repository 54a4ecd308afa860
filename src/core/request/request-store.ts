import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface RequestStore {
  requestId: string;
}

/** Per-request values that code far from the request (error formatting, audit) needs. */
export const requestStore = new AsyncLocalStorage<RequestStore>();

const REQUEST_ID = /^[A-Za-z0-9._-]{8,64}$/;

/** Accepts a caller's well-formed X-Request-Id (tracing across services), otherwise makes one. */
export function requestIdFor(req: IncomingMessage, res: ServerResponse): string {
  const existing = (req as { id?: unknown }).id;
  if (typeof existing === 'string') return existing;
  const incoming = req.headers['x-request-id'];
  const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
  (req as { id?: string }).id = id;
  res.setHeader('x-request-id', id);
  return id;
}

/** Express middleware: the first thing every request passes through. */
export function requestStoreMiddleware(
  req: IncomingMessage,
  res: ServerResponse,
  next: () => void,
): void {
  requestStore.run({ requestId: requestIdFor(req, res) }, next);
}

export function currentRequestId(): string | undefined {
  return requestStore.getStore()?.requestId;
}
