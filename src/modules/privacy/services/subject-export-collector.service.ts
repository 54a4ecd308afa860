import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditService } from '../../audit/audit.service';
import { SubjectRecordsService } from '../../compliance/services/subject-records.service';
import type { CustomerEntity } from '../../customers';
import { DebtsService } from '../../customers/debts.service';
import { CustomerReadLogService } from '../../customers/customer-read-log.service';
import { CustomersService } from '../../customers/customers.service';
import { NotificationsService } from '../../notifications/notifications.service';
import { TasksService } from '../../outreach/services/tasks.service';
import { DataSubjectExportEntity } from '../entities/data-subject-export.entity';
import { DataSubjectRequestEntity } from '../entities/data-subject-request.entity';
import { PrivacyErrorCode, PrivacyException } from '../privacy.exception';
import { EXPORT_SECTIONS, ExportRow, ExportSection } from '../utils/export-archive';

/** Request fields that name staff or hold secrets: not the subject's data. */
const REQUEST_FIELDS_LEFT_OUT = new Set([
  'requestedBy',
  'resolvedBy',
  'verifiedBy',
  'reversedBy',
  'verificationCodeHash',
  // What a staff member wrote to attest the subject's identity: their words, not the subject's.
  'attestation',
]);

export interface CollectedSection {
  name: ExportSection;
  rows: ExportRow[];
  /** Told to the reader in the README and export.json (e.g. a section that is not available). */
  note?: string;
}

/**
 * Gathers what is held about one data subject, section by section, through each module's service
 * (never its tables): the record itself, decrypted; consent history with evidence; do-not-contact
 * entries on them or their addresses; contact attempts; tasks with notes; messages to them; their
 * requests; audit events about them. Other people (staff, other customers) are left out.
 */
@Injectable()
export class SubjectExportCollectorService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly customers: CustomersService,
    private readonly records: SubjectRecordsService,
    private readonly tasks: TasksService,
    private readonly notifications: NotificationsService,
    private readonly audit: AuditService,
    private readonly readLog: CustomerReadLogService,
    private readonly debts: DebtsService,
  ) {}

  /** Each section in EXPORT_SECTIONS order; `done` runs after each (progress, heartbeat). */
  async collect(
    customerId: string,
    done: (section: CollectedSection, index: number) => Promise<void>,
  ): Promise<CollectedSection[]> {
    const customer = await this.customers.findById(customerId, undefined, { withDeleted: true });
    if (!customer)
      throw new PrivacyException(PrivacyErrorCode.SUBJECT_NOT_FOUND, 'The customer is gone');
    const out: CollectedSection[] = [];
    for (const [index, name] of EXPORT_SECTIONS.entries()) {
      const section = await this.section(name, customer);
      out.push(section);
      await done(section, index);
    }
    return out;
  }

  private async section(name: ExportSection, customer: CustomerEntity): Promise<CollectedSection> {
    const id = customer.id;
    switch (name) {
      case 'customer':
        return { name, rows: [plainCustomer(customer)] };
      case 'debts':
        return { name, rows: await this.debts.debtsOfSubject(id) };
      case 'consents':
        return { name, rows: await this.records.consentsOf(id) };
      case 'dnc_entries':
        return {
          name,
          rows: await this.records.dncEntriesAbout({
            customerId: id,
            phone: customer.phone,
            email: customer.email,
          }),
        };
      case 'contact_attempts':
        return { name, rows: await this.records.contactAttemptsOf(id) };
      case 'tasks':
        return { name, rows: await this.tasks.tasksOfSubject(id) };
      case 'messages':
        return {
          name,
          rows: await this.notifications.messagesOfSubject(
            id,
            [customer.email, customer.phone].filter((a): a is string => Boolean(a)),
          ),
        };
      case 'requests':
        return { name, rows: (await this.requestsOf(id)).map(plainRequest) };
      case 'audit_events':
        return { name, rows: await this.audit.eventsAboutSubject(await this.ownIds(id)) };
      case 'read_access':
        // By kind and the reader's role: who (a staff member's id) is someone else's data.
        return {
          name,
          rows: (await this.readLog.summaryFor(id)).map((r) => ({
            kind: r.kind,
            readerRole: r.readerRole,
            reads: r.reads,
            fields: r.fields.join(' '),
            firstAt: r.firstAt,
            lastAt: r.lastAt,
          })),
        };
    }
  }

  private requestsOf(customerId: string): Promise<DataSubjectRequestEntity[]> {
    return this.dataSource
      .getRepository(DataSubjectRequestEntity)
      .find({ where: { customerId }, order: { createdAt: 'ASC' } });
  }

  /** The resource ids that are the subject's: their customer id, requests and exports. */
  private async ownIds(customerId: string): Promise<string[]> {
    const requests = await this.requestsOf(customerId);
    const exports = await this.dataSource
      .getRepository(DataSubjectExportEntity)
      .find({ where: { customerId }, select: { id: true } });
    return [customerId, ...requests.map((r) => r.id), ...exports.map((e) => e.id)];
  }
}

/**
 * Every field of the customer record, decrypted: the entity's own columns and its encrypted
 * accessors (enumerable on the prototype), without ciphertexts, blind indexes and masked forms.
 */
export function plainCustomer(customer: CustomerEntity): ExportRow {
  return plainFields(customer, (key) => key.endsWith('Masked'));
}

function plainRequest(request: DataSubjectRequestEntity): ExportRow {
  return plainFields(request, (key) => REQUEST_FIELDS_LEFT_OUT.has(key));
}

function plainFields(entity: object, leaveOut: (key: string) => boolean): ExportRow {
  const row: ExportRow = {};
  for (const key in entity) {
    // Ciphertexts and blind indexes are ours, not the subject's: the plaintext is there instead.
    if (leaveOut(key) || /(Cipher|Bidx)$/.test(key)) continue;
    const value = (entity as Record<string, unknown>)[key];
    if (Buffer.isBuffer(value) || typeof value === 'function') continue;
    row[key] = value;
  }
  return row;
}
