import type { NetworkMode } from '@agent-squad/contract'
import type { Logger } from 'pino'
import type { AgentRuntime } from '../../agents/runtime/agent-runtime.ts'
import type { Db } from '../../db/database.ts'
import type { squadMembers } from '../../db/schema.ts'
import type { Forge, RepoRef } from '../../forge/forge.ts'
import type { Metrics } from '../../observability/metrics.ts'
import type { BlockedConnections } from '../../sandbox/blocked-connections.ts'
import type { SandboxProvider } from '../../sandbox/sandbox-provider.ts'
import type { Redactor } from '../../secrets/redactor.ts'
import type { SecretBox } from '../../secrets/secret-box.ts'

export type AgentRow = typeof squadMembers.$inferSelect

/** The figures the pipeline records (observability/metrics.ts). */
export type PipelineMetrics = Pick<Metrics, 'executions' | 'vendors' | 'sandboxes'>

/** What the pipeline needs from the outside world; built once in the composition root. */
export type PipelineDeps = {
  db: Db
  logger: Logger
  sandboxes: SandboxProvider
  forgeFor(repo: RepoRef): Forge
  /** The runtime for an agent; `null` means the task's script with no agent assigned. */
  agentFor(agent: AgentRow | null): AgentRuntime
  /** Knows every secret the server holds; each execution adds its own on a child. */
  redactor: Redactor
  /** Opens the squads' stored secrets (model keys) for the agent step; none are loaded without it. */
  secretBox?: SecretBox
  /** Refused connections of this server's sandboxes, by execution (see blocked-connections.ts). */
  blocked?: BlockedConnections
  /** The server's public base URL, for links back to a task's Work page from a forge (check runs). */
  publicUrl?(): string
  /** Where steps, ends, git failures, sandboxes and model usage are counted; nothing is without it. */
  metrics?: PipelineMetrics
  /** The server's data folder: the log shows paths inside it relative to it. */
  dataDir?: string
  /**
   * The agent CLIs `squad agents install` put there (`<toolchain>/agents`): every sandbox sees it
   * read-only at the same path, so an agent runs the very binary that was installed and tested.
   */
  toolchainDir?: string
  /** Where repository mirrors and base checkouts live (see git/workspace-cache.ts). */
  cacheRoot: string
  /** Where unpushed work is saved before a sandbox is destroyed. */
  patchesDir: string
  limits: {
    agentTimeoutMs: number
    gitTimeoutMs: number
    sandboxTimeoutMs: number
    keepFailedSandboxMs: number
    gitAttempts: number
    gitBaseDelayMs: number
  }
  defaults: { network: NetworkMode; reviewers: string[] }
}
