import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { E2bSandboxProvider } from '../../src/sandbox/e2b/e2b-sandbox-provider.ts'
import { type FakeE2B, startFakeE2B } from '../helpers/fake-e2b/index.ts'
import { contractCases, runSandboxContract } from './sandbox-contract.ts'

// The E2B provider on the real SDK, pointed at the E2B-compatible test server (its sandboxes are
// local bubblewrap sandboxes), runs the same contract as the local providers.

const hasBwrap = ['/usr/bin/bwrap', '/usr/local/bin/bwrap', '/bin/bwrap'].some((path) => existsSync(path))

let fake: FakeE2B | undefined
beforeAll(async () => {
  if (hasBwrap) fake = await startFakeE2B()
}, 60_000)
afterAll(() => fake?.close())

runSandboxContract({
  name: 'e2b (the SDK against the E2B-compatible server)',
  // One E2B team holds every provider's sandboxes: the root names an installation of its own, so
  // each provider of the suite lists only its sandboxes, as two roots do on the local provider.
  createProvider: (root) => {
    if (!fake) throw new Error('the fake E2B did not start')
    return new E2bSandboxProvider({
      ...fake.sdkOptions,
      template: 'base',
      installation: createHash('sha256').update(root).digest('hex').slice(0, 16),
      createsPerSecond: 50,
    })
  },
  wholeSecondDeadlines: true,
  skip: hasBwrap
    ? [
        {
          tests: ['workspace from a template'],
          reason: 'a remote sandbox cannot start from a host folder (the repository goes in as a git bundle)',
        },
      ]
    : [
        {
          tests: [...contractCases],
          reason: 'the fake E2B runs bubblewrap sandboxes: bubblewrap is not installed',
        },
      ],
})

describe.skipIf(!hasBwrap)('e2b provider limits against the E2B-compatible server', () => {
  const provider = (extra: Partial<ConstructorParameters<typeof E2bSandboxProvider>[0]> = {}) => {
    if (!fake) throw new Error('the fake E2B did not start')
    return new E2bSandboxProvider({ ...fake.sdkOptions, template: 'base', installation: 'limits', ...extra })
  }

  it('a create answered 429 waits and succeeds', async () => {
    fake?.inject.rateLimitCreates(2, 0)
    const sandbox = await provider({ rateLimitBaseDelayMs: 50 }).create({ timeoutMs: 60_000 })
    expect((await sandbox.commands.run('echo made')).stdout).toBe('made\n')
    await sandbox.kill()
  })

  it('a create beyond the concurrency cap waits for a slot instead of failing', async () => {
    const capped = provider({ maxConcurrent: 1, createsPerSecond: 50 })
    const first = await capped.create({ timeoutMs: 60_000 })
    let secondMade = false
    const second = capped.create({ timeoutMs: 60_000 }).then((sandbox) => {
      secondMade = true
      return sandbox
    })
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(secondMade).toBe(false)
    expect(capped.cap.queued).toBe(1)
    await first.kill()
    await (await second).kill()
    expect(secondMade).toBe(true)
  })
})
