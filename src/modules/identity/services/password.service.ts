import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import * as argon2 from 'argon2';
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { AppConfigService } from '../../../core/config/app-config.service';
import { IdentityErrorCode, IdentityException } from '../identity.exception';
import { lowerThreadPoolPriority } from '../../../core/async/thread-priority';
import { requestStore } from '../../../core/request/request-store';
import { BoundedQueue, Reservation } from '../utils/bounded-queue';
import { CpuBudget } from '../utils/cpu-budget';
import { COMMON_PASSWORDS } from '../utils/common-passwords';

export const MIN_PASSWORD = 12;
export const MAX_PASSWORD = 128;
/**
 * Places in the hashing queue kept for sign-ins from trusted devices (one per account at a time),
 * beyond PASSWORD_HASH_QUEUE: a flood that fills the common places does not keep them out.
 */
const TRUSTED_WAITING = 16;
/** Hashing time that may be spent at once before the CPU budget paces it (a burst of sign-ins). */
const HASH_BURST_MS = 1000;

/**
 * argon2id hashing behind a bounded queue (argon2 runs on libuv's four-thread pool, shared with fs
 * and dns: unbounded hashing would stall the whole server) within a CPU budget (hashes wait while
 * they have used more than PASSWORD_HASH_CPU_PERCENT of the cores) on pool threads that yield to
 * the event loop (PASSWORD_HASH_NICE), and the NIST 800-63B password policy.
 */
@Injectable()
export class PasswordService implements OnModuleInit {
  private readonly queue: BoundedQueue;
  private readonly options: argon2.HashOptions;
  private dummyHash = '';
  private readonly nice: number;
  private readonly logger = new Logger(PasswordService.name);

  constructor(config: AppConfigService) {
    this.queue = new BoundedQueue(
      config.get('PASSWORD_HASH_CONCURRENCY'),
      config.get('PASSWORD_HASH_QUEUE'),
      TRUSTED_WAITING,
      new CpuBudget(
        (config.get('PASSWORD_HASH_CPU_PERCENT') / 100) * availableParallelism(),
        HASH_BURST_MS,
      ),
    );
    this.nice = config.get('PASSWORD_HASH_NICE');
    this.options = {
      type: argon2.argon2id,
      memoryCost: config.get('ARGON2_MEMORY_KIB'),
      timeCost: config.get('ARGON2_TIME_COST'),
      parallelism: 1,
    };
  }

  /** A hash of a random secret, verified against for unknown emails so both cost the same. */
  async onModuleInit(): Promise<void> {
    this.dummyHash = await argon2.hash(randomBytes(32).toString('hex'), this.options);
    // The hash above started libuv's thread pool, where argon2 runs: from now on its threads
    // give way to the event loop.
    const lowered = lowerThreadPoolPriority(this.nice);
    if (lowered.failed > 0) {
      this.logger.warn(`Could not lower the priority of ${lowered.failed} hashing threads`);
    }
  }

  get dummy(): string {
    return this.dummyHash;
  }

  queueDepth() {
    return this.queue.depth;
  }

  /** True while a new hash would be refused: every slot busy and the queue full. */
  get saturated(): boolean {
    return this.queue.full();
  }

  /** Whether a hash in `lane`'s priority lane (a trusted device's account) would be refused. */
  saturatedFor(lane?: string): boolean {
    return this.queue.full(lane);
  }

  /**
   * Refuses at once when no hash could be computed now: callers check this before any other work.
   * `lane`: the account of a sign-in from a trusted device, which has places of its own.
   */
  assertCapacity(lane?: string): void {
    if (this.held()?.held) return;
    if (this.queue.full(lane)) throw busy();
  }

  /**
   * Holds a place in the queue (in `lane` when it has one) for a hash this request will ask for,
   * or null when none is left: the edge admits a sign-in with it before GraphQL parses it.
   */
  reserve(lane?: string): Reservation | null {
    return this.queue.reserve(lane);
  }

  hash(password: string): Promise<string> {
    return this.run(() => argon2.hash(password, this.options));
  }

  verify(hash: string, password: string, lane?: string): Promise<boolean> {
    return this.run(() => argon2.verify(hash, password).catch(() => false), lane);
  }

  needsRehash(hash: string): boolean {
    return argon2.needsRehash(hash, this.options);
  }

  /** Whether a password in use (checked at sign-in) would be refused today: a change is due. */
  isUnacceptable(password: string, email?: string): boolean {
    try {
      this.assertAcceptable(password, email);
      return false;
    } catch {
      return true;
    }
  }

  /** NIST 800-63B: 12-128 characters, no composition rules, not common or breached, not the email. */
  assertAcceptable(password: string, email?: string): void {
    const length = [...password].length;
    if (length < MIN_PASSWORD || length > MAX_PASSWORD) {
      throw new IdentityException(
        IdentityErrorCode.PASSWORD_POLICY,
        `Passwords are ${MIN_PASSWORD} to ${MAX_PASSWORD} characters long`,
        { rule: 'length' },
      );
    }
    const lower = password.toLowerCase();
    const stripped = lower.replace(/[\d\W_]+$/u, '');
    if (
      COMMON_PASSWORDS.has(lower) ||
      COMMON_PASSWORDS.has(stripped) ||
      /^(.)\1+$/u.test(password)
    ) {
      throw new IdentityException(
        IdentityErrorCode.PASSWORD_POLICY,
        'This password is too common; choose another',
        {
          rule: 'common',
        },
      );
    }
    if (email) {
      const address = email.trim().toLowerCase();
      const local = address.split('@')[0] ?? '';
      if (lower.includes(address) || (local.length >= 4 && lower.includes(local))) {
        throw new IdentityException(
          IdentityErrorCode.PASSWORD_POLICY,
          'The password must not contain your email',
          {
            rule: 'email',
          },
        );
      }
    }
  }

  /** The place the edge reserved for this request, if any. */
  private held(): Reservation | undefined {
    const ticket = requestStore.getStore()?.hashingTicket;
    return ticket instanceof Reservation ? ticket : undefined;
  }

  private run<T>(task: () => Promise<T>, lane?: string): Promise<T> {
    const started = this.queue.tryRun(task, lane, this.held());
    if (!started) throw busy();
    return started;
  }
}

function busy(): IdentityException {
  return new IdentityException(
    IdentityErrorCode.HASHING_BUSY,
    'Too many sign-ins right now; retry in a moment',
    {
      retryAfterSeconds: 1,
    },
  );
}
