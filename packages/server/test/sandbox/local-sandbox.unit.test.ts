import { existsSync } from 'node:fs'
import { LocalSandboxProvider } from '../../src/sandbox/local/local-sandbox-provider.ts'
import { contractCases, runSandboxContract } from './sandbox-contract.ts'

const hasBwrap = ['/usr/bin/bwrap', '/usr/local/bin/bwrap', '/bin/bwrap'].some((path) => existsSync(path))

runSandboxContract({
  name: 'local (bubblewrap)',
  // A uid range of its own, so test files running in parallel never share a sandbox uid.
  createProvider: (root) => new LocalSandboxProvider({ root, uidBase: 210_000, uidCount: 1000 }),
  skip: hasBwrap
    ? [{ tests: ['pause and resume keep the workspace'], reason: 'folder sandboxes cannot pause' }]
    : [{ tests: [...contractCases], reason: 'bubblewrap is not installed (apt-get install bubblewrap)' }],
})
