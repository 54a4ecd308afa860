import { BlockList, isIP } from 'node:net';
import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, IsNull, MoreThan } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { AppConfigService } from '../../../core/config/app-config.service';
import { addressList, inList } from '../../../core/config/environment';
import type { AddressGate } from '../../../core/request/address-gate';
import { AddressBlockEntity } from '../entities/address-block.entity';
import { IncidentsErrorCode, IncidentsException } from '../incidents.exception';

/** An address (`203.0.113.7`) or a CIDR (`203.0.113.0/24`, `2001:db8::/48`), normalized. */
export function parseCidr(value: string): {
  address: string;
  prefix: number;
  type: 'ipv4' | 'ipv6';
} {
  const [address, bits, ...rest] = value.trim().split('/');
  const version = isIP(address ?? '');
  if (rest.length > 0 || version === 0)
    throw new IncidentsException(IncidentsErrorCode.INVALID_ADDRESS, 'Not an IP address or CIDR');
  const type = version === 4 ? 'ipv4' : 'ipv6';
  const max = type === 'ipv4' ? 32 : 128;
  const prefix = bits === undefined ? max : /^\d{1,3}$/.test(bits) ? Number(bits) : NaN;
  // Very wide blocks (a /0 would lock everyone out) are refused.
  if (!Number.isInteger(prefix) || prefix < (type === 'ipv4' ? 8 : 16) || prefix > max)
    throw new IncidentsException(
      IncidentsErrorCode.INVALID_ADDRESS,
      `The prefix must be between /${type === 'ipv4' ? 8 : 16} and /${max}`,
    );
  return { address, prefix, type };
}

/**
 * Address blocks: stored in the database (every instance enforces every block), held in memory
 * as a BlockList reloaded every ADDRESS_BLOCK_REFRESH_MS and at once in the instance that changed
 * them, and checked by core's address gate before anything else runs. Addresses of the office
 * allow-list (LOGIN_IP_ALLOWLIST) are never blocked, even inside a blocked range.
 */
@Injectable()
export class AddressBlocksService implements AddressGate, OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(AddressBlocksService.name);
  private readonly offices: BlockList;
  private blocked = new BlockList();
  private any = false;
  private timer?: NodeJS.Timeout;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfigService,
  ) {
    this.offices = addressList(config.get('LOGIN_IP_ALLOWLIST'));
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.reload();
    this.timer = setInterval(() => {
      this.reload().catch((e: unknown) =>
        // Keeps the last list it had: a block is never dropped because a reload failed.
        this.logger.warn(`address blocks not reloaded: ${e instanceof Error ? e.name : 'error'}`),
      );
    }, this.config.get('ADDRESS_BLOCK_REFRESH_MS'));
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  isBlocked(ip: string): boolean {
    if (!this.any || !ip) return false;
    return inList(this.blocked, ip) && !inList(this.offices, ip);
  }

  /**
   * Whether an address (or a range's own address) is an office address: such a block is refused.
   * Office addresses inside a wider blocked range stay open anyway (see isBlocked).
   */
  isOffice(cidr: string): boolean {
    return inList(this.offices, parseCidr(cidr).address);
  }

  /** Active blocks, newest first. */
  active(now = new Date()): Promise<AddressBlockEntity[]> {
    return this.dataSource.getRepository(AddressBlockEntity).find({
      where: { liftedAt: IsNull(), expiresAt: MoreThan(now) },
      order: { createdAt: 'DESC' },
      take: 500,
    });
  }

  /**
   * Blocks `cidr` for `minutes` (an active block of the same range is extended, not duplicated);
   * returns the block. The caller has checked the allow-list.
   */
  async block(
    m: EntityManager,
    input: {
      cidr: string;
      minutes: number;
      reason: string;
      incidentId: string | null;
      by: string | null;
    },
  ): Promise<AddressBlockEntity> {
    const { address, prefix } = parseCidr(input.cidr);
    const cidr = `${address}/${prefix}`;
    const now = new Date();
    const expiresAt = new Date(now.getTime() + input.minutes * 60_000);
    const repo = m.getRepository(AddressBlockEntity);
    const existing = await repo.findOne({
      where: { cidr, liftedAt: IsNull(), expiresAt: MoreThan(now) },
      lock: { mode: 'pessimistic_write' },
    });
    if (existing) {
      if (existing.expiresAt < expiresAt) {
        existing.expiresAt = expiresAt;
        await repo.update({ id: existing.id }, { expiresAt });
      }
      return existing;
    }
    const block = repo.create({
      id: uuidv7(),
      cidr,
      reason: input.reason.slice(0, 200),
      incidentId: input.incidentId,
      createdBy: input.by,
      createdAt: now,
      expiresAt,
      liftedAt: null,
      liftedBy: null,
    });
    await repo.insert(block);
    return block;
  }

  /** Lifts a block; false if it was not active. */
  async lift(m: EntityManager, id: string, by: string | null): Promise<boolean> {
    const result = await m
      .getRepository(AddressBlockEntity)
      .update({ id, liftedAt: IsNull() }, { liftedAt: new Date(), liftedBy: by });
    return (result.affected ?? 0) > 0;
  }

  /** Reads the active blocks into memory (after a change in this instance, and periodically). */
  async reload(): Promise<void> {
    const rows = await this.dataSource.query<{ cidr: string }[]>(
      'SELECT cidr FROM address_blocks WHERE lifted_at IS NULL AND expires_at > ?',
      [new Date()],
    );
    const list = new BlockList();
    for (const { cidr } of rows) {
      const { address, prefix, type } = parseCidr(cidr);
      list.addSubnet(address, prefix, type);
    }
    this.blocked = list;
    this.any = rows.length > 0;
  }
}
