import { strToU8, zipSync, type Zippable } from 'fflate';
import { toCsv } from './csv';

/** The sections of an access / portability export, in build order; each is one CSV file. */
export const EXPORT_SECTIONS = [
  'customer',
  'debts',
  'consents',
  'dnc_entries',
  'contact_attempts',
  'tasks',
  'messages',
  'requests',
  'audit_events',
  'read_access',
] as const;

export type ExportSection = (typeof EXPORT_SECTIONS)[number];
export type ExportRow = Record<string, unknown>;

const DESCRIPTIONS: Record<ExportSection, string> = {
  customer: 'the record we hold about you, every field decrypted',
  debts: 'the accounts we collect on, with their references and balances',
  consents: 'each consent you gave or withdrew, by channel and purpose, with its evidence',
  dnc_entries:
    'do-not-contact entries about you or your phone number or email address (channel, source, dates)',
  contact_attempts: 'each call, text or email made to you (or by you) and its outcome',
  tasks: 'work our staff did on your account, with their notes',
  messages: 'messages sent (or waiting to be sent) to you',
  requests: 'your privacy requests and what became of them',
  audit_events:
    'our log of actions on your record and your requests (who did them is left out: staff are other people)',
  read_access: 'who read which of your personal fields, summarised by role and field',
};

export interface ExportMeta {
  exportId: string;
  requestId: string;
  requestType: string;
  customerId: string;
  generatedAt: Date;
  /** Per section, what the reader should know (e.g. a section not available yet). */
  notes: Partial<Record<ExportSection, string>>;
}

/** Everything as a JSON document (one array per section) with the CSVs and a README, zipped. */
export function buildExportArchive(
  meta: ExportMeta,
  sections: Record<ExportSection, ExportRow[]>,
): Buffer {
  const json = {
    format: 'callwarden-subject-export',
    version: 1,
    exportId: meta.exportId,
    requestId: meta.requestId,
    requestType: meta.requestType,
    customerId: meta.customerId,
    generatedAt: meta.generatedAt.toISOString(),
    notes: meta.notes,
    sections,
  };
  const files: Zippable = {
    'README.txt': strToU8(readme(meta, sections)),
    'export.json': strToU8(JSON.stringify(json, null, 2)),
  };
  for (const name of EXPORT_SECTIONS) files[`${name}.csv`] = strToU8(toCsv(sections[name]));
  return Buffer.from(zipSync(files, { level: 6, mtime: meta.generatedAt }));
}

function readme(meta: ExportMeta, sections: Record<ExportSection, ExportRow[]>): string {
  const lines = [
    'Your personal data held by us',
    '',
    `Request ${meta.requestId} (${meta.requestType}), produced ${meta.generatedAt.toISOString()}.`,
    '',
    'export.json  every section below in one machine-readable JSON document (UTF-8)',
    ...EXPORT_SECTIONS.map(
      (s) =>
        `${`${s}.csv`.padEnd(21)}${DESCRIPTIONS[s]} (${sections[s].length} row${sections[s].length === 1 ? '' : 's'})`,
    ),
    '',
    'The CSV files are RFC 4180 (UTF-8, comma separated, CRLF line ends). A cell that starts',
    "with = + - @ or a tab begins with an apostrophe (') so spreadsheets show it as text.",
    'Times are UTC (ISO 8601).',
  ];
  const notes = EXPORT_SECTIONS.filter((s) => meta.notes[s]);
  if (notes.length > 0)
    lines.push('', 'Notes:', ...notes.map((s) => `- ${s}: ${meta.notes[s] ?? ''}`));
  return `${lines.join('\r\n')}\r\n`;
}
