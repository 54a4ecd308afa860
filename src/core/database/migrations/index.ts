import { Foundation1764000000000 } from './1764000000000-Foundation';
import { CryptoAndCustomers1764000100000 } from './1764000100000-CryptoAndCustomers';

/** Every migration, in order. A landed migration is never edited: add a new one. */
export const MIGRATIONS = [Foundation1764000000000, CryptoAndCustomers1764000100000];
