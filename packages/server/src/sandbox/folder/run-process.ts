import { spawn } from 'node:child_process'
import { constants } from 'node:os'
import type { Readable, Writable } from 'node:stream'
import { StringDecoder } from 'node:string_decoder'
import { AppError } from '../../domain/errors.ts'

/** How to start one process: the argv, a complete environment (never inherited) and a host cwd. */
export type Launch = {
  file: string
  args: string[]
  env: Record<string, string>
  cwd: string
  /**
   * Inputs the child reads from extra descriptors: `fds[i]` is written to fd 3 + i, then closed
   * (bwrap reads its options from fd 3 with `--args 3`, and its seccomp filter from fd 4).
   */
  fds?: Buffer[]
  /**
   * Asked once a process has failed (non-zero exit or stopped): a line to add to its stderr when the
   * launcher knows why better than the process can say (the sandbox is out of its disk quota).
   */
  explainFailure?: (result: RawResult) => Promise<string | undefined>
}

export type StopReason = 'timeout' | 'output_limit' | 'killed'

export type StartOpts = {
  /** 0 disables the deadline. */
  timeoutMs: number
  /** Bytes kept of stdout and of stderr each; past that the process is killed with `output_limit`. */
  maxOutputBytes: number
  stdin?: string | Uint8Array
  onStdout?: (data: string) => void
  onStderr?: (data: string) => void
}

/** What a finished process produced, as bytes; `text()` turns it into the port's CommandResult. */
export type RawResult = {
  exitCode: number
  stdout: Buffer
  stderr: Buffer
  error?: StopReason
  truncated: boolean
  durationMs: number
}

export type RunningProcess = {
  pid: number
  /** Resolves when the process and everything holding its output pipes are gone. */
  done: Promise<RawResult>
  /** Kills the whole process group with SIGKILL; the first reason given wins. */
  kill(reason: StopReason): void
}

/**
 * Starts a process in its own process group (so a kill reaches everything it started), streams its
 * output as UTF-8 text split on character boundaries, keeps at most `maxOutputBytes` of each stream
 * and enforces the deadline. Rejects only when the process cannot be started at all, or when an
 * output callback throws (the process is then killed and the callback's error is the rejection).
 */
export async function startProcess(launch: Launch, opts: StartOpts): Promise<RunningProcess> {
  const started = Date.now()
  const child = spawn(launch.file, launch.args, {
    cwd: launch.cwd,
    env: launch.env,
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe', ...(launch.fds ?? []).map(() => 'pipe' as const)],
  })
  if (child.pid === undefined) {
    const error = await new Promise<Error>((resolve) => child.once('error', resolve))
    throw new AppError('unavailable', `could not start ${launch.file}: ${error.message}`, {
      cause: error,
      retryable: false,
    })
  }
  const pid = child.pid
  let stopReason: StopReason | undefined
  let truncated = false
  let callbackError: unknown

  const kill = (reason: StopReason) => {
    stopReason ??= reason
    try {
      process.kill(-pid, 'SIGKILL')
    } catch {
      // The group is already gone; the child itself may still need reaping.
      child.kill('SIGKILL')
    }
  }

  const collect = (stream: Readable, onText?: (data: string) => void) => {
    const chunks: Buffer[] = []
    const decoder = new StringDecoder('utf8')
    let kept = 0
    let full = false
    const emit = (text: string) => {
      if (!text || !onText || callbackError !== undefined) return
      try {
        onText(text)
      } catch (error) {
        callbackError = error
        kill('killed')
      }
    }
    stream.on('data', (chunk: Buffer) => {
      if (full) return
      const room = opts.maxOutputBytes - kept
      if (chunk.length > room) {
        full = true
        truncated = true
        chunk = chunk.subarray(0, room)
      }
      if (chunk.length > 0) {
        chunks.push(chunk)
        kept += chunk.length
        emit(decoder.write(chunk))
      }
      if (full) kill('output_limit')
    })
    // A cut stream may end inside a character: its partial bytes are dropped, not shown as U+FFFD.
    stream.on('end', () => {
      if (!full) emit(decoder.end())
    })
    return () => Buffer.concat(chunks)
  }

  const stdout = collect(child.stdout as Readable, opts.onStdout)
  const stderr = collect(child.stderr as Readable, opts.onStderr)

  const stdin = child.stdin as Writable
  stdin.on('error', () => {}) // EPIPE: the command did not read its input, which is its right.
  stdin.end(opts.stdin === undefined ? undefined : Buffer.from(opts.stdin))
  for (const [i, input] of (launch.fds ?? []).entries()) {
    const fd = child.stdio[3 + i] as Readable & Writable
    fd.on('error', () => {})
    fd.resume() // nothing is expected back, but the stream must flow to report its end
    fd.end(input)
  }

  const timer = opts.timeoutMs > 0 ? setTimeout(() => kill('timeout'), opts.timeoutMs).unref() : undefined

  // When the command itself exits, whatever it left running in its group goes with it (the local
  // provider's pid namespace does the same), so no stray process keeps the output pipes open.
  // A process that left the group (setsid) could hold the pipes open forever: once the command has
  // exited, its output gets a moment to drain and then the pipes are closed from this side.
  child.once('exit', () => {
    try {
      process.kill(-pid, 'SIGKILL')
    } catch {}
    setTimeout(() => {
      for (const stream of child.stdio) stream?.destroy()
    }, 1000).unref()
  })

  const ended = new Promise<RawResult>((resolve, reject) => {
    child.once('close', (code, signal) => {
      if (timer) clearTimeout(timer)
      if (callbackError !== undefined) return reject(callbackError)
      const signalNumber = signal ? (constants.signals[signal] ?? 0) : 0
      resolve({
        exitCode: code ?? (signal ? 128 + signalNumber : -1),
        stdout: stdout(),
        stderr: stderr(),
        error: stopReason,
        truncated,
        durationMs: Date.now() - started,
      })
    })
  })
  const done = launch.explainFailure ? ended.then((result) => explain(result, launch, opts)) : ended
  return { pid, done, kill }
}

/** Adds the launcher's explanation of a failure to the end of stderr (and to the live stream). */
async function explain(result: RawResult, launch: Launch, opts: StartOpts): Promise<RawResult> {
  if (result.exitCode === 0 && !result.error) return result
  const note = await launch.explainFailure?.(result).catch(() => undefined)
  if (!note) return result
  const text = `${result.stderr.length && result.stderr.at(-1) !== 0x0a ? '\n' : ''}${note}\n`
  try {
    opts.onStderr?.(text)
  } catch {}
  return { ...result, stderr: Buffer.concat([result.stderr, Buffer.from(text)]) }
}

/** Decodes kept output; a cut that fell inside a multi-byte character drops that character's bytes. */
export function decodeOutput(bytes: Buffer, truncated: boolean): string {
  return (truncated ? bytes.subarray(0, utf8Boundary(bytes)) : bytes).toString('utf8')
}

/** Length of the longest prefix of `bytes` that does not end inside a UTF-8 sequence. */
export function utf8Boundary(bytes: Uint8Array): number {
  const end = bytes.length
  for (let back = 1; back <= Math.min(4, end); back++) {
    const byte = bytes[end - back] as number
    if ((byte & 0b1100_0000) === 0b1000_0000) continue // continuation byte: keep looking for the lead
    const need = byte >= 0b1111_0000 ? 4 : byte >= 0b1110_0000 ? 3 : byte >= 0b1100_0000 ? 2 : 1
    return need > back ? end - back : end
  }
  return end
}
