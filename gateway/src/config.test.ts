import { describe, expect, it } from 'vitest';
import { ConfigError, readConfig } from './config.js';

describe('readConfig', () => {
  it('has working defaults with an empty environment', () => {
    const config = readConfig({});
    expect(config).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      dataDir: './.swiftacare',
      dataDirGiven: false,
      bodyLimit: 1024 * 1024,
      poolSize: 10,
      logLevel: 'info',
    });
    expect(config.databaseUrl).toBeUndefined();
  });

  it('reads every variable', () => {
    const config = readConfig({
      PORT: '9000',
      HOST: '::1',
      DATABASE_URL: 'postgres://u@db/x',
      SWIFTACARE_DATA_DIR: '/var/x',
      SWIFTACARE_PUBLIC_URL: 'https://fhir.example.org',
      SWIFTACARE_BODY_LIMIT: '2048',
      DATABASE_POOL_SIZE: '4',
      LOG_LEVEL: 'warn',
    });
    expect(config).toMatchObject({
      port: 9000,
      host: '::1',
      databaseUrl: 'postgres://u@db/x',
      dataDir: '/var/x',
      dataDirGiven: true,
      publicUrl: 'https://fhir.example.org',
      bodyLimit: 2048,
      poolSize: 4,
      logLevel: 'warn',
    });
  });

  it('listens on any address once storage is a server of its own (no demo sign-ins)', () => {
    for (const host of ['0.0.0.0', '10.1.2.3', '::']) {
      expect(
        readConfig({ HOST: host, DATABASE_URL: 'postgres://app@db.internal/swiftacare' }).host,
      ).toBe(host);
    }
    expect(() => readConfig({ HOST: '0.0.0.0' })).toThrow(/demo sign-ins/);
  });

  it.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['HOST', '0.0.0.0'],
    ['HOST', '10.1.2.3'],
    ['HOST', '::'],
    ['DATABASE_URL', 'mysql://x'],
    ['SWIFTACARE_PUBLIC_URL', 'https://x.org/path'],
    ['SWIFTACARE_BODY_LIMIT', '-1'],
    ['DATABASE_POOL_SIZE', '0'],
    ['LOG_LEVEL', 'loud'],
    ['SWIFTACARE_RATE_LIMIT', 'many'],
    ['REDIS_URL', 'http://cache'],
  ])('stops on a bad %s (%s) with a message naming it', (name, value) => {
    expect(() => readConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => readConfig({ [name]: value })).toThrow(new RegExp(`^${name}: `));
  });
});
