import { BlockList, isIP, isIPv4 } from 'node:net';
import { readFileSync } from 'node:fs';
import { createPrivateKey } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBoolean,
  IsEnum,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  IsTimeZone,
  Matches,
  Max,
  MaxLength,
  Min,
  validateSync,
} from 'class-validator';

export enum NodeEnv {
  Development = 'development',
  Test = 'test',
  Production = 'production',
}

/**
 * Variables whose values are secrets: never logged (their names are redacted keys of every log
 * line), never echoed in an error, and each may instead be read from a file named by `<NAME>_FILE`
 * (Docker/Kubernetes secrets). Setting both is an error so that nobody wonders which one is used.
 */
export const SECRET_VARIABLES = [
  'DATABASE_URL',
  'MIGRATION_DATABASE_URL',
  'DB_PASSWORD',
  'MASTER_KEY',
  'MASTER_KEY_PREVIOUS',
  'SIEM_WEBHOOK_SECRET',
  'SMS_WEBHOOK_SECRET',
  'NOTIFY_WEBHOOK_SECRET',
  'TWILIO_AUTH_TOKEN',
  'SMTP_PASSWORD',
  'METRICS_TOKEN',
] as const;

/**
 * Reg F §1006.100: records of collection activity are kept at least 3 years (366-day years, so
 * leap days never make it short). Contact records are never purged sooner.
 */
export const RECORD_RETENTION_FLOOR_DAYS = 3 * 366;

/** A KMS key as AWS_KMS_KEY_ID may name it: key id, key ARN, alias name or alias ARN. */
const KMS_KEY_REF = String.raw`(mrk-[0-9a-f]{32}|[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12})`;
const KMS_ALIAS = String.raw`alias/[A-Za-z0-9/_-]{1,250}`;
const KMS_KEY_ID = new RegExp(
  String.raw`^(arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key/${KMS_KEY_REF}|${KMS_ALIAS})|${KMS_KEY_REF}|${KMS_ALIAS})$`,
);
const KMS_KEY_ID_MESSAGE = (name: string) =>
  `${name} must be a KMS key id, key ARN, alias name (alias/...) or alias ARN`;

const toInt = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value.trim()) : value;
const toBool = ({ value }: { value: unknown }): unknown => {
  if (typeof value !== 'string') return value;
  const v = value.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  return value;
};

/** The one validated description of the process environment. Nothing else reads process.env. */
export class EnvironmentVariables {
  @IsEnum(NodeEnv)
  NODE_ENV: NodeEnv = NodeEnv.Development;

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  @IsString()
  @Matches(/^[0-9a-fA-F:.]+$|^localhost$/, { message: 'HOST must be an IP address or localhost' })
  HOST = '127.0.0.1';

  /** mysql://user:password@host:port/database. Either this or the DB_* parts. */
  @IsOptional()
  @Matches(/^(mysql|mariadb):\/\/[^\s/]+\/[A-Za-z0-9_]+(\?.*)?$/, {
    message: 'DATABASE_URL must look like mysql://user:password@host:port/database',
  })
  DATABASE_URL?: string;

  /** The schema owner's URL, for migrations only (the app's own account has no DDL rights). */
  @IsOptional()
  @Matches(/^(mysql|mariadb):\/\/[^\s/]+\/[A-Za-z0-9_]+(\?.*)?$/, {
    message: 'MIGRATION_DATABASE_URL must look like mysql://user:password@host:port/database',
  })
  MIGRATION_DATABASE_URL?: string;

  @IsOptional()
  @IsString()
  DB_HOST?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(65535)
  DB_PORT?: number;

  @IsOptional()
  @IsString()
  DB_USER?: string;

  @IsOptional()
  @IsString()
  DB_PASSWORD?: string;

  @IsOptional()
  @Matches(/^[A-Za-z0-9_]{1,64}$/, { message: 'DB_NAME must be 1-64 letters, digits or _' })
  DB_NAME?: string;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(500)
  DB_POOL_SIZE = 20;

  /**
   * Refuse to start when a table is not encrypted at rest. Defaults to on in production; tests and
   * development report the status instead.
   */
  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  REQUIRE_TDE?: boolean;

  /** The local KMS master key: 32 random bytes, base64. Prefer MASTER_KEY_FILE. */
  @IsOptional()
  @Matches(/^[A-Za-z0-9+/]{43}=$/, { message: 'MASTER_KEY must be 32 bytes in base64 (44 chars)' })
  MASTER_KEY?: string;

  /** A version label for the master key, recorded with every wrapped data key. */
  @Matches(/^[A-Za-z0-9._-]{1,32}$/, {
    message: 'MASTER_KEY_VERSION must be 1-32 of [A-Za-z0-9._-]',
  })
  MASTER_KEY_VERSION = 'v1';

  /**
   * During a master key rotation: the previous master key (and its version label), used only to
   * unwrap data keys until `npm run cli -- crypto:rewrap` has re-wrapped them all.
   */
  @IsOptional()
  @Matches(/^[A-Za-z0-9+/]{43}=$/, {
    message: 'MASTER_KEY_PREVIOUS must be 32 bytes in base64 (44 chars)',
  })
  MASTER_KEY_PREVIOUS?: string;

  @IsOptional()
  @Matches(/^[A-Za-z0-9._-]{1,32}$/, {
    message: 'MASTER_KEY_PREVIOUS_VERSION must be 1-32 of [A-Za-z0-9._-]',
  })
  MASTER_KEY_PREVIOUS_VERSION?: string;

