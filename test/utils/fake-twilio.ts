import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LocalHttpFake } from './local-http-fake';

/** A Messages request the fake took (201), as Twilio would have seen it. */
export interface FakeTwilioMessage {
  sid: string;
  accountSid: string;
  /** The form parameters as posted (To, From, Body, StatusCallback...). */
  params: Record<string, string>;
  headers: IncomingMessage['headers'];
}

const E164 = /^\+[1-9]\d{1,14}$/;
const MESSAGES = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/;

/**
 * A local stand-in for Twilio's REST API, for the official SDK pointed at it (TWILIO_API_BASE_URL).
 * It checks a request as the real API does for what CallWarden sends: POST
 * /2010-04-01/Accounts/{AccountSid}/Messages.json, HTTP Basic auth AccountSid:AuthToken (401 and
 * error 20003 otherwise), a form-encoded body with To and From in E.164 (21211, 21212; 21604 and
 * 21603 when missing), a non-empty Body of at most 1,600 characters (21602, 21617) and, when given,
 * an absolute http(s) StatusCallback (21609). It answers 201 with a Message resource shaped like
 * Twilio's (sid SM + 32 hex, status queued), or Twilio's error JSON. Taken messages are kept in
 * `messages`; every request, taken or not, in `requests`.
 */
export class FakeTwilio extends LocalHttpFake {
  readonly messages: FakeTwilioMessage[] = [];
  readonly requests: { path: string; status: number; code?: number }[] = [];
  /**
   * When set, the next Messages request (to `to`, when given: the outbox may hold other suites'
   * texts) is answered with this error (then cleared).
   */
  failNext?: { status: number; code: number; message: string; to?: string };
  constructor(
    readonly accountSid: string,
    private readonly authToken: string,
  ) {
    super();
  }

  protected answer(req: IncomingMessage, res: ServerResponse, raw: Buffer): void {
    const body = raw.toString('utf8');
    const path = (req.url ?? '').split('?')[0];
    const error = (status: number, code: number, message: string) => {
      this.requests.push({ path, status, code });
      res.writeHead(status, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          code,
          message,
          more_info: `https://www.twilio.com/docs/errors/${code}`,
          status,
        }),
      );
    };
    const match = MESSAGES.exec(path);
    if (!match || req.method !== 'POST')
      return error(404, 20404, `The requested resource ${path} was not found`);
    const [user, pass] = basicAuth(req.headers.authorization);
    if (user !== this.accountSid || pass !== this.authToken || match[1] !== this.accountSid)
      return error(401, 20003, 'Authenticate');
    if (!String(req.headers['content-type']).startsWith('application/x-www-form-urlencoded'))
      return error(400, 20001, 'Unsupported content type');
    const params = Object.fromEntries(new URLSearchParams(body));
    if (!params.To) return error(400, 21604, "A 'To' phone number is required.");
    if (!E164.test(params.To))
      return error(400, 21211, `The 'To' number ${params.To} is not a valid phone number.`);
    if (!params.From && !params.MessagingServiceSid)
      return error(400, 21603, "A 'From' phone number is required.");
    if (params.From && !E164.test(params.From))
      return error(400, 21212, `The 'From' number ${params.From} is not a valid phone number.`);
    if (!params.Body?.trim()) return error(400, 21602, 'Message body is required.');
    if (params.Body.length > 1600)
      return error(400, 21617, 'The concatenated message body exceeds the 1600 character limit.');
    if (params.StatusCallback !== undefined && !absoluteUrl(params.StatusCallback))
      return error(400, 21609, 'Invalid StatusCallback url');
    if (this.failNext && (!this.failNext.to || this.failNext.to === params.To)) {
      const { status, code, message } = this.failNext;
      this.failNext = undefined;
      return error(status, code, message);
    }
    const sid = `SM${randomBytes(16).toString('hex')}`;
    this.messages.push({ sid, accountSid: match[1], params, headers: req.headers });
    this.requests.push({ path, status: 201 });
    const now = new Date().toUTCString().replace('GMT', '+0000');
    res.writeHead(201, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        account_sid: this.accountSid,
        api_version: '2010-04-01',
        body: params.Body,
        date_created: now,
        date_sent: null,
        date_updated: now,
        direction: 'outbound-api',
        error_code: null,
        error_message: null,
        from: params.From ?? null,
        messaging_service_sid: params.MessagingServiceSid ?? null,
        num_media: '0',
        num_segments: String(Math.ceil(params.Body.length / 153) || 1),
        price: null,
        price_unit: 'USD',
        sid,
        status: 'queued',
        subresource_uris: {
          media: `/2010-04-01/Accounts/${this.accountSid}/Messages/${sid}/Media.json`,
        },
        to: params.To,
        uri: `/2010-04-01/Accounts/${this.accountSid}/Messages/${sid}.json`,
      }),
    );
  }
}

function basicAuth(header: string | undefined): [string?, string?] {
  const m = /^Basic ([A-Za-z0-9+/=]+)$/.exec(header ?? '');
  if (!m) return [];
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const at = decoded.indexOf(':');
  return at < 0 ? [] : [decoded.slice(0, at), decoded.slice(at + 1)];
}

function absoluteUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && !url.hostname.includes('_');
  } catch {
    return false;
  }
}
