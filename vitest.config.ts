import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

// Workspace packages resolve to their TypeScript sources, so tests need no build.
const packages: Record<string, string> = {
  '@swiftacare/fhir': 'packages/fhir/src/index.ts',
  '@swiftacare/audit': 'packages/audit/src/index.ts',
  '@swiftacare/fhir-engine': 'packages/fhir-engine/src/index.ts',
  '@swiftacare/resource-store/contract': 'packages/resource-store/src/contract/index.ts',
  '@swiftacare/resource-store': 'packages/resource-store/src/index.ts',
  '@swiftacare/postgres-store/testing': 'packages/postgres-store/src/testing.ts',
  '@swiftacare/postgres-store': 'packages/postgres-store/src/index.ts',
  '@swiftacare/identity': 'packages/identity/src/index.ts',
  '@swiftacare/cache/contract': 'packages/cache/src/contract/index.ts',
  '@swiftacare/cache/testing': 'packages/cache/src/testing.ts',
  '@swiftacare/cache': 'packages/cache/src/index.ts',
  '@swiftacare/gateway/testing': 'gateway/src/testing.ts',
  '@swiftacare/gateway/baseline-read': 'gateway/src/baseline-read.ts',
  '@swiftacare/gateway': 'gateway/src/index.ts',
  '@swiftacare/sdk': 'sdk/src/index.ts',
};

export default defineConfig({
  resolve: {
    alias: Object.entries(packages).map(([name, path]) => ({
      find: new RegExp(`^${name}$`),
      replacement: here(path),
    })),
  },
  test: {
    include: [
      'packages/*/src/**/*.test.ts',
      'gateway/src/**/*.test.ts',
      'sdk/src/**/*.test.ts',
      'examples/*/src/**/*.test.ts',
      'test/src/**/*.test.ts',
      'eslint-rules/**/*.test.js',
    ],
    globalSetup: ['test/src/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
