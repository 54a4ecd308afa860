import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A provider's API played on a loopback port (Twilio, AWS KMS): `start` listens on a free port and
 * hands every request with its whole body to `answer`; `url` is the origin to configure in place
 * of the provider's; `stop` closes it and its connections.
 */
export abstract class LocalHttpFake {
  port = 0;
  private server?: Server;

  protected abstract answer(req: IncomingMessage, res: ServerResponse, body: Buffer): void;

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => this.answer(req, res, Buffer.concat(chunks)));
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
  }

  /** The origin to give the client in place of the provider's. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
