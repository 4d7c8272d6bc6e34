import { networkModeOf, type SquadConfig, type StepName } from '@agent-squad/contract'
import { and, eq } from 'drizzle-orm'
import { repositories, squadMembers, squads, tasks } from '../../db/schema.ts'
import type { Forge, GitCredentials, RepoRef } from '../../forge/forge.ts'
import { secretsOf } from '../../git/credentials.ts'
import { repoRefOf } from '../../repositories/repo-ref.ts'
import { networkPolicyOf } from '../../sandbox/network-policy.ts'
import type { Redactor } from '../../secrets/redactor.ts'
import type { ExecutionRow } from '../find-owned-execution.ts'
import type { ExecutionContext, StepResult } from './execution-context.ts'
import { createExecutionStore } from './execution-store.ts'
import { createLogWriter } from './log-writer.ts'
import type { PipelineDeps } from './pipeline-deps.ts'

/** A credential this close to its expiry is replaced before a git command gets it. */
export const CREDENTIAL_REFRESH_MS = 5 * 60_000

/**
 * One set of credentials per run, however many git commands need them (a forge may mint a token
 * each time), until it nears its expiry: then a fresh one (a GitHub App's installation token lasts an
 * hour; a run can last longer). Every credential the run is given joins its redactor first, so a
 * resumed run, which skips the step that first asked, still hides it.
 */
export function withRunCredentials(forge: Forge, redactor: Redactor, now = () => Date.now()): Forge {
  let cached: { value: GitCredentials } | null = null
  let pending: Promise<GitCredentials> | null = null
  const fresh = (credentials: GitCredentials) =>
    !credentials?.expiresAt || credentials.expiresAt.getTime() - now() > CREDENTIAL_REFRESH_MS
  return {
    ...forge,
    credentials: async (repo, purpose) => {
      if (cached && fresh(cached.value)) return cached.value
      pending ??= forge
        .credentials(repo, purpose)
        .then((credentials) => {
          for (const secret of secretsOf(credentials)) redactor.add(secret)
          cached = { value: credentials }
          return credentials
        })
        .finally(() => {
          pending = null
        })
      return pending
    },
  }
}

/** Reads what a run needs (task, repository, agent, squad settings, finished steps) into a context. */
export async function loadContext(deps: PipelineDeps, execution: ExecutionRow, signal: AbortSignal) {
  const db = deps.db
  const [task] = await db.select().from(tasks).where(eq(tasks.id, execution.taskId))
  if (!task) throw new Error(`task ${execution.taskId} of execution ${execution.id} is gone`)
  const [squad] = await db.select().from(squads).where(eq(squads.id, execution.squadId))
  // The task whose branch this run works on: itself, or a chain's parent (the branch names it).
  const branchNumber = Number(/^task-(\d+)$/.exec(execution.gitBranch ?? '')?.[1] ?? task.number)
  const [branchTask = task] =
    branchNumber === task.number
      ? [task]
      : await db
          .select()
          .from(tasks)
          .where(and(eq(tasks.squadId, task.squadId), eq(tasks.number, branchNumber)))
  if (!task.repositoryId) throw new Error('the task has no repository')
  const [repoRow] = await db.select().from(repositories).where(eq(repositories.id, task.repositoryId))
  if (!repoRow) throw new Error('the task repository is gone')
  const [agent] = execution.agentId
    ? await db.select().from(squadMembers).where(eq(squadMembers.id, execution.agentId))
    : []
  const repo: RepoRef = repoRefOf(repoRow)
  const squadConfig = (squad?.config ?? {}) as SquadConfig
  const ids = { executionId: execution.id, squadId: execution.squadId, taskId: execution.taskId }
  const store = createExecutionStore(db, ids)
  const redactor = deps.redactor.child()
  const log = createLogWriter({
    db,
    scope: ids,
    redactor,
    ...(deps.dataDir ? { dataDir: deps.dataDir } : {}),
    onError: (error) =>
      deps.logger.error({ err: error, execution: execution.id }, 'writing log events failed'),
  })
  const results: Partial<Record<StepName, StepResult>> = {}
  const steps = await store.steps()
  for (const step of steps)
    if (step.status === 'succeeded' && step.result) results[step.name as StepName] = step.result
  const networkSetting = execution.options.network ?? squadConfig.network
  const networkMode = networkSetting ? networkModeOf(networkSetting) : deps.defaults.network
  const context: ExecutionContext = {
    deps,
    execution,
    task,
    branchTask,
    repo,
    forge: withRunCredentials(deps.forgeFor(repo), redactor),
    agent: agent ?? null,
    squadConfig,
    store,
    log,
    redactor,
    signal,
    results,
    sandbox: null,
    network: networkPolicyOf(networkMode, squadConfig.network_allowlist),
  }
  return { context, steps }
}
