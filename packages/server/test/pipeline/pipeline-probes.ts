import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readdir, readFile, readlink } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { type ExecutionWithSteps, PullRequest, type StreamEvent } from '@agent-squad/contract'
import { openSse } from '../helpers/sse-client.ts'
import { skipReason } from '../helpers/test-db.ts'
import type { TestServer } from '../helpers/test-server.ts'

/*
 * Probes for the pipeline's robustness tests (crash recovery, concurrency, runaway scripts, cancel):
 * what is left on the host after an execution (processes, sandbox folders), and what its event
 * stream says. Everything here only observes; nothing changes the server under test.
 */

const hasBwrap = await promisify(execFile)('bwrap', ['--version']).then(
  () => true,
  () => false,
)

/** Why the pipeline tests of this file cannot run here, or null. */
export const pipelineSkip: string | null =
  skipReason ?? (hasBwrap ? null : 'bubblewrap is not installed (apt-get install bubblewrap)')

export const finishedStatuses = new Set(['succeeded', 'failed', 'cancelled', 'no_changes'])

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * A word to put in a task's script (`export SQUAD_PROBE=<marker>; …`) so that every process the
 * script starts can be found on the host: the shell carries it in its command line, its children in
 * their environment, and bwrap (which runs the shell) in its own command line.
 */
export const newMarker = (label: string) => `probe-${label}-${randomBytes(6).toString('hex')}`

export type HostProcess = { pid: number; uid: number; command: string }

/**
 * Processes on this host that belong to a marked script, or (with `within`) that work in a folder:
 * a data folder holds the host side of its sandboxes (bwrap runs in the sandbox's folder) and the
 * server's own git commands (in its repository cache). Sandboxes of other servers never match,
 * which a scan by uid could not promise: once a sandbox is gone, another test's server on this host
 * may get its uid. Reading another uid's environment needs root, as the local sandbox does.
 */
export async function markedProcesses(
  marker: string,
  options: { within?: string } = {},
): Promise<HostProcess[]> {
  const found: HostProcess[] = []
  const names = (await readdir('/proc').catch(() => [] as string[])).filter((name) => /^\d+$/.test(name))
  const within = options.within
  await Promise.all(
    names.map(async (name) => {
      const pid = Number(name)
      if (pid === process.pid) return
      const read = (file: string) => readFile(`/proc/${name}/${file}`, 'utf8').catch(() => '')
      const [cmdline, environ, status] = await Promise.all([read('cmdline'), read('environ'), read('status')])
      const cwd = within ? await readlink(`/proc/${name}/cwd`).catch(() => '') : ''
      const inside = within !== undefined && (cwd === within || cwd.startsWith(`${within}/`))
      if (!cmdline.includes(marker) && !environ.includes(marker) && !inside) return
      const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1] ?? -1)
      found.push({ pid, uid, command: cmdline.split('\0').join(' ').trim().slice(0, 200) })
    }),
  )
  return found.sort((a, b) => a.pid - b.pid)
}

/** Waits until no marked process is left; answers those still there after `timeoutMs`. */
export async function leftoverProcesses(
  marker: string,
  timeoutMs = 3000,
  options: { within?: string } = {},
): Promise<HostProcess[]> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const left = await markedProcesses(marker, options)
    if (left.length === 0 || Date.now() > deadline) return left
    await sleep(100)
  }
}

/** Waits until `predicate` holds for the marked processes (e.g. "five sleeps are running"). */
export async function waitForProcesses(
  marker: string,
  predicate: (found: HostProcess[]) => boolean,
  timeoutMs = 60_000,
): Promise<HostProcess[]> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const found = await markedProcesses(marker)
    if (predicate(found)) return found
    if (Date.now() > deadline)
      throw new Error(`marked processes never matched; found ${JSON.stringify(found, null, 2)}`)
    await sleep(100)
  }
}

/** Sandbox folders (`sbx-…`) under a data folder's local sandbox root. */
export async function sandboxFolders(dataDir: string): Promise<string[]> {
  const names = await readdir(join(dataDir, 'sandboxes', 'local')).catch(() => [] as string[])
  return names.filter((name) => name.startsWith('sbx-')).sort()
}

/** Whether the sandbox an execution ran in is gone from the data folder (or it never had one). */
export async function sandboxGone(dataDir: string, execution: ExecutionWithSteps): Promise<boolean> {
  const sandboxId = execution.steps.find((step) => step.name === 'provision')?.result?.sandbox_id
  return !(await sandboxFolders(dataDir)).includes(String(sandboxId))
}

/** The pull requests of a repository (all states, first page is plenty here). */
export async function pullsOf(server: Pick<TestServer, 'request'>, repoId: string): Promise<PullRequest[]> {
  const res = await server.request('GET', `/api/v1/repositories/${repoId}/pulls?limit=500`)
  if (res.status !== 200) throw new Error(`list pulls: ${res.status} ${JSON.stringify(res.json)}`)
  return (res.json as { items: unknown[] }).items.map((item) => PullRequest.parse(item))
}

/**
 * The execution's stream replayed from the start (`last_event_id=0`), read until the
 * `execution.updated` that carries a final status. Rejects after `timeoutMs`.
 */
export async function replayExecutionStream(
  baseUrl: string,
  executionId: string,
  timeoutMs = 15_000,
): Promise<StreamEvent[]> {
  const client = await openSse(`${baseUrl}/api/v1/sse/executions/${executionId}?last_event_id=0`)
  if (client.status !== 200) throw new Error(`SSE answered ${client.status}: ${JSON.stringify(client.json)}`)
  try {
    await client.waitFor(
      (message) => {
        if (message.event !== 'execution.updated') return false
        const status = (JSON.parse(message.data) as { payload: { status: string } }).payload.status
        return finishedStatuses.has(status)
      },
      { timeoutMs },
    )
    return [...client.events]
  } finally {
    client.abort()
  }
}

/** The text of an event list's `log` events, in order. */
export const logText = (events: StreamEvent[]) =>
  events.map((event) => (event.type === 'log' ? event.payload.text : '')).join('')
