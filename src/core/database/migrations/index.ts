import { Foundation1764000000000 } from './1764000000000-Foundation';

/** Every migration, in order. A landed migration is never edited: add a new one. */
export const MIGRATIONS = [Foundation1764000000000];
