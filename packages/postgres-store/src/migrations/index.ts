import { foundation } from './0001-foundation.js';
import { audit } from './0002-audit.js';
import { identity } from './0003-identity.js';
import { genericReadPlans } from './0004-generic-read-plans.js';
import { auditAppend } from './0005-audit-append.js';
import { auditSearchColumns } from './0006-audit-search-columns.js';

/** A forward-only schema change. `version` orders them; an applied one is never edited. */
export interface Migration {
  version: number;
  name: string;
  sql: () => string;
}

/** Every migration, oldest first. */
export const migrations: readonly Migration[] = [
  foundation,
  audit,
  identity,
  genericReadPlans,
  auditAppend,
  auditSearchColumns,
];
