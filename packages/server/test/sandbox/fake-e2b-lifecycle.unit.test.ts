import { existsSync } from 'node:fs'
import {
  AuthenticationError,
  RateLimitError,
  Sandbox,
  SandboxNotFoundError,
  type SandboxOpts,
  TimeoutError,
} from 'e2b'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { type FakeE2B, startFakeE2B, waitFor } from '../helpers/fake-e2b/index.ts'

// The fake E2B's lifecycle and faults, through the real e2b SDK: timeouts (extended, and expiring
// mid-run), pause and resume with the files kept, kill, the API key, 429 on create, envd unreachable
// and back, a sandbox that vanishes, and the introspection tests rely on.

const hasBwrap = ['/usr/bin/bwrap', '/usr/local/bin/bwrap', '/bin/bwrap'].some((path) => existsSync(path))

describe.skipIf(!hasBwrap)('fake E2B through the e2b SDK: lifecycle and faults', () => {
  let fake: FakeE2B
  const create = (opts: SandboxOpts = {}) =>
    Sandbox.create({ ...fake.sdkOptions, timeoutMs: 120_000, ...opts })

  beforeAll(async () => {
    fake = await startFakeE2B()
  })
  afterAll(async () => {
    const violations = fake?.stats.violations()
    await fake?.close()
    expect(violations).toEqual([])
  })

  test('setTimeout moves the end time; when it passes, the sandbox dies mid-run and is gone', async () => {
    const sandbox = await create({ metadata: { test: 'timeout' } })
    await sandbox.setTimeout(600_000)
    const info = await sandbox.getInfo()
    expect(info.endAt.getTime() - Date.now()).toBeGreaterThan(590_000)
    expect(fake.sandboxes.get(sandbox.sandboxId)?.endAt).toEqual(info.endAt)

    await sandbox.setTimeout(1000)
    const error = await sandbox.commands.run('echo started; sleep 30').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TimeoutError)
    expect((error as Error).message).toMatch(/killed or reached its end of life/)
    expect(fake.sandboxes.endedBecause(sandbox.sandboxId)).toBe('timeout')
    expect(await sandbox.isRunning()).toBe(false)
    await expect(Sandbox.connect(sandbox.sandboxId, fake.sdkOptions)).rejects.toBeInstanceOf(
      SandboxNotFoundError,
    )
    await expect(sandbox.getInfo()).rejects.toBeInstanceOf(SandboxNotFoundError)
  })

  test('pause stops the processes and keeps the files; connect resumes it', async () => {
    const sandbox = await create({ metadata: { test: 'pause' } })
    await sandbox.files.write('work/state.txt', 'kept across the pause')
    const background = await sandbox.commands.run('sleep 60', { background: true })

    expect(await sandbox.pause()).toBe(true)
    await expect(background.wait()).rejects.toThrow()
    expect(await Sandbox.pause(sandbox.sandboxId, fake.sdkOptions)).toBe(false) // already paused
    expect(await sandbox.isRunning()).toBe(false)
    expect(fake.sandboxes.paused().map((s) => s.sandboxId)).toEqual([sandbox.sandboxId])
    const listed = await Sandbox.list({
      ...fake.sdkOptions,
      query: { metadata: { test: 'pause' } },
    }).nextItems()
    expect(listed.map((s) => s.state)).toEqual(['paused'])

    const resumed = await Sandbox.connect(sandbox.sandboxId, { ...fake.sdkOptions, timeoutMs: 60_000 })
    expect(await resumed.isRunning()).toBe(true)
    expect(await resumed.files.read('work/state.txt')).toBe('kept across the pause')
    expect(await resumed.commands.list()).toEqual([]) // processes do not survive (files do)
    expect((await resumed.commands.run('cat work/state.txt')).stdout).toBe('kept across the pause')
    await resumed.kill()
  })

  test('kill ends it: gone for getInfo, connect, isRunning, and a second kill says so', async () => {
    const sandbox = await create()
    await sandbox.kill()
    expect(fake.sandboxes.endedBecause(sandbox.sandboxId)).toBe('killed')
    expect(await sandbox.isRunning()).toBe(false)
    expect(await Sandbox.kill(sandbox.sandboxId, fake.sdkOptions)).toBe(false)
    await expect(Sandbox.getInfo(sandbox.sandboxId, fake.sdkOptions)).rejects.toBeInstanceOf(
      SandboxNotFoundError,
    )
  })

  test('a wrong API key is refused with 401', async () => {
    const bad = { ...fake.sdkOptions, apiKey: 'e2b_wrong' }
    await expect(Sandbox.create(bad)).rejects.toBeInstanceOf(AuthenticationError)
    await expect(Sandbox.list(bad).nextItems()).rejects.toBeInstanceOf(AuthenticationError)
  })

  test('429 on create: the SDK waits Retry-After and retries; with retries 0 it throws RateLimitError', async () => {
    const before = fake.stats.requests()['POST /v2/sandboxes'] ?? 0
    fake.inject.rateLimitCreates(2, 1)
    const started = Date.now()
    const sandbox = await create()
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900) // two waits of one second
    expect((fake.stats.requests()['POST /v2/sandboxes'] ?? 0) - before).toBe(3)
    await sandbox.kill()

    fake.inject.rateLimitCreates(1)
    await expect(create({ retries: 0 })).rejects.toBeInstanceOf(RateLimitError)
    expect(fake.stats.peakCreatesPerSecond()).toBeGreaterThanOrEqual(1)
  })

  test('envd unreachable (connection refused, then 502) and back, the sandbox intact', async () => {
    const sandbox = await create()
    await sandbox.files.write('still-here.txt', 'yes')

    await fake.inject.envdDown({ ms: 1500, mode: 'refuse' })
    await expect(sandbox.commands.run('true')).rejects.toThrow()
    await waitFor('a command runs once envd listens again', () =>
      sandbox.commands.run('true').then(
        () => true,
        () => false,
      ),
    )

    await fake.inject.envdDown({ ms: 1500, mode: '502', sandboxId: sandbox.sandboxId })
    expect(await sandbox.isRunning()).toBe(false) // what the SDK can see: 502 from the proxy
    // …while the control plane still has it: unreachable is not gone.
    expect((await Sandbox.getInfo(sandbox.sandboxId, fake.sdkOptions)).state).toBe('running')
    await waitFor('envd answers again after the 502s', () => sandbox.isRunning())
    expect(await sandbox.files.read('still-here.txt')).toBe('yes')
    await sandbox.kill()
  })

  test('a sandbox that vanishes mid-run: the command fails, connect says not found', async () => {
    const sandbox = await create()
    // Its outcome is taken at once: it fails while this test is still making it fail.
    const outcome = sandbox.commands.run('echo started; sleep 30').catch((error: unknown) => error)
    await waitFor(
      'the command has started',
      () => (fake.sandboxes.get(sandbox.sandboxId)?.processes.running().length ?? 0) > 0,
    )
    await fake.inject.killSandbox(sandbox.sandboxId)
    expect(await outcome).toBeInstanceOf(TimeoutError)
    expect(fake.sandboxes.endedBecause(sandbox.sandboxId)).toBe('fault')
    await expect(Sandbox.connect(sandbox.sandboxId, fake.sdkOptions)).rejects.toBeInstanceOf(
      SandboxNotFoundError,
    )
  })

  test('a create delay holds the answer back', async () => {
    fake.inject.createDelay(700)
    const started = Date.now()
    const sandbox = await create()
    fake.inject.createDelay(0)
    expect(Date.now() - started).toBeGreaterThanOrEqual(700)
    await sandbox.kill()
  })
})
