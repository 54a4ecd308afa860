import { SetMetadata } from '@nestjs/common';

export const ALLOW = 'callwarden:allow';

/**
 * CASL-style actions; `manage` means every action. `readPii` on a field shows it unmasked; `reveal`
 * allows an audited, one-off read of a field the role otherwise sees masked.
 */
export type Action =
  'manage' | 'create' | 'read' | 'update' | 'delete' | 'reveal' | 'export' | 'readPii';

export const ACTIONS: readonly Action[] = [
  'manage',
  'create',
  'read',
  'update',
  'delete',
  'reveal',
  'export',
  'readPii',
];

export interface AllowRule {
  action: Action;
  subject: string;
}

/**
 * Declares what a Query or Mutation requires: one action on one subject (PascalCase, as in the CASL
 * abilities). Operations without `@Allow` or `@Public` are refused by the global guard.
 */
export const Allow = (action: Action, subject: string): MethodDecorator =>
  SetMetadata(ALLOW, { action, subject } satisfies AllowRule);
