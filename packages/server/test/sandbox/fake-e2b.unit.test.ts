import { existsSync } from 'node:fs'
import { CommandExitError, Sandbox, TimeoutError } from 'e2b'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { type FakeE2B, startFakeE2B, waitFor } from '../helpers/fake-e2b/index.ts'

// The E2B-compatible test server, driven by the real e2b SDK: commands (streamed output, exit codes,
// background and kill, stdin), files, listing by metadata and connecting by id.

const hasBwrap = ['/usr/bin/bwrap', '/usr/local/bin/bwrap', '/bin/bwrap'].some((path) => existsSync(path))

describe.skipIf(!hasBwrap)('fake E2B through the e2b SDK: commands and files', () => {
  let fake: FakeE2B
  let sandbox: Sandbox

  beforeAll(async () => {
    fake = await startFakeE2B()
    sandbox = await Sandbox.create('base', {
      ...fake.sdkOptions,
      metadata: { suite: 'commands', execution_id: 'e-1' },
      envs: { GREETING: 'hello from create' },
      timeoutMs: 120_000,
    })
  })
  afterAll(() => fake?.close())

  test('a command runs as E2B runs it, its output streamed as it comes', async () => {
    const chunks: { text: string; at: number }[] = []
    const result = await sandbox.commands.run(
      'echo one; sleep 1; echo two; echo "$GREETING $CALLER" >&2; pwd; whoami; echo "$HOME"',
      { envs: { CALLER: 'and the call' }, onStdout: (text) => void chunks.push({ text, at: Date.now() }) },
    )
    const ended = Date.now()
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toBe('one\ntwo\n/home/user\nuser\n/home/user\n')
    expect(result.stderr).toBe('hello from create and the call\n')
    // "one" arrived while the command was still sleeping, not with the end.
    expect(chunks[0]?.text).toBe('one\n')
    expect(ended - (chunks[0]?.at ?? ended)).toBeGreaterThanOrEqual(600)
  })

  test('a non-zero exit rejects with CommandExitError carrying the output', async () => {
    const error = await sandbox.commands.run('echo partial; echo bad >&2; exit 3').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(CommandExitError)
    const exit = error as CommandExitError
    expect(exit.exitCode).toBe(3)
    expect(exit.stdout).toBe('partial\n')
    expect(exit.stderr).toBe('bad\n')
  })

  test('a background command is listed, can be re-attached to, and is killed by a signal', async () => {
    const handle = await sandbox.commands.run('echo up; sleep 30', { background: true, cwd: '/tmp' })
    const listed = await sandbox.commands.list()
    expect(listed).toContainEqual(expect.objectContaining({ pid: handle.pid, cmd: '/bin/bash', cwd: '/tmp' }))
    await handle.disconnect() // the process outlives its stream
    const again = await sandbox.commands.connect(handle.pid)
    expect(await sandbox.commands.kill(handle.pid)).toBe(true)
    const error = (await again.wait().catch((e: unknown) => e)) as CommandExitError
    expect(error).toBeInstanceOf(CommandExitError)
    expect(error.exitCode).toBe(-1)
    expect(error.error).toBe('signal: killed')
    expect((await sandbox.commands.list()).map((p) => p.pid)).not.toContain(handle.pid)
    expect(await sandbox.commands.kill(handle.pid)).toBe(false)
  })

  test('stdin stays open for sendStdin until closeStdin', async () => {
    const handle = await sandbox.commands.run('tr a-z A-Z', { background: true, stdin: true })
    await handle.sendStdin('first line\n')
    await sandbox.commands.sendStdin(handle.pid, 'second line\n')
    await handle.closeStdin()
    const result = await handle.wait()
    expect(result.stdout).toBe('FIRST LINE\nSECOND LINE\n')
  })

  test('the request deadline (timeoutMs) kills the command', async () => {
    const started = Date.now()
    const error = await sandbox.commands.run('sleep 30', { timeoutMs: 1500 }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TimeoutError)
    expect(Date.now() - started).toBeLessThan(10_000)
    await waitFor(async () => (await sandbox.commands.list()).length === 0)
  })

  test('files: write, read as text and bytes, list, info, make a folder, rename, remove', async () => {
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i)
    await sandbox.files.write('notes/hello.txt', 'hello\n')
    await sandbox.files.write([
      { path: '/home/user/notes/all-bytes.bin', data: bytes.buffer },
      { path: '/tmp/elsewhere.txt', data: 'in tmp' },
    ])
    expect(await sandbox.files.read('/home/user/notes/hello.txt')).toBe('hello\n')
    expect(await sandbox.files.read('notes/all-bytes.bin', { format: 'bytes' })).toEqual(bytes)
    expect(await sandbox.files.read('/tmp/elsewhere.txt')).toBe('in tmp')
    // What a file written through the API is, seen by a command: the same bytes.
    expect((await sandbox.commands.run('cat notes/hello.txt; stat -c %U notes/hello.txt')).stdout).toBe(
      'hello\nuser\n',
    )

    expect(await sandbox.files.makeDir('notes/sub')).toBe(true)
    expect(await sandbox.files.makeDir('notes/sub')).toBe(false)
    const entries = await sandbox.files.list('notes')
    expect(entries.map((e) => [e.name, e.type, e.path])).toEqual(
      expect.arrayContaining([
        ['hello.txt', 'file', '/home/user/notes/hello.txt'],
        ['all-bytes.bin', 'file', '/home/user/notes/all-bytes.bin'],
        ['sub', 'dir', '/home/user/notes/sub'],
      ]),
    )
    const info = await sandbox.files.getInfo('notes/all-bytes.bin')
    expect(info).toMatchObject({ size: 256, type: 'file', owner: 'user' })

    const moved = await sandbox.files.rename('notes/hello.txt', 'notes/sub/moved.txt')
    expect(moved.path).toBe('/home/user/notes/sub/moved.txt')
    expect(await sandbox.files.exists('notes/hello.txt')).toBe(false)
    expect(await sandbox.files.exists('notes/sub/moved.txt')).toBe(true)
    await sandbox.files.remove('notes')
    expect(await sandbox.files.exists('notes')).toBe(false)
    await expect(sandbox.files.read('notes/sub/moved.txt')).rejects.toThrow(/not exist|not found/i)
  })

  test('list by metadata, and connect by id to the same sandbox', async () => {
    const other = await Sandbox.create('base', { ...fake.sdkOptions, metadata: { suite: 'other' } })
    const page = await Sandbox.list({
      ...fake.sdkOptions,
      query: { metadata: { execution_id: 'e-1' } },
    }).nextItems()
    expect(page.map((s) => s.sandboxId)).toEqual([sandbox.sandboxId])
    expect(page[0]).toMatchObject({ templateId: 'base', state: 'running', metadata: { suite: 'commands' } })
    const all = await Sandbox.list(fake.sdkOptions).nextItems()
    expect(all.map((s) => s.sandboxId).sort()).toEqual([sandbox.sandboxId, other.sandboxId].sort())

    await sandbox.files.write('marker.txt', 'same sandbox')
    const connected = await Sandbox.connect(sandbox.sandboxId, fake.sdkOptions)
    expect((await connected.commands.run('cat marker.txt')).stdout).toBe('same sandbox')
    await other.kill()
  })
})