  /**
   * Where master keys live: `local` (MASTER_KEY, the default) or `aws` (AWS KMS: AWS_KMS_KEY_ID
   * and AWS_REGION; credentials from the AWS SDK's default chain, never from this class).
   */
  @IsIn(['local', 'aws'], { message: 'KMS_PROVIDER must be local or aws' })
  KMS_PROVIDER: 'local' | 'aws' = 'local';

  /** With KMS_PROVIDER=aws: the KMS key new data keys are wrapped under (id, ARN, alias or alias ARN). */
  @IsOptional()
  @Matches(KMS_KEY_ID, { message: KMS_KEY_ID_MESSAGE('AWS_KMS_KEY_ID') })
  AWS_KMS_KEY_ID?: string;

  /** After a switch of KMS keys: the previous one, used only to unwrap until `crypto:rewrap` is done. */
  @IsOptional()
  @Matches(KMS_KEY_ID, { message: KMS_KEY_ID_MESSAGE('AWS_KMS_PREVIOUS_KEY_ID') })
  AWS_KMS_PREVIOUS_KEY_ID?: string;

  /** The region of the KMS keys (the AWS SDK reads it too, for other clients). */
  @IsOptional()
  @Matches(/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/, {
    message: 'AWS_REGION must be an AWS region such as us-east-1',
  })
  AWS_REGION?: string;

  /** An endpoint the KMS client calls instead of AWS's own (a VPC endpoint, LocalStack, a test fake). */
  @IsOptional()
  @Matches(/^https?:\/\/[^\s/]+$/, {
    message: 'AWS_KMS_ENDPOINT must be an http(s) origin without a path',
  })
  AWS_KMS_ENDPOINT?: string;

  /** How long an unwrapped data key stays in memory after its last use. */
  @Transform(toInt)
  @IsInt()
  @Min(10)
  @Max(86400)
  DATA_KEY_CACHE_TTL_SECONDS = 900;

  /**
   * How often a process re-reads which data key is active. A process behind on a rotation is safe
   * (every write checks its key in its own transaction and redoes it under the active one); it only
   * pays for the redo.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(86400)
  ACTIVE_KEY_REFRESH_SECONDS = 30;

  /**
   * How long a retired data key waits before its material is destroyed (cancellable meanwhile;
   * every use is an alert). Like AWS KMS's scheduled deletion: 1 to 30 days.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(30)
  KEY_DESTRUCTION_WAITING_DAYS = 7;

  /**
   * Whether this process resumes background jobs (re-encryption, key destruction). Operator
   * commands (the CLI) run with `off`: they do their one job in the foreground.
   */
  @IsIn(['on', 'off'], { message: 'BACKGROUND_JOBS must be on or off' })
  BACKGROUND_JOBS: 'on' | 'off' = 'on';

  /** Where critical audit events are forwarded (HTTPS in production). Unset: they wait in the outbox. */
  @IsOptional()
  @Matches(/^https?:\/\/\S+$/, { message: 'SIEM_WEBHOOK_URL must be an http(s) URL' })
  SIEM_WEBHOOK_URL?: string;

  /** HMAC-SHA256 key for the X-CallWarden-Signature header of SIEM deliveries (16+ chars). */
  @IsOptional()
  @Matches(/^\S{16,}$/, {
    message: 'SIEM_WEBHOOK_SECRET must be at least 16 characters without spaces',
  })
  SIEM_WEBHOOK_SECRET?: string;

  @Transform(toInt)
  @IsInt()
  @Min(50)
  @Max(600000)
  SIEM_POLL_INTERVAL_MS = 2000;

  /** First retry delay; it doubles per attempt up to 5 minutes. */
  @Transform(toInt)
  @IsInt()
  @Min(10)
  @Max(300000)
  SIEM_RETRY_BASE_MS = 1000;

  /** The SMS provider relay (JSON POST, signed like SIEM deliveries). Unset: texts wait in the outbox. */
  @IsOptional()
  @Matches(/^https?:\/\/\S+$/, { message: 'NOTIFY_SMS_URL must be an http(s) URL' })
  NOTIFY_SMS_URL?: string;

  /** The email provider relay. Unset: emails wait in the outbox. */
  @IsOptional()
  @Matches(/^https?:\/\/\S+$/, { message: 'NOTIFY_EMAIL_URL must be an http(s) URL' })
  NOTIFY_EMAIL_URL?: string;

  /** HMAC-SHA256 key for the X-CallWarden-Signature header of provider deliveries (16+ chars). */
  @IsOptional()
  @Matches(/^\S{16,}$/, {
    message: 'NOTIFY_WEBHOOK_SECRET must be at least 16 characters without spaces',
  })
  NOTIFY_WEBHOOK_SECRET?: string;

  /**
   * Which provider texts go to: `relay` (the signed JSON relay at NOTIFY_SMS_URL) or `twilio` (the
   * official Twilio SDK, TWILIO_*). Delivery receipts arrive at /webhooks/sms/status either way,
   * checked against TWILIO_AUTH_TOKEN.
   */
  @IsIn(['relay', 'twilio'], { message: 'SMS_PROVIDER must be relay or twilio' })
  SMS_PROVIDER: 'relay' | 'twilio' = 'relay';

  @IsOptional()
  @Matches(/^AC[0-9a-f]{32}$/, {
    message: 'TWILIO_ACCOUNT_SID must be AC followed by 32 lowercase hex digits',
  })
  TWILIO_ACCOUNT_SID?: string;

  /** The Twilio account's auth token: authenticates API calls and signs status callbacks. */
  @IsOptional()
  @Matches(/^[0-9a-f]{32}$/, { message: 'TWILIO_AUTH_TOKEN must be 32 lowercase hex digits' })
  TWILIO_AUTH_TOKEN?: string;

