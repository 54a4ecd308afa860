import { createServer, IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  headers: IncomingMessage['headers'];
  body: string;
  /** When the request was received (performance.now(), ms). */
  at: number;
}

/**
 * A local HTTP receiver standing in for an external system (SIEM, SMS, email). It can be told to
 * fail, to hold its answers (a slow provider, so that a crash test can land while requests are in
 * flight), and it can be stopped and started again on the same port.
 */
export class HttpSink {
  readonly received: ReceivedRequest[] = [];
  status = 200;
  /** How long each answer is held after the request was received (and recorded); 0: at once. */
  delayMs = 0;
  /** Requests received whose answer is still held (their sender may be killed meanwhile). */
  inFlight = 0;
  private server?: Server;
  private readonly held = new Set<NodeJS.Timeout>();
  port = 0;

  async start(port = this.port): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const status = this.status;
        if (status < 300)
          this.received.push({
            headers: req.headers,
            body: Buffer.concat(chunks).toString('utf8'),
            at: performance.now(),
          });
        if (this.delayMs <= 0) {
          res.writeHead(status).end();
          return;
        }
        this.inFlight++;
        let answered = false;
        const settle = () => {
          if (answered) return;
          answered = true;
          this.inFlight--;
          this.held.delete(timer);
          clearTimeout(timer);
        };
        const timer = setTimeout(() => {
          settle();
          if (!res.destroyed) res.writeHead(status).end();
        }, this.delayMs);
        this.held.add(timer);
        // The sender went away (killed) before the answer: the request is no longer in flight.
        res.on('close', settle);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/siem`;
  }

  async stop(): Promise<void> {
    for (const timer of this.held) clearTimeout(timer);
    this.held.clear();
    const server = this.server;
    this.server = undefined;
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }
}
