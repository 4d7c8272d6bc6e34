import { Code, ConnectError, type HandlerContext } from '@connectrpc/connect'
import type { FakeProcess, ProcessConfig, ProcessEvent } from './process-table.ts'
import type { FakeSandbox } from './sandboxes.ts'

// envd's process.Process service (spec/envd/process/process.proto) over the fake sandbox's process
// table. Like envd, a process outlives the stream that started it (a client may disconnect and
// Connect again later), and the request's deadline (connect-timeout-ms, the SDK's `timeoutMs`) kills it.

type Selector = { process?: { selector: { case: 'pid'; value: number } | { case: 'tag'; value: string } } }
type StartRequest = {
  process?: { cmd: string; args: string[]; envs: Record<string, string>; cwd?: string }
  pty?: unknown
  tag?: string
  stdin?: boolean
}

export type SandboxOf = (context: HandlerContext) => FakeSandbox

const startEvent = (pid: number) => ({ event: { event: { case: 'start', value: { pid } } } })

export function processServiceImpl(sandboxOf: SandboxOf) {
  const find = (context: HandlerContext, req: Selector): FakeProcess => {
    const { processes } = sandboxOf(context)
    const selector = req.process?.selector
    const found =
      selector?.case === 'pid'
        ? processes.get(selector.value)
        : selector?.case === 'tag'
          ? processes.byTag(selector.value)
          : undefined
    if (!found || found.ended) throw new ConnectError(`process ${selector?.value} not found`, Code.NotFound)
    return found
  }

  return {
    list(_req: unknown, context: HandlerContext) {
      return {
        processes: sandboxOf(context)
          .processes.running()
          .map((p) => ({ pid: p.pid, config: p.config, ...(p.tag ? { tag: p.tag } : {}) })),
      }
    },

    async *start(req: StartRequest, context: HandlerContext) {
      const sandbox = sandboxOf(context)
      if (req.pty) throw new ConnectError('the fake envd has no PTY', Code.Unimplemented)
      if (!req.process?.cmd) throw new ConnectError('process.cmd is required', Code.InvalidArgument)
      const config: ProcessConfig = {
        cmd: req.process.cmd,
        args: [...req.process.args],
        envs: { ...req.process.envs },
        ...(req.process.cwd ? { cwd: req.process.cwd } : {}),
      }
      const proc = await sandbox.processes
        .start(config, { stdin: req.stdin ?? true, ...(req.tag ? { tag: req.tag } : {}) })
        .catch((error: unknown) => {
          throw new ConnectError(`could not start ${config.cmd}: ${messageOf(error)}`, Code.Unknown)
        })
      // envd runs the process under the request's deadline, never under the request itself.
      const timeoutMs = context.timeoutMs()
      const deadline =
        timeoutMs !== undefined && timeoutMs > 0
          ? setTimeout(() => void proc.kill().catch(() => {}), timeoutMs).unref()
          : undefined
      try {
        yield startEvent(proc.pid)
        yield* follow(proc, context)
      } finally {
        if (proc.ended) clearTimeout(deadline)
      }
    },

    async *connect(req: Selector, context: HandlerContext) {
      const proc = find(context, req)
      yield startEvent(proc.pid)
      yield* follow(proc, context)
    },

    async sendInput(
      req: Selector & { input?: { input: { case: string; value: Uint8Array } } },
      context: HandlerContext,
    ) {
      const proc = find(context, req)
      if (req.input?.input.case !== 'stdin')
        throw new ConnectError('the fake envd has no PTY input', Code.Unimplemented)
      await proc.sendStdin(req.input.input.value).catch((error: unknown) => {
        throw new ConnectError(`stdin of ${proc.pid}: ${messageOf(error)}`, Code.FailedPrecondition)
      })
      return {}
    },

    async closeStdin(req: Selector, context: HandlerContext) {
      await find(context, req).closeStdin()
      return {}
    },

    async sendSignal(req: Selector & { signal?: number }, context: HandlerContext) {
      const proc = find(context, req)
      // SIGTERM and SIGKILL both end the whole process group at once: the local port kills with SIGKILL.
      if (req.signal !== 9 && req.signal !== 15)
        throw new ConnectError(`unsupported signal ${req.signal}`, Code.InvalidArgument)
      await proc.kill()
      return {}
    },

    update() {
      throw new ConnectError('the fake envd has no PTY', Code.Unimplemented)
    },
  }
}

/** The process's events as stream messages, until it ends or the client goes away. */
async function* follow(proc: FakeProcess, context: HandlerContext) {
  const queue: ProcessEvent[] = []
  let wake: (() => void) | undefined
  const unsubscribe = proc.subscribe((event) => {
    queue.push(event)
    wake?.()
  })
  const onAbort = () => wake?.()
  context.signal.addEventListener('abort', onAbort)
  try {
    if (proc.ended && queue.length === 0) queue.push({ kind: 'end', end: proc.ended })
    for (;;) {
      const event = queue.shift()
      if (!event) {
        if (context.signal.aborted) return
        await new Promise<void>((resolve) => {
          wake = resolve
        })
        wake = undefined
        continue
      }
      if (event.kind === 'end') {
        yield { event: { event: { case: 'end', value: event.end } } }
        return
      }
      yield { event: { event: { case: 'data', value: { output: { case: event.kind, value: event.data } } } } }
    }
  } finally {
    unsubscribe()
    context.signal.removeEventListener('abort', onAbort)
  }
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error))
