import { join } from 'node:path'
import { networkModeOf } from '@agent-squad/contract'
import type { Logger } from 'pino'
import { createBuiltinAgent } from '../agents/runtime/builtin/builtin-agent.ts'
import { envFromConfig, isBuiltinProvider } from '../agents/runtime/builtin/provider.ts'
import { createCliAgents } from '../agents/runtime/cli/cli-agents.ts'
import { createScriptAgent } from '../agents/runtime/script/script-agent.ts'
import type { Config } from '../config.ts'
import type { Database } from '../db/database.ts'
import type { Forge, RepoRef } from '../forge/forge.ts'
import type { BlockedConnections } from '../sandbox/blocked-connections.ts'
import type { SandboxProvider } from '../sandbox/sandbox-provider.ts'
import type { Redactor } from '../secrets/redactor.ts'
import { secretBoxFromConfig } from '../secrets/secret-box.ts'
import type { PipelineDeps, PipelineMetrics } from './pipeline/pipeline-deps.ts'
import { createExecutionRunner } from './pipeline/run-execution.ts'
import { queueWaitSeconds } from './queue/queue-wait.ts'
import { type RunExecution, startWorker, type Worker } from './queue/worker.ts'
import { reapSandboxes } from './reap-sandboxes.ts'

export type Engine = {
  worker: Worker | null
  reapNow(): Promise<{ killed: string[] }>
  stop(): Promise<void>
}

export type EngineOptions = {
  config: Config
  database: Database
  logger: Logger
  sandboxes: SandboxProvider
  /** Where the sandbox provider reports refused connections (the runner tells the execution). */
  blocked?: BlockedConnections
  forgeFor(repo: RepoRef): Forge
  /** The server's public base URL, for links back to its pages from a forge (check runs). */
  publicUrl?: () => string
  redactor: Redactor
  /** Where the pipeline, the queue and the reaper record their figures (none are recorded without). */
  metrics?: PipelineMetrics
  /** Overrides for tests (fast retries, short leases). */
  tuning?: Partial<PipelineDeps['limits']> & { leaseMs?: number; pollMs?: number; reapIntervalMs?: number }
}

/**
 * Starts what runs executions: the pipeline's dependencies, the queue worker (unless SQUAD_WORKER is
 * off) and the periodic sandbox reaper.
 */
export async function startEngine(options: EngineOptions): Promise<Engine> {
  const { config, database, logger, metrics, tuning = {} } = options
  const script = createScriptAgent()
  // Agent CLIs (claude-code, codex, opencode, aider, gemini-cli); model keys come from this environment
  // and stay on the host: the CLIs reach their model through the model proxy, under the same limits.
  const cliAgentFor = createCliAgents({
    env: process.env,
    toolchainDir: config.toolchainDir,
    modelProxy: {
      limits: { maxSteps: config.SQUAD_AGENT_MAX_STEPS, maxTokens: config.SQUAD_AGENT_MAX_TOKENS },
    },
  })
  // The built-in LLM agent (openai, anthropic, openai-compatible): keys and base URLs from the config.
  const builtin = createBuiltinAgent({
    env: envFromConfig(config),
    limits: { maxSteps: config.SQUAD_AGENT_MAX_STEPS, maxTokens: config.SQUAD_AGENT_MAX_TOKENS },
    ...(metrics ? { onModelCall: metrics.vendors.observeCall } : {}),
  })
  const deps: PipelineDeps = {
    db: database.db,
    logger,
    sandboxes: options.sandboxes,
    ...(options.blocked ? { blocked: options.blocked } : {}),
    forgeFor: options.forgeFor,
    ...(options.publicUrl ? { publicUrl: options.publicUrl } : {}),
    // An agent CLI by its llm_provider, else the built-in tool loop for model providers, else the task's script.
    agentFor: (agent) =>
      cliAgentFor(agent) ?? (agent && isBuiltinProvider(agent.llmProvider) ? builtin : script),
    redactor: options.redactor,
    ...(metrics ? { metrics } : {}),
    secretBox: secretBoxFromConfig(config),
    dataDir: config.dataDir,
    toolchainDir: config.toolchainDir,
    cacheRoot: join(config.dataDir, 'cache', 'repos'),
    patchesDir: join(config.dataDir, 'patches'),
    limits: {
      agentTimeoutMs: config.SQUAD_AGENT_TIMEOUT_MS,
      gitTimeoutMs: 10 * 60_000,
      sandboxTimeoutMs: config.SQUAD_AGENT_TIMEOUT_MS + 30 * 60_000,
      keepFailedSandboxMs: config.SQUAD_KEEP_FAILED_SANDBOX_MINUTES * 60_000,
      gitAttempts: 4,
      gitBaseDelayMs: 500,
      ...tuning,
    },
    defaults: { network: networkModeOf(config.SQUAD_NETWORK), reviewers: [] },
  }
  const reapNow = () =>
    reapSandboxes({
      db: database.db,
      provider: options.sandboxes,
      logger,
      ...(metrics ? { onPass: metrics.sandboxes.reaped } : {}),
    })
  const leaseMs = tuning.leaseMs ?? config.SQUAD_LEASE_MS
  const runner = createExecutionRunner(deps)
  const run: RunExecution = (row, signal) => {
    const waited = queueWaitSeconds(row, leaseMs)
    if (waited !== null) metrics?.executions.queueWait.observe({ squad: row.squadId }, waited)
    return runner(row, signal)
  }
  await reapNow().catch((error) => logger.warn({ err: error }, 'initial sandbox reap failed'))
  const worker = config.SQUAD_WORKER
    ? await startWorker({
        database,
        logger,
        run,
        concurrency: config.SQUAD_MAX_CONCURRENCY,
        defaultSquadConcurrency: config.SQUAD_SQUAD_CONCURRENCY,
        leaseMs,
        ...(tuning.pollMs ? { pollMs: tuning.pollMs } : {}),
      })
    : null
  const reaper = setInterval(
    () => void reapNow().catch((error) => logger.warn({ err: error }, 'sandbox reap failed')),
    tuning.reapIntervalMs ?? 60_000,
  )
  reaper.unref()
  return {
    worker,
    reapNow,
    async stop() {
      clearInterval(reaper)
      await worker?.stop()
    },
  }
}