  /** Where the Twilio SDK sends API requests (an origin); unset: Twilio's own API. Tests use a fake. */
  @IsOptional()
  @Matches(/^https?:\/\/[^\s/]+$/, {
    message: 'TWILIO_API_BASE_URL must be an http(s) origin without a path',
  })
  TWILIO_API_BASE_URL?: string;

  /**
   * The number texts without a sender number of their own leave from (STOP and HELP replies,
   * verification codes). Unset: such texts fail with `no sender number` and wait, retried.
   */
  @IsOptional()
  @Matches(/^\+[1-9]\d{7,14}$/, { message: 'TWILIO_DEFAULT_FROM must be an E.164 number' })
  TWILIO_DEFAULT_FROM?: string;

  /** Which provider emails go to: `relay` (NOTIFY_EMAIL_URL) or `smtp` (SMTP_URL, nodemailer). */
  @IsIn(['relay', 'smtp'], { message: 'EMAIL_PROVIDER must be relay or smtp' })
  EMAIL_PROVIDER: 'relay' | 'smtp' = 'relay';

  /**
   * The SMTP submission server: smtp://[user@]host[:port] (STARTTLS when offered, required in
   * production; port 587 by default) or smtps://[user@]host[:port] (TLS, 465). No password here.
   */
  @IsOptional()
  @Matches(/^smtps?:\/\/([^\s:@/]+@)?(\[[0-9a-fA-F:.]+\]|[^\s:@/[\]]+)(:\d{1,5})?\/?$/, {
    message:
      'SMTP_URL must be smtp://[user@]host[:port] or smtps://[user@]host[:port] (the password goes in SMTP_PASSWORD)',
  })
  SMTP_URL?: string;

  /** The SMTP user's password (the user is SMTP_URL's). */
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  SMTP_PASSWORD?: string;

