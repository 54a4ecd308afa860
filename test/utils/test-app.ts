import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { createApp } from '../../src/app.factory';

export interface GraphQLResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  data?: T | null;
  errors?: { message: string; path?: string[]; extensions: Record<string, unknown> }[];
}

export interface TestApp {
  app: INestApplication;
  url: string;
  gql<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<GraphQLResponse<T>>;
  close(): Promise<void>;
}

/** Starts the real application on an ephemeral loopback port; tests talk to it over HTTP. */
export async function startTestApp(env: Record<string, string | undefined> = {}): Promise<TestApp> {
  const app = await createApp({ env });
  try {
    await app.listen(0, '127.0.0.1');
  } catch (e) {
    // A half-started app keeps its pools open and Jest would never exit: close it, then fail.
    await app.close().catch(() => undefined);
    throw e;
  }
  const server = app.getHttpServer() as { address(): AddressInfo };
  const { port } = server.address();
  const url = `http://127.0.0.1:${port}`;
  return {
    app,
    url,
    async gql<T>(
      query: string,
      variables?: Record<string, unknown>,
      headers: Record<string, string> = {},
    ) {
      const res = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await res.json()) as Omit<GraphQLResponse<T>, 'status' | 'headers'>;
      return { status: res.status, headers: res.headers, ...body };
    },
    close: () => app.close(),
  };
}
