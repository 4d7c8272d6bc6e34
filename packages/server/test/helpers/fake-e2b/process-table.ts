import { execFile } from 'node:child_process'
import { constants } from 'node:fs'
import { chown, type FileHandle, open, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import {
  CommandExitError,
  type CommandHandle,
  type CommandResult,
  type Sandbox,
} from '../../../src/sandbox/sandbox-provider.ts'

// The processes of one fake sandbox, as envd's process service sees them: a small pid of its own, the
// config it was started with, its output fanned out to every stream connected to it (Start, Connect),
// its end, and, when it was started with `stdin: true`, a writable stdin.

export type ProcessConfig = { cmd: string; args: string[]; envs: Record<string, string>; cwd?: string }

export type ProcessEnd = { exitCode: number; exited: boolean; status: string; error?: string }

export type ProcessEvent = { kind: 'stdout' | 'stderr'; data: Uint8Array } | { kind: 'end'; end: ProcessEnd }

export type FakeProcess = {
  pid: number
  tag?: string
  config: ProcessConfig
  /**
   * Adds a connected stream's listener (a process outlives its streams: a client may disconnect);
   * returns its removal. Output made before the first subscriber is held for it.
   */
  subscribe(listener: (event: ProcessEvent) => void): () => void
  ended?: ProcessEnd
  sendStdin(data: Uint8Array): Promise<void>
  closeStdin(): Promise<void>
  kill(): Promise<void>
}

const MAX_OUTPUT_BYTES = 256 * 1024 * 1024

/** Quotes one word for /bin/sh. */
export const shellQuote = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`

export class ProcessTable {
  readonly #processes = new Map<number, FakeProcess>()
  #nextPid = 1000

  /** `hostTmp` is the host folder the sandbox sees as /tmp (where a stdin FIFO is made). */
  readonly #sandbox: Sandbox
  readonly #hostTmp: string

  constructor(sandbox: Sandbox, hostTmp: string) {
    this.#sandbox = sandbox
    this.#hostTmp = hostTmp
  }

  get(pid: number): FakeProcess | undefined {
    return this.#processes.get(pid)
  }

  byTag(tag: string): FakeProcess | undefined {
    return [...this.#processes.values()].find((p) => p.tag === tag && !p.ended)
  }

  running(): FakeProcess[] {
    return [...this.#processes.values()].filter((p) => !p.ended)
  }

  /**
   * Starts `cmd args…` in the local sandbox; the Start stream subscribes right after.
   */
  async start(config: ProcessConfig, opts: { tag?: string; stdin: boolean }): Promise<FakeProcess> {
    const pid = this.#nextPid++
    const listeners = new Set<(event: ProcessEvent) => void>()
    const pending: ProcessEvent[] = []
    let ready = false
    const emit = (event: ProcessEvent) => {
      if (!ready) return void pending.push(event)
      for (const listener of listeners) listener(event)
    }
    const encoder = new TextEncoder()
    let stdin: FileHandle | undefined
    let fifo: string | undefined
    let prelude = ''
    if (opts.stdin) {
      // envd keeps a started process's stdin open for SendInput. The local port takes stdin as one
      // string, so the process reads a FIFO in its /tmp instead, which this side holds open (O_RDWR:
      // opening never blocks, and closing it is the process's EOF). The shell leaves a mark once it
      // has the FIFO open: closing before that would discard what was written (a pipe's buffer dies
      // with its last open end) and leave the process waiting for a writer forever.
      const name = `.e2b-stdin-${pid}-${process.hrtime.bigint()}`
      fifo = join(this.#hostTmp, name)
      await promisify(execFile)('mkfifo', ['-m', '0600', fifo])
      const owner = await stat(this.#hostTmp)
      await chown(fifo, owner.uid, owner.gid)
      stdin = await open(fifo, constants.O_RDWR | constants.O_NOFOLLOW)
      prelude = `exec < /tmp/${name} && : > /tmp/${name}.open && `
    }
    const argv = [config.cmd, ...config.args].map(shellQuote).join(' ')
    let handle: CommandHandle
    try {
      handle = await this.#sandbox.commands.run(`${prelude}exec ${argv}`, {
        background: true,
        ...(config.cwd ? { cwd: config.cwd } : {}),
        envs: config.envs,
        timeoutMs: 0,
        maxOutputBytes: MAX_OUTPUT_BYTES,
        onStdout: (text) => emit({ kind: 'stdout', data: encoder.encode(text) }),
        onStderr: (text) => emit({ kind: 'stderr', data: encoder.encode(text) }),
      })
    } catch (error) {
      await stdin?.close().catch(() => {})
      if (fifo) await rm(fifo, { force: true })
      throw error
    }
    let ended = false
    const opened = async () => {
      const mark = `${fifo}.open`
      while (!ended && !(await stat(mark).catch(() => undefined)))
        await new Promise((resolve) => setTimeout(resolve, 10))
    }
    const closeStdin = async () => {
      const held = stdin
      stdin = undefined
      if (held && fifo) await opened()
      await held?.close().catch(() => {})
    }
    const record: FakeProcess = {
      pid,
      ...(opts.tag ? { tag: opts.tag } : {}),
      config,
      subscribe: (listener) => {
        listeners.add(listener)
        if (!ready) {
          ready = true
          for (const event of pending.splice(0)) listener(event)
        }
        return () => listeners.delete(listener)
      },
      sendStdin: async (data) => {
        if (!stdin) throw new Error('stdin is not open')
        await stdin.write(data)
      },
      closeStdin,
      kill: () => handle.kill(),
    }
    this.#processes.set(pid, record)
    handle
      .wait()
      .then(toEnd, (error: unknown) => {
        if (error instanceof CommandExitError) return toEnd(error.result)
        return { exitCode: -1, exited: false, status: 'error', error: String(error) } satisfies ProcessEnd
      })
      .then(async (end) => {
        ended = true
        await closeStdin()
        if (fifo) await Promise.all([rm(fifo, { force: true }), rm(`${fifo}.open`, { force: true })])
        record.ended = end
        emit({ kind: 'end', end })
      })
    return record
  }

  /** Kills every process (pause and kill do; the sandbox's files stay). */
  async killAll(): Promise<void> {
    await Promise.all(this.running().map((p) => p.kill().catch(() => {})))
  }
}

/** The local result as envd's EndEvent: Go's ProcessState (exit status n, or signal: killed). */
function toEnd(result: CommandResult): ProcessEnd {
  if (result.error) return { exitCode: -1, exited: false, status: 'signal: killed', error: 'signal: killed' }
  return { exitCode: result.exitCode, exited: true, status: `exit status ${result.exitCode}` }
}
