import { servedTypes } from '@swiftacare/fhir';
import { tableOf } from '../tables.js';

/**
 * Read-by-id functions keep one generic plan. PostgreSQL otherwise re-plans the partitioned
 * Appointment read on every call (it guesses `= ANY($2)` holds ten ids and prefers custom
 * plans), and planning every month's partition costs more than the read itself.
 */
export const genericReadPlans = {
  version: 4,
  name: 'generic-read-plans',
  sql: () =>
    servedTypes
      .map(
        (t) =>
          `ALTER FUNCTION read_${tableOf(t.type)}(text, uuid[]) SET plan_cache_mode = force_generic_plan;`,
      )
      .join('\n'),
};
