import type { Logger } from 'pino'
import type { Config } from '../config.ts'
import type { Db } from '../db/database.ts'
import type { Forge, RepoRef } from '../forge/forge.ts'
import { type PollScope, pollGitHubEvents } from './poll-github-events.ts'

/** How often the poller runs when SQUAD_GITHUB_POLL_SECONDS is unset. */
export const DEFAULT_POLL_SECONDS = 60

/**
 * What SQUAD_GITHUB_POLL_SECONDS asks for. `0`: off. A number: every GitHub repository, that
 * often. Unset: every minute, only the repositories no webhook secret covers, so a server that
 * webhooks reach does not also poll (with the server-wide secret set, that is none: off).
 */
export function pollPlanOf(
  config: Pick<Config, 'SQUAD_GITHUB_POLL_SECONDS' | 'SQUAD_GITHUB_WEBHOOK_SECRET'>,
): { intervalMs: number; scope: PollScope } | null {
  const seconds = config.SQUAD_GITHUB_POLL_SECONDS
  if (seconds === 0) return null
  if (seconds !== undefined) return { intervalMs: seconds * 1000, scope: 'all' }
  if (config.SQUAD_GITHUB_WEBHOOK_SECRET) return null
  return { intervalMs: DEFAULT_POLL_SECONDS * 1000, scope: 'unhooked' }
}

export type GitHubPoller = { stop(): Promise<void> }

/** Runs a poll pass every interval (the next one is timed from the end of the last) until stopped. */
export function startGitHubPoller(options: {
  config: Pick<Config, 'SQUAD_GITHUB_POLL_SECONDS' | 'SQUAD_GITHUB_WEBHOOK_SECRET'>
  db: Db
  forgeFor: (repo: RepoRef) => Forge
  webBaseUrl: () => string
  logger: Logger
}): GitHubPoller {
  const plan = pollPlanOf(options.config)
  if (!plan) return { stop: async () => {} }
  let stopped = false
  let running: Promise<unknown> = Promise.resolve()
  let timer: NodeJS.Timeout | undefined
  const schedule = () => {
    timer = setTimeout(() => {
      running = pollGitHubEvents({
        db: options.db,
        forgeFor: options.forgeFor,
        webBaseUrl: options.webBaseUrl(),
        scope: plan.scope,
        logger: options.logger,
      })
        .catch((err) => options.logger.error({ err }, 'GitHub poll pass failed'))
        .finally(() => {
          if (!stopped) schedule()
        })
    }, plan.intervalMs)
    timer.unref()
  }
  schedule()
  return {
    async stop() {
      stopped = true
      clearTimeout(timer)
      await running
    },
  }
}
