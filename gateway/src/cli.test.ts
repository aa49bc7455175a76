import { AuditLog } from '@swiftacare/audit';
import { openTestBackend, type TestBackend } from '@swiftacare/postgres-store/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from './cli.js';

let db: TestBackend;
let printed: string[] = [];

beforeAll(async () => {
  db = await openTestBackend(['acme']);
  process.env.DATABASE_URL = db.url;
  process.env.LOG_LEVEL = 'silent';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    printed.push(String(chunk));
    return true;
  });
});

afterAll(async () => {
  vi.restoreAllMocks();
  delete process.env.DATABASE_URL;
  await db.close();
});

function output(): string {
  const text = printed.join('');
  printed = [];
  return text;
}

describe('the swiftacare command', () => {
  it('creates tenants, clients and users', async () => {
    expect(await main(['tenant', 'create', 'beta', '--name', 'Beta Hospital'])).toBe(0);
    expect(await db.tenants.get('beta')).toMatchObject({ name: 'Beta Hospital' });
    expect(await main(['client', 'create', 'beta', 'his', '--scope', 'system/*.rs'])).toBe(0);
    const secret = /secret \(shown once, store it now\): (\S+)/.exec(output())?.[1];
    expect(secret).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect((await db.identities.client('beta', 'his'))?.scope).toBe('system/*.rs');
    expect(
      await main([
        'user',
        'create',
        'beta',
        'T@Example.org',
        '--role',
        'practitioner',
        '--password',
        'pw',
      ]),
    ).toBe(0);
    expect((await db.identities.userByEmail('beta', 't@example.org'))?.role).toBe('practitioner');
    expect(await main(['user', 'create', 'beta', 'x@example.org', '--role', 'wizard'])).toBe(2);
    expect(await main(['tenant', 'create', 'beta'])).toBe(1);
  });

  it('verifies the audit chain and finds a changed record', async () => {
    const log = new AuditLog(db.audit);
    for (let i = 0; i < 5; i++) {
      await log.record({
        tenant: 'acme',
        recorded: new Date().toISOString(),
        action: 'R',
        interaction: 'read',
        outcome: 'success',
        status: 200,
        who: { user: `u${i}` },
        requestId: `req-${i}`,
      });
    }
    await log.close();
    output();
    expect(await main(['audit', 'verify', 'acme'])).toBe(0);
    expect(output()).toMatch(/intact: 5 records/);

    // Someone with the owner's powers rewrites history behind the trigger's back.
    const owner = new pg.Client({ connectionString: db.url });
    await owner.connect();
    await owner.query('ALTER TABLE audit_event DISABLE TRIGGER USER');
    await owner.query(
      `UPDATE audit_event SET record = replace(record::text, 'u2', 'u9')::json WHERE tenant = 'acme' AND seq = 3`,
    );
    await owner.query('ALTER TABLE audit_event ENABLE TRIGGER USER');
    await owner.end();
    expect(await main(['audit', 'verify', 'acme'])).toBe(1);
    expect(output()).toMatch(/BROKEN at record 3 \(changed\)/);
  });
});
