import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

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
  const agent = req.headers['user-agent'];
  requestStore.run(
    {
      requestId: requestIdFor(req, res),
      // Express resolves the client address behind trusted proxies into req.ip.
      ip: (req as { ip?: string }).ip ?? req.socket.remoteAddress ?? null,
      userAgent: typeof agent === 'string' ? agent.slice(0, 255) : null,
    },
    next,
  );
}

export function currentRequestId(): string | undefined {
  return requestStore.getStore()?.requestId;
}
