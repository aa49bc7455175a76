// @ts-check
import tenantScopedSql from './tenant-scoped-sql.js';

/** The project's own lint rules, for mistakes that recur in this codebase. */
export default { rules: { 'tenant-scoped-sql': tenantScopedSql } };
