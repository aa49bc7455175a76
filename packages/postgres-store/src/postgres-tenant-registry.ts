import { FhirError } from '@swiftacare/fhir';
import { tenantIdPattern, type Tenant, type TenantRegistry } from '@swiftacare/resource-store';
import type { Pool } from 'pg';

interface TenantRow {
  id: string;
  name: string;
  created_at: Date;
}

function toTenant(row: TenantRow): Tenant {
  return { id: row.id, name: row.name, createdAt: row.created_at.toISOString() };
}

/** Institutions, in the `tenant` table (platform data: it has no tenant of its own). */
export class PostgresTenantRegistry implements TenantRegistry {
  constructor(private readonly pool: Pool) {}

  async get(id: string): Promise<Tenant | undefined> {
    if (!tenantIdPattern.test(id)) {
      return undefined;
    }
    const { rows } = await this.pool.query<TenantRow>({
      name: 'tenant_get',
      text: 'SELECT id, name, created_at FROM tenant WHERE id = $1',
      values: [id],
    });
    return rows[0] ? toTenant(rows[0]) : undefined;
  }

  async create(id: string, name: string): Promise<Tenant> {
    if (!tenantIdPattern.test(id)) {
      throw new FhirError(
        'invalid',
        `Tenant id "${id}" must be 1-63 lowercase letters, digits or hyphens, starting with a letter or digit`,
      );
    }
    const { rows } = await this.pool.query<TenantRow>(
      'INSERT INTO tenant (id, name) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING RETURNING id, name, created_at',
      [id, name],
    );
    if (!rows[0]) {
      throw new FhirError('conflict', `Tenant "${id}" already exists`);
    }
    return toTenant(rows[0]);
  }

  async list(): Promise<Tenant[]> {
    const { rows } = await this.pool.query<TenantRow>(
      'SELECT id, name, created_at FROM tenant ORDER BY id',
    );
    return rows.map(toTenant);
  }
}
