import { runReasons, stepNames } from '@agent-squad/contract'
import { Counter, Gauge, Histogram, type Registry } from 'prom-client'

/** An execution's end as the pipeline reports it (cleanup.ts's Outcome). */
const outcomes = ['succeeded', 'no_changes', 'failed', 'cancelled'] as const
const gitKinds = ['transient', 'permanent', 'diverged'] as const

/** One squad's queue, read from the database at scrape time. */
export type SquadQueue = { squad: string; queued: number; running: number; oldestQueuedSeconds: number }

export type ExecutionMetricsOptions = {
  /** Every squad's queue (squads with nothing queued included, as zeros). */
  readQueues?: () => Promise<SquadQueue[]>
  /** Executions this process's worker is running now. */
  workerRunning?: () => number
}

/**
 * The work: executions by outcome and run reason, step durations, the queue per squad, git failures
 * and retries, sandboxes. The squad label is the squad's id: a squad is made by a person, so the
 * label's values are bounded by the squads on the server (tens, not the thousands of tasks), and an
 * id never changes when the squad is renamed. Never a task's or an execution's id.
 */
export function createExecutionMetrics(registry: Registry, options: ExecutionMetricsOptions) {
  const registers = [registry]
  const finished = new Counter({
    name: 'squad_executions_finished_total',
    help: 'Executions that ended, by outcome and by why they ran (start, retry, plan, review, revision).',
    labelNames: ['outcome', 'reason'] as const,
    registers,
  })
  // Every pair exists from the start, so a rate over them is 0 (not "no data") until the first end.
  for (const outcome of outcomes) for (const reason of runReasons) finished.inc({ outcome, reason }, 0)
  const stepDuration = new Histogram({
    name: 'squad_execution_step_duration_seconds',
    help: 'Duration of one run of a pipeline step, by step and how it ended.',
    labelNames: ['step', 'status'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600],
    registers,
  })
  for (const step of stepNames) stepDuration.zero({ step, status: 'succeeded' })
  const queueWait = new Histogram({
    name: 'squad_queue_wait_seconds',
    help: 'Time from an execution being queued to a worker first claiming it, by squad (id).',
    labelNames: ['squad'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600],
    registers,
  })
  const queues: { at: number; value: Promise<SquadQueue[]> } = { at: 0, value: Promise.resolve([]) }
  // The three queue gauges are collected one after the other in one scrape: one query serves them.
  const readQueues = () => {
    if (!options.readQueues) return Promise.resolve([])
    if (Date.now() - queues.at > 500) queues.value = options.readQueues().catch(() => [])
    queues.at = Date.now()
    return queues.value
  }
  const queueGauge = (name: string, help: string, pick: (q: SquadQueue) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['squad'] as const,
      registers,
      async collect() {
        const rows = await readQueues()
        this.reset()
        for (const row of rows) this.set({ squad: row.squad }, pick(row))
      },
    })
  queueGauge(
    'squad_queue_depth',
    'Executions waiting for a worker, by squad (id); the same on every server.',
    (q) => q.queued,
  )
  queueGauge(
    'squad_queue_oldest_wait_seconds',
    'Age of the oldest execution still waiting for a worker, by squad (id); 0 when none waits.',
    (q) => q.oldestQueuedSeconds,
  )
  queueGauge('squad_executions_running', 'Executions running on any server, by squad (id).', (q) => q.running)
  new Gauge({
    name: 'squad_worker_executions_running',
    help: "Executions this process's worker is running now.",
    registers,
    collect() {
      this.set(options.workerRunning?.() ?? 0)
    },
  })
  const gitFailures = new Counter({
    name: 'squad_git_failures_total',
    help: 'Failed git commands of the pipeline, by operation (clone, push, …; "local" for a local command) and failure class.',
    labelNames: ['operation', 'kind'] as const,
    registers,
  })
  for (const kind of gitKinds) gitFailures.inc({ operation: 'push', kind }, 0)
  const gitRetries = new Counter({
    name: 'squad_git_retries_total',
    help: 'Git commands tried again after a transient failure, by operation.',
    labelNames: ['operation'] as const,
    registers,
  })
  gitRetries.inc({ operation: 'push' }, 0)
  return { finished, stepDuration, queueWait, gitFailures, gitRetries }
}

export type ExecutionMetrics = ReturnType<typeof createExecutionMetrics>
