import { describe } from 'vitest'
import { skipReason } from '../helpers/test-db.ts'
import { runForgeContract } from './forge.case.ts'
import { startGitHubFixture } from './github-fixture.ts'

// The shared Forge contract against the fake GitHub, authenticated both ways GitHub allows.
for (const kind of ['token', 'app'] as const)
  if (!skipReason)
    runForgeContract(`github (${kind})`, {
      // The fake compiles GitHub's schemas for each operation on first use: seconds on a busy machine.
      timeoutMs: 120_000,
      async setup() {
        const fixture = await startGitHubFixture(kind)
        return {
          forge: fixture.forge,
          newRepo: (name) => fixture.newRepo(name, { empty: true }),
          async stop() {
            fixture.fake.expectNoViolations()
            await fixture.stop()
          },
        }
      },
    })

describe.skipIf(!skipReason)('github forge contract', () => {})
