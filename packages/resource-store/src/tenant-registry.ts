/** An institution served by the gateway. */
export interface Tenant {
  id: string;
  name: string;
  createdAt: string;
}

/** Tenant ids appear in URLs and keys: lowercase letters, digits and hyphens. */
export const tenantIdPattern = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** Where the list of institutions lives. */
export interface TenantRegistry {
  get(id: string): Promise<Tenant | undefined>;
  /** Creates a tenant; fails with a 409 FhirError when the id is taken. */
  create(id: string, name: string): Promise<Tenant>;
  list(): Promise<Tenant[]>;
}
