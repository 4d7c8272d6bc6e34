import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { homedir, tmpdir } from 'node:os'
import { join, posix } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AppError } from '../../src/domain/errors.ts'
import {
  CommandExitError,
  type CommandResult,
  type Sandbox,
  type SandboxCreateOpts,
  type SandboxProvider,
} from '../../src/sandbox/sandbox-provider.ts'

/** A provider as the suite drives it; `close()` (when present) simulates a server shutdown. */
export type ProviderUnderTest = SandboxProvider & { close?(): Promise<void> }

export const contractCases = [
  'create and run',
  'stream stdout and stderr as they arrive',
  'split multi-byte characters safely',
  'non-zero exit rejects with CommandExitError carrying the output',
  'stdin and cwd',
  'envs reach the command, the server environment does not',
  'timeout kills the whole process tree',
  'output cap stops the command',
  'background command: wait and kill',
  'files: write, read, list, exists, remove',
  'files and commands share the workspace',
  'files refuse paths outside the sandbox',
  'workspace from a template',
  'capabilities match what the provider offers',
  'pause and resume keep the workspace',
  'list filters by metadata',
  'connect by id',
  'kill is idempotent',
  'setTimeout moves the deadline and expiry kills',
  'a restarted server reconnects and reaps what expired meanwhile',
] as const
export type ContractCase = (typeof contractCases)[number]

export type ContractOpts = {
  name: string
  /** A provider over `root`; two providers over one root act as the server before and after a restart. */
  createProvider: (root: string) => ProviderUnderTest
  /** Every skip names its reason. */
  skip?: Array<{ tests: ContractCase[]; reason: string }>
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** The rejection of `promise`, which must reject. */
async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error('expected a rejection')
}

async function exitErrorOf(promise: Promise<unknown>): Promise<CommandResult> {
  const error = await rejectionOf(promise)
  expect(error).toBeInstanceOf(CommandExitError)
  return (error as CommandExitError).result
}

async function appErrorCode(promise: Promise<unknown>): Promise<string> {
  const error = await rejectionOf(promise)
  expect(error).toBeInstanceOf(AppError)
  return (error as AppError).code
}

