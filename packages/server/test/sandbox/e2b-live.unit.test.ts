import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { E2bSandboxProvider } from '../../src/sandbox/e2b/e2b-sandbox-provider.ts'
import { runSandboxContract } from './sandbox-contract.ts'

// The sandbox contract against E2B itself, when E2B_API_KEY is set; SQUAD_E2B_TEMPLATE names the
// template built from deploy/e2b (default agent-squad). Each run labels its sandboxes with an
// installation of its own, so it never lists or touches another's, and kills what it made.
const apiKey = process.env.E2B_API_KEY
const template = process.env.SQUAD_E2B_TEMPLATE ?? 'agent-squad'
const run = randomBytes(4).toString('hex')
const provider = (root: string) =>
  new E2bSandboxProvider({
    apiKey: apiKey ?? '',
    template,
    installation: `live-${run}-${root.length}-${root.slice(-12).replace(/[^a-z0-9]/gi, '')}`,
    createsPerSecond: 2,
    maxConcurrent: 10,
  })

if (!apiKey)
  describe('sandbox contract: e2b (live)', () =>
    it.skip('skipped: E2B_API_KEY is not set (set it, and SQUAD_E2B_TEMPLATE, to run against E2B)', () => {}))
else {
  runSandboxContract({
    name: `e2b (live, template ${template})`,
    createProvider: provider,
    wholeSecondDeadlines: true,
    skip: [
      {
        tests: ['workspace from a template'],
        reason: 'a remote sandbox cannot start from a host folder (the repository goes in as a git bundle)',
      },
    ],
  })

  describe(`e2b template ${template} (live)`, () => {
    it('has what the pipeline and the agents need', async () => {
      const sandbox = await provider('template').create({ timeoutMs: 120_000 })
      try {
        const result = await sandbox.commands.run(
          'git --version && node --version && python3 --version && rg --version',
        )
        expect(result.stdout).toMatch(/git version/)
        expect(result.stdout).toMatch(/^v24\./m)
      } finally {
        await sandbox.kill()
      }
    }, 120_000)
  })
}