  /** The From of every email: `address@domain` or `Name <address@domain>`. */
  @IsOptional()
  @Matches(
    /^([^<>\r\n"]{0,100}<[^\s<>@]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}>|[^\s<>@]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,})$/,
    {
      message: 'EMAIL_FROM must be address@domain or Name <address@domain>',
    },
  )
  EMAIL_FROM?: string;

  /** DKIM signing of emails sent over SMTP: the d= domain, the s= selector and the key (PEM file). */
  @IsOptional()
  @Matches(/^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/, {
    message: 'DKIM_DOMAIN must be a domain name',
  })
  DKIM_DOMAIN?: string;

  @IsOptional()
  @Matches(/^[A-Za-z0-9]([A-Za-z0-9._-]{0,62})$/, {
    message: 'DKIM_SELECTOR must be 1-63 of [A-Za-z0-9._-]',
  })
  DKIM_SELECTOR?: string;

  @IsOptional()
  @IsString()
  @MaxLength(4096)
  DKIM_PRIVATE_KEY_FILE?: string;

  @Transform(toInt)
  @IsInt()
  @Min(50)
  @Max(600000)
  NOTIFY_POLL_INTERVAL_MS = 1000;

  /** First retry delay; it doubles per attempt up to 5 minutes. */
  @Transform(toInt)
  @IsInt()
  @Min(10)
  @Max(300000)
  NOTIFY_RETRY_BASE_MS = 1000;

  /**
   * How long a claimed message stays reserved for one app instance, renewed as each attempt starts;
   * after a crash its messages wait this long before another instance sends them again. Above the
   * 5 s provider timeout so that a live instance never loses a message mid-call.
   */
  @Transform(toInt)
  @IsInt()
  @Min(10)
  @Max(3600)
  NOTIFY_LEASE_SECONDS = 30;

  /**
   * Incident detection: `on` runs the detector (it reads the audit log off the request path; one
   * instance at a time works each batch). `off` only for measuring it (bench) or a read replica.
   */
  @IsIn(['on', 'off'], { message: 'DETECTION must be on or off' })
  DETECTION: 'on' | 'off' = 'on';

  /** How often the detector reads new audit events (and the responder runs pending actions). */
  @Transform(toInt)
  @IsInt()
  @Min(50)
  @Max(60_000)
  DETECTION_INTERVAL_MS = 1000;

  /** How often each instance reloads the address blocks other instances wrote. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(60_000)
  ADDRESS_BLOCK_REFRESH_MS = 1000;

  /** Business hours (weekdays, HH-HH) for the rule about privilege changes made outside them. */
  @Matches(/^([01]\d|2[0-3])-([01]\d|2[0-4])$/, {
    message: 'BUSINESS_HOURS must be HH-HH (e.g. 08-19)',
  })
  BUSINESS_HOURS = '08-19';

  /** The IANA time zone of BUSINESS_HOURS. */
  @IsTimeZone({ message: 'BUSINESS_TIME_ZONE must be an IANA time zone (America/New_York)' })
  BUSINESS_TIME_ZONE = 'America/New_York';

  /**
   * A geo source for detection's new-country and impossible-travel rules: a CSV of
   * `network,country,latitude,longitude` (e.g. made from MaxMind GeoLite2 City blocks). Unset:
   * those rules see no places and stay silent.
   */
  @IsOptional()
  @IsString()
  @MaxLength(4096)
  GEOIP_FILE?: string;

  /** Security metrics: an active account without a sign-in for this many days is dormant. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3650)
  DORMANT_ACCOUNT_DAYS = 90;

  /** Security metrics: API keys expiring within this many days are listed as near expiry. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(365)
  API_KEY_EXPIRY_WARNING_DAYS = 14;

  /** When the daily reminder of due and overdue data subject requests is recorded, or `off`. */
  @Matches(/^(off|(\S+\s+){4,5}\S+)$/, {
    message: 'PRIVACY_REMINDER_CRON must be a cron expression (5 or 6 fields) or off',
  })
  PRIVACY_REMINDER_CRON = '0 8 * * *';

  /** How long a one-time download link of an access or portability export stays valid (minutes). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1440)
  PRIVACY_EXPORT_LINK_TTL_MINUTES = 15;

  /** How long a one-time download link of a compliance evidence pack stays valid (minutes). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1440)
  EVIDENCE_PACK_LINK_TTL_MINUTES = 15;

  /**
   * How old an allowing contact decision may be when the contact it allows goes ahead (seconds);
   * older, the contact is decided again or refused.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3600)
  DECISION_MAX_AGE_SECONDS = 60;

  /** When the retention purge runs (cron, server time), or `off`. */
  @Matches(/^(off|(\S+\s+){4,5}\S+)$/, {
    message: 'RETENTION_CRON must be a cron expression (5 or 6 fields) or off',
  })
  RETENTION_CRON = '0 3 * * *';

  /** Soft-deleted customers are erased (personal data emptied, key destroyed) after this many days. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3650)
  RETENTION_SOFT_DELETED_DAYS = 30;

  /** Delivered or cancelled messages and inbound receipts are deleted after this many days. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3650)
  RETENTION_MESSAGES_DAYS = 90;

  /** Ended sessions and used or expired one-time tokens are deleted after this many days. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3650)
  RETENTION_SESSIONS_DAYS = 30;

  /** Contact attempts are deleted after this many days; never under Reg F's 3 years (1006.100). */
  @Transform(toInt)
  @IsInt()
  @Min(RECORD_RETENTION_FLOOR_DAYS)
  @Max(36500)
  RETENTION_CONTACT_RECORDS_DAYS = 2557;

  /** How often the audit chain head is signed into a checkpoint. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(86400)
  AUDIT_CHECKPOINT_INTERVAL_SECONDS = 3600;

  /**
   * Directory of JWT keys (PEM, EC P-256): `jwt-signing.pem` signs; every other `*.pem` in it (e.g.
   * the previous signing key during a rotation) still verifies until its tokens have expired.
   */
  @IsOptional()
  @IsString()
  JWT_KEYS_DIR?: string;

  @Matches(/^[\x21-\x7e]{1,200}$/, { message: 'JWT_ISSUER must be 1-200 printable characters' })
  JWT_ISSUER = 'callwarden';

  @Matches(/^[\x21-\x7e]{1,200}$/, { message: 'JWT_AUDIENCE must be 1-200 printable characters' })
  JWT_AUDIENCE = 'callwarden-api';

  @Transform(toInt)
  @IsInt()
  @Min(60)
  @Max(3600)
  ACCESS_TOKEN_TTL_SECONDS = 900;

  /**
   * A session (and its refresh tokens) ends this many hours after sign-in, however active
   * (OWASP ASVS 4.0.3, 3.3.2: re-authentication at most every 12 hours).
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(24 * 30)
  SESSION_MAX_HOURS = 12;

  /** ... and after this many minutes without a request or refresh (ASVS 3.3.2: 30 minutes idle). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(24 * 60)
  SESSION_IDLE_MINUTES = 30;

  /**
   * Failed sign-ins (password or MFA code) of one account from one client address before that
   * account is locked on that address: a mistyping agent locks only themself, not the office.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1000)
  LOGIN_MAX_FAILURES = 5;

  /** Failed sign-ins of one account from any addresses before the account is locked everywhere. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(10000)
  LOGIN_ACCOUNT_MAX_FAILURES = 10;

  /**
   * Distinct accounts failing from one client address before the bare address is locked for
   * every account: the evidence of credential stuffing or password spraying.
   */
  @Transform(toInt)
  @IsInt()
  @Min(2)
  @Max(100000)
  LOGIN_IP_MAX_ACCOUNTS = 10;

  /**
   * Comma-separated CIDRs (the offices' NAT addresses) never locked as a bare address; their
   * accounts still lock per account and per (account, address).
   */
  @IsOptional()
  @Matches(/^([0-9a-fA-F:.]+\/\d{1,3})(,\s*[0-9a-fA-F:.]+\/\d{1,3})*$/, {
    message:
      'LOGIN_IP_ALLOWLIST must be a comma-separated list of CIDRs (10.0.0.0/8,2001:db8::/32)',
  })
  LOGIN_IP_ALLOWLIST?: string;

  /** The window failures are counted in, and how long a lockout lasts. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1440)
  LOGIN_WINDOW_MINUTES = 15;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1440)
  LOGIN_LOCKOUT_MINUTES = 15;

  /**
   * Password hashes computed at once (argon2 runs on libuv's small thread pool), and how many may
   * wait. The default is the CPU budget sign-ins get: half the cores this process may run on (at
   * least one), so a sign-in flood leaves the other half to everything else.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(64)
  PASSWORD_HASH_CONCURRENCY = Math.max(1, Math.floor(availableParallelism() / 2));

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(10000)
  PASSWORD_HASH_QUEUE = 32;

  /**
   * The share of this process's cores (percent) that password hashing may take over time: a hash
   * waits while the hashes of the last moments used more, so a sign-in flood leaves the rest of
   * the CPU to everything else (one second's worth may be spent at once, for a burst of sign-ins).
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100)
  PASSWORD_HASH_CPU_PERCENT = 25;

  /**
   * The scheduling priority (Linux nice, 0-19) of libuv's thread pool, where argon2 hashes: above
   * 0 a hash gives way whenever the event loop has work, so requests are not delayed behind it.
   * The pool's other work (file reads, DNS lookups) spends its time waiting, not computing. 0
   * leaves it as it is; ignored where threads cannot be told apart (not Linux).
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(19)
  PASSWORD_HASH_NICE = 10;

  /**
   * How often sign-ins refused for want of hashing capacity are audited, in aggregate (one row per
   * interval with the count and the distinct addresses: a flood is not a write storm).
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3600)
  LOGIN_SHED_AUDIT_SECONDS = 10;

  /** argon2id cost; never below OWASP's m=19 MiB, t=2, p=1. */
  @Transform(toInt)
  @IsInt()
  @Min(19456)
  @Max(1048576)
  ARGON2_MEMORY_KIB = 19456;

  @Transform(toInt)
  @IsInt()
  @Min(2)
  @Max(20)
  ARGON2_TIME_COST = 2;

  /**
   * Signing secret shared with the SMS provider (auth token). Required in production: without it
   * every inbound text, a STOP included, would be refused. Elsewhere unset means the webhook refuses all.
   */
  @IsOptional()
  @Matches(/^\S{16,}$/, {
    message: 'SMS_WEBHOOK_SECRET must be at least 16 characters without spaces',
  })
  SMS_WEBHOOK_SECRET?: string;

  /** This service's public base URL: what providers sign webhook requests against. */
  @Matches(/^https?:\/\/[^\s/]+$/, {
    message: 'PUBLIC_BASE_URL must be an http(s) origin without a path',
  })
  PUBLIC_BASE_URL = 'http://localhost:3000';

  /** Base URL of the admin SPA, for links in notifications (password reset). */
  @Matches(/^https?:\/\/\S+$/, { message: 'APP_PUBLIC_URL must be an http(s) URL' })
  APP_PUBLIC_URL = 'http://localhost:5173';

  /** Comma-separated list of origins allowed by CORS (the admin SPA). Empty: same origin only. */
  @IsOptional()
  @Matches(/^(https?:\/\/[^,\s]+)(,https?:\/\/[^,\s]+)*$/, {
    message: 'CORS_ORIGINS must be a comma-separated list of http(s) origins',
  })
  CORS_ORIGINS?: string;

  /**
   * The WebAuthn relying party id passkeys are bound to: the admin console's host or a parent
   * domain of it (a domain name, never an address; `localhost` for development).
   */
  @Matches(
    /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/,
    {
      message:
        'WEBAUTHN_RP_ID must be a domain name in lower case, without scheme, port or path (e.g. console.example.com)',
    },
  )
  WEBAUTHN_RP_ID = 'localhost';

  /** The name authenticators show for this service when a passkey is made. */
  @IsString()
  @Matches(/^[^\p{Cc}\p{Cf}]{1,64}$/u, {
    message: 'WEBAUTHN_RP_NAME must be 1-64 characters without control characters',
  })
  WEBAUTHN_RP_NAME = 'CallWarden';

  /**
   * Comma-separated origins passkey ceremonies may come from (the admin console's); each one's
   * host is WEBAUTHN_RP_ID or under it. https in production.
   */
  @Matches(/^(https?:\/\/[^,\s/]+)(,https?:\/\/[^,\s/]+)*$/, {
    message: 'WEBAUTHN_ORIGINS must be a comma-separated list of http(s) origins without a path',
  })
  WEBAUTHN_ORIGINS = 'http://localhost:3000';

  @IsEnum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  /** Write logs to this file instead of stdout. */
  @IsOptional()
  @IsString()
  @MaxLength(4096)
  LOG_FILE?: string;

  /** Trust X-Forwarded-For from this many proxies in front of the app. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(10)
  TRUST_PROXY_HOPS = 0;

  /**
   * Operations per minute for each caller: a signed-in user or API key, or for anonymous calls the
   * client address. Over it, RATE_LIMITED with Retry-After. Login failures have their own lockout.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  RATE_LIMIT_PER_MINUTE = 600;

  /**
   * Credential operations (login, verifyMfa, stepUp, password reset and change, refresh, MFA
   * enrollment) per minute for each caller, on top of the general budget. Anonymous callers are
   * counted per address, so put office NAT addresses high enough (or behind LOGIN_IP_ALLOWLIST,
   * which the lockout honours); the per-account lockout stops password guessing.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  RATE_LIMIT_AUTH_PER_MINUTE = 60;

  /** Reveals of personal fields and exports per minute for each caller. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  RATE_LIMIT_SENSITIVE_PER_MINUTE = 20;

  /**
   * Who may scrape `GET /metrics`: comma-separated CIDRs of the Prometheus scrapers, compared with
   * the client address as resolved behind TRUST_PROXY_HOPS (so set that when a proxy is in
   * front). Everyone else gets a 404. `none` turns the endpoint off.
   */
  @Matches(/^(none|[0-9a-fA-F:.]+\/\d{1,3}(,\s*[0-9a-fA-F:.]+\/\d{1,3})*)$/, {
    message: 'METRICS_ALLOW must be none or a comma-separated list of CIDRs (10.0.0.0/8,::1/128)',
  })
  METRICS_ALLOW = '127.0.0.0/8,::1/128';

  /** When set, a scrape must also send `Authorization: Bearer <token>`. Prefer METRICS_TOKEN_FILE. */
  @IsOptional()
  @IsString()
  @Matches(/^[\x21-\x7e]{16,256}$/, {
    message: 'METRICS_TOKEN must be 16-256 printable characters without spaces',
  })
  METRICS_TOKEN?: string;

  /**
   * OTLP/HTTP endpoint for traces (e.g. http://otel-collector:4318/v1/traces). Unset: tracing is
   * off (the instrumentations are never started).
   */
  @IsOptional()
  @Matches(/^https?:\/\/[^\s]+$/, { message: 'TRACING_OTLP_ENDPOINT must be an http(s) URL' })
  @MaxLength(2048)
  TRACING_OTLP_ENDPOINT?: string;

  /** Share of requests traced (parent-based: a caller's sampled trace is always continued). */
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : value,
  )
  @IsNumber({}, { message: 'TRACING_SAMPLE_RATIO must be a number from 0 to 1' })
  @Min(0)
  @Max(1)
  TRACING_SAMPLE_RATIO = 1;

  /** `service.name` of the traces. */
  @Matches(/^[A-Za-z0-9._-]{1,64}$/, {
    message: 'TRACING_SERVICE_NAME must be 1-64 of [A-Za-z0-9._-]',
  })
  TRACING_SERVICE_NAME = 'callwarden';
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Resolves `<NAME>_FILE` variables into `<NAME>`, without ever printing the content. */
function resolveFileBacked(raw: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...raw };
  for (const name of SECRET_VARIABLES) {
    const fileVar = `${name}_FILE`;
    const path = raw[fileVar];
    if (typeof path !== 'string' || path === '') continue;
    if (typeof raw[name] === 'string' && raw[name] !== '') {
      throw new ConfigError(`${name} and ${fileVar} are both set: set only one`);
    }
    try {
      out[name] = readFileSync(path, 'utf8').trim();
    } catch {
      throw new ConfigError(`${fileVar} names a file that cannot be read`);
    }
  }
  return out;
}

/** Drops empty strings so that `FOO=` means "unset" rather than "invalid". */
function withoutEmpty(raw: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== ''));
}

