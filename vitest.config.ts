import { defineConfig } from 'vitest/config'

// The server suite runs twice: once on embedded PGlite and once on the PostgreSQL at
// SQUAD_TEST_POSTGRES_URL (127.0.0.1:5432 by default; that half skips, saying so, when it is absent).
// Pure unit tests (*.unit.test.ts) do not touch a database and run once.
const serverTests = ['packages/server/test/**/*.test.ts']
const unitTests = ['packages/*/test/**/*.unit.test.ts']
// The web app: component and hook tests in happy-dom, and end-to-end tests that drive Debian's
// Chromium against a real `squad serve` (they skip, saying why, when Chromium is missing).
const webTests = ['packages/web/test/**/*.test.{ts,tsx}']
const e2eTests = ['packages/web/e2e/**/*.e2e.test.ts']

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      { test: { name: 'unit', include: unitTests } },
      { test: { name: 'web', include: webTests, exclude: unitTests, environment: 'happy-dom' } },
      { test: { name: 'e2e', include: e2eTests, testTimeout: 180_000, hookTimeout: 180_000 } },
      {
        test: {
          name: 'pglite',
          include: serverTests,
          exclude: unitTests,
          env: { SQUAD_TEST_DB: 'pglite' },
        },
      },
      {
        test: {
          name: 'postgres',
          include: serverTests,
          exclude: unitTests,
          env: { SQUAD_TEST_DB: 'postgres' },
        },
      },
    ],
  },
})