/** The shared behaviour every sandbox provider must have (see sandbox-provider.ts). */
export function runSandboxContract(opts: ContractOpts) {
  const reasons = new Map<string, string>()
  for (const { tests, reason } of opts.skip ?? []) {
    if (!reason.trim()) throw new Error('a contract skip must state its reason')
    for (const test of tests) {
      if (!contractCases.includes(test)) throw new Error(`unknown contract case: ${test}`)
      reasons.set(test, reason)
    }
  }
  const test = (name: ContractCase, fn: () => Promise<void>, timeoutMs = 30_000) => {
    const reason = reasons.get(name)
    if (reason) it.skip(`${name} (skipped: ${reason})`, fn)
    else it(name, fn, timeoutMs)
  }

  describe(`sandbox contract: ${opts.name}`, () => {
    let scratch: string
    let provider: ProviderUnderTest
    const canaryName = `SQUAD_CONTRACT_CANARY_${randomBytes(4).toString('hex')}`
    const canaryValue = `server-secret-${randomBytes(8).toString('hex')}`
    const created: Sandbox[] = []
    const canaries: string[] = []
    const make = async (createOpts: SandboxCreateOpts = {}) => {
      const sandbox = await provider.create(createOpts)
      created.push(sandbox)
      return sandbox
    }

    beforeAll(async () => {
      scratch = await mkdtemp(join(tmpdir(), 'squad-contract-'))
      provider = opts.createProvider(join(scratch, 'sandboxes'))
      process.env[canaryName] = canaryValue
    })

    afterAll(async () => {
      delete process.env[canaryName]
      await Promise.allSettled(created.map((sandbox) => sandbox.kill()))
      await provider?.close?.()
      await rm(scratch, { recursive: true, force: true })
      for (const canary of canaries) await rm(canary, { recursive: true, force: true })
    })

    test('create and run', async () => {
      const sandbox = await make()
      expect(sandbox.sandboxId).toMatch(/\S/)
      expect(posix.isAbsolute(sandbox.workdir)).toBe(true)
      expect(await sandbox.isRunning()).toBe(true)
      const result = await sandbox.commands.run('echo hello; pwd')
      expect(result).toMatchObject({ exitCode: 0, stdout: `hello\n${sandbox.workdir}\n`, stderr: '' })
      expect(result.truncated).toBe(false)
      expect(result.error).toBeUndefined()
      expect(result.durationMs).toBeGreaterThanOrEqual(0)
    })

    test('stream stdout and stderr as they arrive', async () => {
      const sandbox = await make()
      const seen: Array<{ at: number; stream: string; data: string }> = []
      const result = await sandbox.commands.run('echo first; echo oops >&2; sleep 1; echo second', {
        onStdout: (data) => seen.push({ at: Date.now(), stream: 'out', data }),
        onStderr: (data) => seen.push({ at: Date.now(), stream: 'err', data }),
      })
      const ended = Date.now()
      const out = seen.filter((s) => s.stream === 'out')
      expect(out.map((s) => s.data).join('')).toBe('first\nsecond\n')
      expect(seen.filter((s) => s.stream === 'err').map((s) => s.data)).toEqual(['oops\n'])
      expect(ended - (out[0]?.at ?? ended)).toBeGreaterThan(500) // 'first' came before the sleep ended
      expect(result.stdout).toBe('first\nsecond\n')
      expect(result.stderr).toBe('oops\n')
    })

    test('split multi-byte characters safely', async () => {
      const sandbox = await make()
      const chunks: string[] = []
      // é is C3 A9: its two bytes arrive in separate reads.
      const result = await sandbox.commands.run("printf '\\303'; sleep 0.3; printf '\\251 ok\\n'", {
        onStdout: (data) => chunks.push(data),
      })
      expect(chunks.join('')).toBe('é ok\n')
      expect(chunks.join('')).not.toContain('\uFFFD')
      expect(result.stdout).toBe('é ok\n')
    })

    test('non-zero exit rejects with CommandExitError carrying the output', async () => {
      const sandbox = await make()
      const error = await rejectionOf(sandbox.commands.run('echo out; echo err >&2; exit 3'))
      expect(error).toBeInstanceOf(CommandExitError)
      const exit = error as CommandExitError
      expect(exit.exitCode).toBe(3)
      expect(exit.stdout).toBe('out\n')
      expect(exit.stderr).toBe('err\n')
      expect(exit.result.error).toBeUndefined()
      expect(exit.message).toContain('exited with 3')
    })

    test('stdin and cwd', async () => {
      const sandbox = await make()
      expect((await sandbox.commands.run('cat', { stdin: 'from stdin' })).stdout).toBe('from stdin')
      expect((await sandbox.commands.run('read x; echo "[$x]"')).stdout).toBe('[]\n') // no stdin: EOF
      await sandbox.commands.run('mkdir -p sub/dir')
      expect((await sandbox.commands.run('pwd', { cwd: 'sub/dir' })).stdout).toBe(
        `${posix.join(sandbox.workdir, 'sub/dir')}\n`,
      )
      expect((await sandbox.commands.run('pwd', { cwd: `${sandbox.workdir}/sub` })).stdout).toBe(
        `${sandbox.workdir}/sub\n`,
      )
    })

    test('envs reach the command, the server environment does not', async () => {
      const sandbox = await make({ envs: { FROM_CREATE: 'c', SHARED: 'create' } })
      const result = await sandbox.commands.run('echo "$FROM_CREATE $FROM_RUN $SHARED"; env', {
        envs: { FROM_RUN: 'r', SHARED: 'run' },
      })
      const [first, ...rest] = result.stdout.split('\n')
      expect(first).toBe('c r run')
      const env = rest.join('\n')
      expect(env).toMatch(/^PATH=/m)
      expect(env).toMatch(/^HOME=/m)
      expect(process.env[canaryName]).toBe(canaryValue)
      expect(env).not.toContain(canaryName)
      expect(env).not.toContain(canaryValue)
      // Nothing else of the server's environment leaks either (vitest sets several of these).
      expect(env).not.toMatch(/^(VITEST|NODE_OPTIONS|npm_)/m)
    })

    test('timeout kills the whole process tree', async () => {
      const sandbox = await make()
      const started = Date.now()
      const result = await exitErrorOf(
        sandbox.commands.run('(sleep 1; echo late > late.txt) & echo started; sleep 30', { timeoutMs: 300 }),
      )
      expect(result.error).toBe('timeout')
      expect(result.stdout).toBe('started\n')
      expect(Date.now() - started).toBeLessThan(5000)
      await sleep(1500) // the background subshell would have written by now, had it survived
      expect(await sandbox.files.exists('late.txt')).toBe(false)
    })

    test('output cap stops the command', async () => {
      const sandbox = await make()
      let streamed = 0
      const started = Date.now()
      const result = await exitErrorOf(
        sandbox.commands.run("head -c 50000000 /dev/zero | tr '\\0' a; echo after >&2", {
          maxOutputBytes: 1000,
          onStdout: (data) => {
            streamed += data.length
          },
        }),
      )
      expect(result.error).toBe('output_limit')
      expect(result.truncated).toBe(true)
      expect(result.stdout).toBe('a'.repeat(1000))
      expect(streamed).toBe(1000)
      expect(Date.now() - started).toBeLessThan(10_000)
      // A cut inside a multi-byte character keeps only whole characters.
      const cut = await exitErrorOf(sandbox.commands.run('yes é | head -c 100000', { maxOutputBytes: 4 }))
      expect(cut.stdout).toBe('é\n')
    })

    test('background command: wait and kill', async () => {
      const sandbox = await make()
      const quick = await sandbox.commands.run('echo bg', { background: true })
      expect(quick.pid).toBeGreaterThan(0)
      expect((await quick.wait()).stdout).toBe('bg\n')

      // Killed once it has printed (a fixed sleep loses that race on a loaded machine).
      let printed = () => {}
      const up = new Promise<void>((resolve) => {
        printed = resolve
      })
      const slow = await sandbox.commands.run('echo up; sleep 30', { background: true, onStdout: printed })
      await up
      await slow.kill()
      const result = await exitErrorOf(slow.wait())
      expect(result.error).toBe('killed')
      expect(result.stdout).toBe('up\n')

      // One that fails and is never waited for must not crash anything.
      await sandbox.commands.run('exit 4', { background: true })
      await sleep(100)
    })

    test('files: write, read, list, exists, remove', async () => {
      const sandbox = await make()
      await sandbox.files.write('dir/sub/a.txt', 'hello')
      expect(await sandbox.files.read('dir/sub/a.txt')).toBe('hello')
      expect(await sandbox.files.read(`${sandbox.workdir}/dir/sub/a.txt`)).toBe('hello')
      const bytes = new Uint8Array([0, 255, 1, 128, 10])
      await sandbox.files.write('dir/blob.bin', bytes)
      expect([...(await sandbox.files.readBytes('dir/blob.bin'))]).toEqual([...bytes])
      await sandbox.files.write('dir/sub/a.txt', 'héllo') // overwrite
      expect(await sandbox.files.read('dir/sub/a.txt')).toBe('héllo')

      expect(await sandbox.files.list('dir/sub')).toEqual([
        { name: 'a.txt', path: posix.join(sandbox.workdir, 'dir/sub/a.txt'), type: 'file', size: 6 },
      ])
      const listing = await sandbox.files.list('dir')
      expect(listing.map((e) => [e.name, e.type])).toEqual([
        ['blob.bin', 'file'],
        ['sub', 'dir'],
      ])
      expect(await sandbox.files.exists('dir/sub/a.txt')).toBe(true)
      expect(await sandbox.files.exists('dir/sub')).toBe(true)
      expect(await sandbox.files.exists('nope.txt')).toBe(false)

      expect(await appErrorCode(sandbox.files.read('missing.txt'))).toBe('not_found')
      expect(await appErrorCode(sandbox.files.read('dir'))).toBe('bad_request')
      expect(await appErrorCode(sandbox.files.list('dir/blob.bin'))).toBe('bad_request')

      await sandbox.files.remove('dir/sub/a.txt')
      expect(await sandbox.files.exists('dir/sub/a.txt')).toBe(false)
      await sandbox.files.remove('dir')
      expect(await sandbox.files.exists('dir')).toBe(false)
      await sandbox.files.remove('dir') // removing what is gone is fine
    })

    test('files and commands share the workspace', async () => {
      const sandbox = await make()
      await sandbox.files.write('shared.txt', 'from files\n')
      const result = await sandbox.commands.run('cat shared.txt; echo from command >> shared.txt')
      expect(result.stdout).toBe('from files\n')
      expect(await sandbox.files.read('shared.txt')).toBe('from files\nfrom command\n')
      await sandbox.commands.run('mkdir -p made && echo x > made/by-command.txt')
      expect(await sandbox.files.read('made/by-command.txt')).toBe('x\n')
      // A file written by the API is the sandbox's own: commands may replace and delete it.
      await sandbox.files.write('made/by-api.txt', 'y')
      await sandbox.commands.run('echo z > made/by-api.txt && rm made/by-api.txt')
      expect(await sandbox.files.exists('made/by-api.txt')).toBe(false)
    })

    test('files refuse paths outside the sandbox', async () => {
      const sandbox = await make()
      // Not under /tmp: the local sandbox has a /tmp of its own, where such a path would be legal.
      const canary = await mkdtemp(join(existsSync('/dev/shm') ? '/dev/shm' : homedir(), 'squad-canary-'))
      canaries.push(canary)
      await writeFile(join(canary, 'secret.txt'), 'host secret')

      for (const path of ['../escaped.txt', '../../../../etc/passwd', 'a/../../x', '/etc/passwd', '/root'])
        expect(await appErrorCode(sandbox.files.read(path))).toBe('forbidden')
      for (const path of ['../escaped.txt', '/etc/escaped', '/usr/escaped'])
        expect(await appErrorCode(sandbox.files.write(path, 'x'))).toBe('forbidden')
      expect(await appErrorCode(sandbox.files.list('/'))).toBe('forbidden')
      expect(await appErrorCode(sandbox.files.remove('..'))).toBe('forbidden')
      expect(await appErrorCode(sandbox.files.remove(sandbox.workdir))).toBe('forbidden')

      await sandbox.commands.run(
        `ln -s /etc/passwd evil-file && ln -s /etc evil-dir && ln -s .. up && ` +
          `ln -s ${canary} canary-dir && ln -s ${canary}/secret.txt canary-link`,
      )
      expect(await appErrorCode(sandbox.files.read('evil-file'))).toBe('forbidden')
      expect(await appErrorCode(sandbox.files.readBytes('evil-file'))).toBe('forbidden')
      expect(await appErrorCode(sandbox.files.list('evil-dir'))).toBe('forbidden')
      expect(await appErrorCode(sandbox.files.read('evil-dir/passwd'))).toBe('forbidden')
      expect(await appErrorCode(sandbox.files.exists('evil-file'))).toBe('forbidden')
      expect(await appErrorCode(sandbox.files.write('up/escaped.txt', 'x'))).toBe('forbidden')
      expect(await appErrorCode(sandbox.files.write('canary-dir/planted.txt', 'x'))).toBe('forbidden')
      expect(await appErrorCode(sandbox.files.write('canary-link', 'overwritten'))).toBe('forbidden')
      expect(existsSync(join(canary, 'planted.txt'))).toBe(false)
      expect(existsSync(join(scratch, 'escaped.txt'))).toBe(false)

      // Removing a link removes the link, never what it points to.
      await sandbox.files.remove('canary-link')
      await sandbox.files.remove('canary-dir')
      expect(await sandbox.files.list('.').then((l) => l.map((e) => e.name))).not.toContain('canary-link')
      expect(await readFile(join(canary, 'secret.txt'), 'utf8')).toBe('host secret')
    })

    test('workspace from a template', async () => {
      const seeding = provider.capabilities.seedFromHostFolder
      if (!seeding) throw new Error('no seedFromHostFolder capability: skip this case, naming why')
      const template = join(scratch, `template-${randomBytes(4).toString('hex')}`)
      await mkdir(join(template, 'src'), { recursive: true })
      await writeFile(join(template, 'README.md'), 'from template\n')
      await writeFile(join(template, 'src', 'main.txt'), 'main\n')
      await seeding.adoptTemplate(template)
      const fromTemplate = async () => {
        const sandbox = await seeding.create({ workspaceTemplate: template })
        created.push(sandbox)
        return sandbox
      }
      const one = await fromTemplate()
      const two = await fromTemplate()
      expect(await one.files.read('README.md')).toBe('from template\n')
      await one.commands.run('echo changed >> README.md && rm src/main.txt && echo new > new.txt')
      expect(await one.files.read('README.md')).toBe('from template\nchanged\n')
      // The template and the other sandbox are untouched.
      expect(await readFile(join(template, 'README.md'), 'utf8')).toBe('from template\n')
      expect(existsSync(join(template, 'src', 'main.txt'))).toBe(true)
      expect(existsSync(join(template, 'new.txt'))).toBe(false)
      expect(await two.files.read('README.md')).toBe('from template\n')
      expect(await two.files.exists('src/main.txt')).toBe(true)
      expect(await two.files.exists('new.txt')).toBe(false)
      expect(await appErrorCode(seeding.create({ workspaceTemplate: join(scratch, 'no-such-folder') }))).toBe(
        'bad_request',
      )
    })

    test('capabilities match what the provider offers', async () => {
      const { capabilities } = provider
      const sandbox = await make({ network: { mode: 'off' } })
      // pause() and resume() exist exactly when the provider says it can pause.
      expect(typeof sandbox.pause === 'function').toBe(capabilities.pause)
      expect(typeof provider.resume === 'function').toBe(capabilities.pause)
      // A per-command network is either honoured or refused, never silently dropped.
      const perCommand = sandbox.commands.run('echo ok', { network: { mode: 'internet' } })
      if (capabilities.networkPerCommand) expect((await perCommand).stdout).toBe('ok\n')
      else expect(await appErrorCode(perCommand)).toBe('bad_request')
    })

    test('pause and resume keep the workspace', async () => {
      const sandbox = await make({ timeoutMs: 60_000 })
      if (!sandbox.pause || !provider.resume) throw new Error('no pause: skip this case, naming why')
      await sandbox.files.write('kept.txt', 'before pause')
      await sandbox.commands.run('mkdir -p deps && echo installed > deps/marker')
      await sandbox.pause()
      await sandbox.pause()
      expect(await sandbox.isRunning()).toBe(false)
      // Still listed (the reaper must see it), and connect tells it apart from a gone one.
      expect((await provider.list()).map((s) => s.sandboxId)).toContain(sandbox.sandboxId)
      const resumed = await provider.resume(sandbox.sandboxId, { timeoutMs: 60_000 })
      expect(resumed.sandboxId).toBe(sandbox.sandboxId)
      expect(await resumed.isRunning()).toBe(true)
      expect(await resumed.files.read('kept.txt')).toBe('before pause')
      expect((await resumed.commands.run('cat deps/marker')).stdout).toBe('installed\n')
      await resumed.kill()
      expect(await appErrorCode(provider.resume(sandbox.sandboxId))).toBe('sandbox_gone')
    })

    test('list filters by metadata', async () => {
      const suite = randomBytes(4).toString('hex')
      const a = await make({ metadata: { suite, n: '1' } })
      const b = await make({ metadata: { suite, n: '2' }, timeoutMs: 120_000 })
      const both = await provider.list({ metadata: { suite } })
      expect(both.map((s) => s.sandboxId).sort()).toEqual([a.sandboxId, b.sandboxId].sort())
      const [only] = await provider.list({ metadata: { suite, n: '2' } })
      expect(only?.sandboxId).toBe(b.sandboxId)
      expect(only?.metadata).toEqual({ suite, n: '2' })
      expect(only?.startedAt).toBeInstanceOf(Date)
      const left = (only?.endAt.getTime() ?? 0) - Date.now()
      expect(left).toBeGreaterThan(100_000)
      expect(left).toBeLessThanOrEqual(120_000)
      expect(await provider.list({ metadata: { suite, n: '3' } })).toEqual([])
      expect((await provider.list()).map((s) => s.sandboxId)).toEqual(
        expect.arrayContaining([a.sandboxId, b.sandboxId]),
      )
    })

    test('connect by id', async () => {
      const sandbox = await make()
      await sandbox.files.write('note.txt', 'kept')
      const again = await provider.connect(sandbox.sandboxId)
      expect(again.sandboxId).toBe(sandbox.sandboxId)
      expect(again.workdir).toBe(sandbox.workdir)
      expect((await again.commands.run('cat note.txt')).stdout).toBe('kept')
      for (const id of ['sbx-0000000000000000', 'nope', '../..', ''])
        expect(await appErrorCode(provider.connect(id))).toBe('sandbox_gone')
    })

    test('kill is idempotent', async () => {
      const sandbox = await make()
      const running = await sandbox.commands.run('sleep 30', { background: true })
      await sandbox.kill()
      await sandbox.kill()
      expect((await exitErrorOf(running.wait())).error).toBe('killed')
      expect(await sandbox.isRunning()).toBe(false)
      expect(await appErrorCode(sandbox.commands.run('true'))).toBe('sandbox_gone')
      expect(await appErrorCode(sandbox.files.read('x'))).toBe('sandbox_gone')
      expect(await appErrorCode(sandbox.setTimeout(1000))).toBe('sandbox_gone')
      expect(await appErrorCode(provider.connect(sandbox.sandboxId))).toBe('sandbox_gone')
      expect((await provider.list()).map((s) => s.sandboxId)).not.toContain(sandbox.sandboxId)
    })

    test('setTimeout moves the deadline and expiry kills', async () => {
      const extended = await make({ timeoutMs: 600 })
      await extended.setTimeout(10_000)
      const info = (await provider.list()).find((s) => s.sandboxId === extended.sandboxId)
      expect((info?.endAt.getTime() ?? 0) - Date.now()).toBeGreaterThan(8_000)
      const expiring = await make({ timeoutMs: 500 })
      const running = await expiring.commands.run('sleep 30', { background: true })
      await sleep(1200)
      expect(await extended.isRunning()).toBe(true)
      expect(await expiring.isRunning()).toBe(false)
      expect((await exitErrorOf(running.wait())).error).toBe('killed')
      expect((await provider.list()).map((s) => s.sandboxId)).not.toContain(expiring.sandboxId)
      expect(await appErrorCode(provider.connect(expiring.sandboxId))).toBe('sandbox_gone')
      await extended.setTimeout(200)
      await sleep(700)
      expect(await extended.isRunning()).toBe(false)
    })

    test('a restarted server reconnects and reaps what expired meanwhile', async () => {
      const root = join(scratch, 'restart')
      const before = opts.createProvider(root)
      const keeps = await before.create({ timeoutMs: 60_000, metadata: { role: 'keeps' } })
      await keeps.files.write('state.txt', 'survives')
      const expires = await before.create({ timeoutMs: 300, metadata: { role: 'expires' } })
      await before.close?.()
      await sleep(600) // the server is "down" while `expires` reaches its deadline

      const after = opts.createProvider(root)
      try {
        const listed = await after.list()
        expect(listed.map((s) => s.sandboxId)).toEqual([keeps.sandboxId])
        const again = await after.connect(keeps.sandboxId)
        expect(await again.files.read('state.txt')).toBe('survives')
        expect((await again.commands.run('echo alive')).stdout).toBe('alive\n')
        expect(await appErrorCode(after.connect(expires.sandboxId))).toBe('sandbox_gone')
        await again.kill()
        expect(await after.list()).toEqual([])
      } finally {
        await after.close?.()
      }
    })
  })
}