/**
 * Validates the environment. Throws a ConfigError whose message is one line naming the first bad
 * variable (and never its value when the variable is a secret).
 */
export function validateEnvironment(raw: Record<string, unknown>): EnvironmentVariables {
  const env = validated(raw);
  if (!namesAppDatabase(env)) {
    throw new ConfigError(
      'Invalid configuration: DATABASE_URL is missing (or set DB_HOST, DB_USER, DB_PASSWORD and DB_NAME)',
    );
  }
  return validateService(env);
}

/**
 * Validates what every variable set says and that the schema owner's database is named
 * (MIGRATION_DATABASE_URL, else the application's), nothing more: for the migration step, which
 * needs neither the keys nor the providers of the running service (a one-shot migration container
 * gets the schema owner's URL and nothing else).
 */
export function validateMigrationEnvironment(raw: Record<string, unknown>): EnvironmentVariables {
  const env = validated(raw);
  if (!env.MIGRATION_DATABASE_URL && !namesAppDatabase(env)) {
    throw new ConfigError(
      'Invalid configuration: MIGRATION_DATABASE_URL is missing (or DATABASE_URL, or DB_HOST, DB_USER, DB_PASSWORD and DB_NAME)',
    );
  }
  return env;
}

/** The application's database, as a URL or as parts. */
function namesAppDatabase(env: EnvironmentVariables): boolean {
  return Boolean(env.DATABASE_URL || (env.DB_HOST && env.DB_USER && env.DB_NAME));
}

