// @ts-check
import { RuleTester } from 'eslint';
import { describe, it } from 'vitest';
import rule from './tenant-scoped-sql.js';

RuleTester.describe = describe;
RuleTester.it = it;

new RuleTester().run('tenant-scoped-sql', rule, {
  valid: [
    "pool.query('SELECT * FROM patient WHERE tenant = $1 AND id = $2', [t, id])",
    'client.query({ name: "x", text: `UPDATE ${table} SET a = 1 WHERE tenant = $1` })',
    "pool.query('SELECT id, name FROM tenant WHERE id = $1')",
    "client.query('SELECT pg_advisory_lock($1)', [k])",
    "client.query('BEGIN')",
  ],
  invalid: [
    {
      code: "pool.query('SELECT * FROM patient WHERE id = $1', [id])",
      errors: [{ messageId: 'missingTenant' }],
    },
    {
      code: 'client.query({ text: `DELETE FROM ${table} WHERE id = $1` })',
      errors: [{ messageId: 'missingTenant' }],
    },
    {
      code: "pool.query('INSERT INTO appointment (id) VALUES ($1)')",
      errors: [{ messageId: 'missingTenant' }],
    },
  ],
});
