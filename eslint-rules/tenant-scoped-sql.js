// @ts-check
/**
 * Flags SQL written in the code that reads or writes a table without naming `tenant`.
 * Row-level security would still hide other tenants' rows, but a query that forgets its
 * tenant is a bug every time, so it is caught before it runs. Platform and catalog tables
 * (which have no tenant) are allowed by name.
 */

const platformTables = new Set([
  'tenant',
  'schema_migration',
  'pg_inherits',
  'pg_class',
  'pg_roles',
  'pg_attribute',
  'pg_namespace',
  'unnest',
]);

const tablePattern = /\b(?:FROM|INTO|UPDATE|JOIN)\s+([A-Za-z_][A-Za-z0-9_]*|\$\{)/gi;

/** @param {import('estree').Node} node */
function sqlText(node) {
  if (node.type === 'Literal' && typeof node.value === 'string') {
    return node.value;
  }
  if (node.type === 'TemplateLiteral') {
    return node.quasis.map((q) => q.value.cooked ?? '').join('${');
  }
  return undefined;
}

/** @type {import('eslint').Rule.RuleModule} */
export default {
  meta: {
    type: 'problem',
    docs: { description: 'SQL that touches a tenant table must name its tenant' },
    messages: {
      missingTenant:
        'This SQL reads or writes "{{table}}" without a tenant condition; add `tenant = $n` (or disable with a reason if the table is platform-wide)',
    },
    schema: [],
  },
  create(context) {
    /**
     * @param {import('estree').Node | undefined} node the SQL text
     * @param {import('estree').Node} call the query call, where the report goes
     */
    function check(node, call) {
      if (!node) {
        return;
      }
      const text = sqlText(node);
      if (text === undefined || /\btenant\b/i.test(text)) {
        return;
      }
      for (const match of text.matchAll(tablePattern)) {
        const table = match[1] ?? '';
        if (!platformTables.has(table.toLowerCase())) {
          context.report({ node: call, messageId: 'missingTenant', data: { table } });
          return;
        }
      }
    }
    return {
      CallExpression(node) {
        const callee = node.callee;
        if (callee.type !== 'MemberExpression' || callee.property.type !== 'Identifier') {
          return;
        }
        if (callee.property.name !== 'query') {
          return;
        }
        const [first] = node.arguments;
        if (first?.type === 'ObjectExpression') {
          for (const p of first.properties) {
            if (p.type === 'Property' && p.key.type === 'Identifier' && p.key.name === 'text') {
              check(/** @type {import('estree').Node} */ (p.value), node);
            }
          }
          return;
        }
        check(/** @type {import('estree').Node | undefined} */ (first), node);
      },
    };
  },
};