/** What every variable set says, by the configuration class. */
function validated(raw: Record<string, unknown>): EnvironmentVariables {
  const resolved = withoutEmpty(resolveFileBacked(raw));
  const env = plainToInstance(EnvironmentVariables, resolved, { exposeDefaultValues: true });
  const errors = validateSync(env, { skipMissingProperties: false, forbidUnknownValues: true });
  if (errors.length > 0) {
    const first = errors[0];
    const message = Object.values(first.constraints ?? {})[0] ?? 'is invalid';
    const text = message.startsWith(first.property) ? message : `${first.property} ${message}`;
    throw new ConfigError(`Invalid configuration: ${text}`);
  }
  return env;
}

/** The requirements of the running service, on an environment validated as such. */
function validateService(env: EnvironmentVariables): EnvironmentVariables {
  checkKms(env);
  if (env.MASTER_KEY_PREVIOUS && !env.MASTER_KEY_PREVIOUS_VERSION) {
    throw new ConfigError(
      'Invalid configuration: MASTER_KEY_PREVIOUS_VERSION is missing (MASTER_KEY_PREVIOUS is set)',
    );
  }
  if (
    env.MASTER_KEY_PREVIOUS_VERSION &&
    env.MASTER_KEY_PREVIOUS_VERSION === env.MASTER_KEY_VERSION
  ) {
    throw new ConfigError(
      'Invalid configuration: MASTER_KEY_PREVIOUS_VERSION must differ from MASTER_KEY_VERSION',
    );
  }
  if ((env.NOTIFY_SMS_URL || env.NOTIFY_EMAIL_URL) && !env.NOTIFY_WEBHOOK_SECRET) {
    throw new ConfigError(
      'Invalid configuration: NOTIFY_WEBHOOK_SECRET(_FILE) is missing (a NOTIFY_*_URL is set)',
    );
  }
  for (const name of ['NOTIFY_SMS_URL', 'NOTIFY_EMAIL_URL'] as const) {
    const url = env[name];
    if (url && env.NODE_ENV === NodeEnv.Production && !url.startsWith('https://'))
      throw new ConfigError(`Invalid configuration: ${name} must use https in production`);
  }
  checkProviders(env);
  if (env.SIEM_WEBHOOK_URL && !env.SIEM_WEBHOOK_SECRET) {
    throw new ConfigError(
      'Invalid configuration: SIEM_WEBHOOK_SECRET(_FILE) is missing (SIEM_WEBHOOK_URL is set)',
    );
  }
  if (
    env.SIEM_WEBHOOK_URL &&
    env.NODE_ENV === NodeEnv.Production &&
    !env.SIEM_WEBHOOK_URL.startsWith('https://')
  ) {
    throw new ConfigError('Invalid configuration: SIEM_WEBHOOK_URL must use https in production');
  }
  if (!env.SMS_WEBHOOK_SECRET && env.NODE_ENV === NodeEnv.Production) {
    throw new ConfigError(
      'Invalid configuration: SMS_WEBHOOK_SECRET(_FILE) is missing: without it every inbound text, STOP included, is refused',
    );
  }
  if (!env.JWT_KEYS_DIR) {
    throw new ConfigError(
      'Invalid configuration: JWT_KEYS_DIR is missing (a directory holding jwt-signing.pem)',
    );
  }
  try {
    addressList(env.LOGIN_IP_ALLOWLIST);
  } catch {
    throw new ConfigError(
      'Invalid configuration: LOGIN_IP_ALLOWLIST holds an address or prefix length that is not valid',
    );
  }
  try {
    metricsAllowList(env.METRICS_ALLOW);
  } catch {
    throw new ConfigError(
      'Invalid configuration: METRICS_ALLOW holds an address or prefix length that is not valid',
    );
  }
  checkWebAuthn(env);
  if (env.REQUIRE_TDE === undefined) env.REQUIRE_TDE = env.NODE_ENV === NodeEnv.Production;
  return env;
}

