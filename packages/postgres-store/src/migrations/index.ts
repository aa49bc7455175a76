import { foundation } from './0001-foundation.js';

/** A forward-only schema change. `version` orders them; an applied one is never edited. */
export interface Migration {
  version: number;
  name: string;
  sql: () => string;
}

/** Every migration, oldest first. */
export const migrations: readonly Migration[] = [foundation];
