import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../../src/config.ts'
import { createSandboxProvider } from '../../src/sandbox/create-sandbox-provider.ts'
import { LocalSandboxProvider } from '../../src/sandbox/local/local-sandbox-provider.ts'
import { ProcessSandboxProvider } from '../../src/sandbox/process/process-sandbox-provider.ts'
import { runSandboxContract } from './sandbox-contract.ts'

const quiet = { warn: () => {} }

runSandboxContract({
  name: 'process (no isolation)',
  createProvider: (root) => new ProcessSandboxProvider({ root, logger: quiet }),
  skip: [{ tests: ['pause and resume keep the workspace'], reason: 'folder sandboxes cannot pause' }],
})

describe('process provider specifics', () => {
  let scratch: string
  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'squad-process-'))
  })
  afterAll(() => rm(scratch, { recursive: true, force: true }))

  it('warns loudly on every create', async () => {
    const warnings: string[] = []
    const provider = new ProcessSandboxProvider({
      root: join(scratch, 'warn'),
      logger: { warn: (_obj, msg) => warnings.push(msg) },
    })
    const one = await provider.create()
    const two = await provider.create()
    expect(warnings).toHaveLength(2)
    expect(warnings[0]).toMatch(/NO ISOLATION/)
    await one.kill()
    await two.kill()
  })

  it('returns even when the command leaves a daemon that escaped its process group', async () => {
    const provider = new ProcessSandboxProvider({ root: join(scratch, 'daemon'), logger: quiet })
    const sandbox = await provider.create()
    const started = Date.now()
    const result = await sandbox.commands.run('setsid sleep 4 & echo done')
    expect(result.stdout).toBe('done\n')
    expect(Date.now() - started).toBeLessThan(3000)
    await sandbox.kill()
  })
})

describe('createSandboxProvider', () => {
  it('picks the provider from SQUAD_SANDBOX, local by default, each kind in its own folder', () => {
    const config = loadConfig({ env: {}, cwd: '/nonexistent' })
    expect(config.SQUAD_SANDBOX).toBe('local')
    const local = createSandboxProvider({ config })
    expect(local).toBeInstanceOf(LocalSandboxProvider)
    expect(local.name).toBe('local')
    const processConfig = loadConfig({ env: { SQUAD_SANDBOX: 'process' }, cwd: '/nonexistent' })
    const plain = createSandboxProvider({ config: processConfig, logger: quiet })
    expect(plain).toBeInstanceOf(ProcessSandboxProvider)
    expect((plain as ProcessSandboxProvider).root).toBe(join(processConfig.dataDir, 'sandboxes', 'process'))
    expect(() => loadConfig({ env: { SQUAD_SANDBOX: 'docker' }, cwd: '/nonexistent' })).toThrowError(
      ConfigError,
    )
  })
})