/**
 * The passkey relying party: an RP id that is a name (browsers refuse addresses), and origins a
 * browser would report (no trailing slash, no default port, lower case), each on the RP id or a
 * subdomain of it (else no browser would run the ceremony), https in production.
 */
function checkWebAuthn(env: EnvironmentVariables): void {
  if (isIP(env.WEBAUTHN_RP_ID) !== 0)
    throw new ConfigError(
      'Invalid configuration: WEBAUTHN_RP_ID must be a domain name, not an address',
    );
  for (const origin of webauthnOrigins(env.WEBAUTHN_ORIGINS)) {
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      throw new ConfigError('Invalid configuration: WEBAUTHN_ORIGINS holds an invalid origin');
    }
    if (url.origin !== origin)
      throw new ConfigError(
        `Invalid configuration: WEBAUTHN_ORIGINS must list origins as browsers report them (${url.origin}, not ${echoOrigin(origin)})`,
      );
    const host = url.hostname;
    if (host !== env.WEBAUTHN_RP_ID && !host.endsWith(`.${env.WEBAUTHN_RP_ID}`))
      throw new ConfigError(
        `Invalid configuration: WEBAUTHN_ORIGINS holds ${url.origin}, which is not on WEBAUTHN_RP_ID or a subdomain of it`,
      );
    if (env.NODE_ENV === NodeEnv.Production && url.protocol !== 'https:')
      throw new ConfigError('Invalid configuration: WEBAUTHN_ORIGINS must use https in production');
  }
}

/** An origin as an error may quote it: origins are not secret, but keep the line short. */
function echoOrigin(origin: string): string {
  return origin.length > 100 ? `${origin.slice(0, 100)}...` : origin;
}

/** WEBAUTHN_ORIGINS as a list. */
export function webauthnOrigins(value: string): string[] {
  return value
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
}

/**
 * The KMS provider's settings (KMS_PROVIDER): the local master key, or the AWS KMS key and its
 * region. With `aws` a local master key may stay set: it unwraps the data keys it wrapped until
 * `crypto:rewrap` has moved them to AWS KMS.
 */
function checkKms(env: EnvironmentVariables): void {
  if (env.KMS_PROVIDER === 'local') {
    if (!env.MASTER_KEY)
      throw new ConfigError(
        'Invalid configuration: MASTER_KEY_FILE (or MASTER_KEY) is missing: 32 random bytes, base64',
      );
    const stray = (['AWS_KMS_KEY_ID', 'AWS_KMS_PREVIOUS_KEY_ID', 'AWS_KMS_ENDPOINT'] as const).find(
      (name) => env[name],
    );
    if (stray)
      throw new ConfigError(
        `Invalid configuration: ${stray} is set but KMS_PROVIDER is local: set KMS_PROVIDER=aws to use AWS KMS`,
      );
    return;
  }
  if (!(env.AWS_KMS_KEY_ID && env.AWS_REGION))
    throw new ConfigError(
      'Invalid configuration: AWS_KMS_KEY_ID and AWS_REGION are required (KMS_PROVIDER is aws)',
    );
  if (env.AWS_KMS_PREVIOUS_KEY_ID === env.AWS_KMS_KEY_ID)
    throw new ConfigError(
      'Invalid configuration: AWS_KMS_PREVIOUS_KEY_ID must differ from AWS_KMS_KEY_ID',
    );
  for (const name of ['AWS_KMS_KEY_ID', 'AWS_KMS_PREVIOUS_KEY_ID'] as const) {
    const region = /^arn:[^:]+:kms:([^:]+):/.exec(env[name] ?? '')?.[1];
    if (region && region !== env.AWS_REGION)
      throw new ConfigError(
        `Invalid configuration: ${name} is a key in ${region} but AWS_REGION is ${env.AWS_REGION}`,
      );
  }
  if (
    env.AWS_KMS_ENDPOINT &&
    env.NODE_ENV === NodeEnv.Production &&
    !env.AWS_KMS_ENDPOINT.startsWith('https://')
  )
    throw new ConfigError('Invalid configuration: AWS_KMS_ENDPOINT must use https in production');
  if (env.MASTER_KEY_PREVIOUS && !env.MASTER_KEY)
    throw new ConfigError(
      'Invalid configuration: MASTER_KEY_PREVIOUS is set without MASTER_KEY (with KMS_PROVIDER aws, local master keys only unwrap the data keys not yet re-wrapped)',
    );
}

/** The SMS and email provider adapters' settings (SMS_PROVIDER, EMAIL_PROVIDER): each complete. */
function checkProviders(env: EnvironmentVariables): void {
  const production = env.NODE_ENV === NodeEnv.Production;
  if (env.SMS_PROVIDER === 'twilio' && !(env.TWILIO_ACCOUNT_SID && env.TWILIO_AUTH_TOKEN))
    throw new ConfigError(
      'Invalid configuration: TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN(_FILE) are required (SMS_PROVIDER is twilio)',
    );
  if (env.TWILIO_API_BASE_URL && production && !env.TWILIO_API_BASE_URL.startsWith('https://'))
    throw new ConfigError(
      'Invalid configuration: TWILIO_API_BASE_URL must use https in production',
    );
  if (env.EMAIL_PROVIDER === 'smtp' && !(env.SMTP_URL && env.EMAIL_FROM))
    throw new ConfigError(
      'Invalid configuration: SMTP_URL and EMAIL_FROM are required (EMAIL_PROVIDER is smtp)',
    );
  const smtpUser = env.SMTP_URL ? new URL(env.SMTP_URL).username : '';
  if (smtpUser && !env.SMTP_PASSWORD)
    throw new ConfigError(
      'Invalid configuration: SMTP_PASSWORD(_FILE) is missing (SMTP_URL names a user)',
    );
  if (env.SMTP_PASSWORD && !smtpUser)
    throw new ConfigError(
      'Invalid configuration: SMTP_PASSWORD is set but SMTP_URL names no user (smtp://user@host)',
    );
  const dkim = [env.DKIM_DOMAIN, env.DKIM_SELECTOR, env.DKIM_PRIVATE_KEY_FILE];
  if (dkim.some(Boolean) && !dkim.every(Boolean))
    throw new ConfigError(
      'Invalid configuration: DKIM_DOMAIN, DKIM_SELECTOR and DKIM_PRIVATE_KEY_FILE go together: set all three or none',
    );
  if (env.DKIM_PRIVATE_KEY_FILE) {
    let pem: string;
    try {
      pem = readFileSync(env.DKIM_PRIVATE_KEY_FILE, 'utf8');
    } catch {
      throw new ConfigError(
        'Invalid configuration: DKIM_PRIVATE_KEY_FILE names a file that cannot be read',
      );
    }
    try {
      createPrivateKey(pem);
    } catch {
      throw new ConfigError(
        'Invalid configuration: DKIM_PRIVATE_KEY_FILE does not hold a PEM private key',
      );
    }
  }
}

/** Whether an address (IPv4, IPv6 or IPv4-mapped IPv6) is in a CIDR list. */
export function inList(list: BlockList, ip: string): boolean {
  const plain = ip.startsWith('::ffff:') && isIPv4(ip.slice(7)) ? ip.slice(7) : ip;
  const type = isIPv4(plain) ? 'ipv4' : isIP(plain) === 6 ? 'ipv6' : null;
  return type !== null && list.check(plain, type);
}

/** METRICS_ALLOW as a BlockList, or null for `none` (the endpoint is off). */
export function metricsAllowList(value: string): BlockList | null {
  return value.trim() === 'none' ? null : addressList(value);
}

/** A comma-separated CIDR list as Node's BlockList. */
export function addressList(cidrs: string | undefined): BlockList {
  const list = new BlockList();
  for (const entry of (cidrs ?? '')
    .split(',')
    .map((c) => c.trim())
    .filter(Boolean)) {
    const [address, bits] = entry.split('/');
    const type = isIP(address) === 6 ? 'ipv6' : isIP(address) === 4 ? 'ipv4' : null;
    const prefix = Number(bits);
    if (!type || !Number.isInteger(prefix) || prefix < 0 || prefix > (type === 'ipv4' ? 32 : 128))
      throw new Error('invalid CIDR');
    list.addSubnet(address, prefix, type);
  }
  return list;
}

/**
 * DATABASE_URL (or DATABASE_URL_FILE) alone, unvalidated: for a tool that must look at the database
 * before the rest of the configuration exists (secrets:generate checks for wrapped data keys).
 */
export function databaseUrlOnly(): string | undefined {
  const url = resolveFileBacked({ ...process.env }).DATABASE_URL;
  return typeof url === 'string' && url !== '' ? url : undefined;
}

/**
 * The environment of the migration step: the schema owner's MIGRATION_DATABASE_URL (or the
 * database variables) and whatever else is set, validated, without the service's requirements.
 */
export function loadMigrationEnvironment(
  overrides: Record<string, string | undefined> = {},
): EnvironmentVariables {
  return validateMigrationEnvironment({ ...process.env, ...overrides });
}

/** Reads and validates the process environment (plus overrides, for tests and tools). */
export function loadEnvironment(
  overrides: Record<string, string | undefined> = {},
): EnvironmentVariables {
  return validateEnvironment({ ...process.env, ...overrides });
}

/**
 * TRUST_PROXY_HOPS for the HTTP adapter, which is built before the config module loads. A value
 * the validation would refuse reads as 0 here; the config module then stops boot with its line.
 */
export function trustProxyHops(overrides: Record<string, string | undefined> = {}): number {
  const raw = overrides.TRUST_PROXY_HOPS ?? process.env.TRUST_PROXY_HOPS ?? '0';
  return /^\d{1,2}$/.test(raw) ? Number(raw) : 0;
}
