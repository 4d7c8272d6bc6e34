import { and, eq, inArray, sql } from 'drizzle-orm'
import type { Logger } from 'pino'
import type { Db } from '../db/database.ts'
import { repositories, secrets } from '../db/schema.ts'
import type { Forge, RepoRef } from '../forge/forge.ts'
import { repoRefOf } from '../repositories/repo-ref.ts'
import type { RepositoryRow } from '../repositories/repository-dto.ts'
import { applyForgeEvent } from '../workflow/apply-forge-event.ts'
import { GITHUB_WEBHOOK_SECRET_NAME } from './receive-github-webhook.ts'

/** Where a repository keeps the poller's cursor: its `config` (no table of its own for one string). */
export const POLL_CURSOR_KEY = 'github_poll_cursor'

export type PollScope = 'all' | 'unhooked'

/** The GitHub repositories to poll: all of them, or those no webhook secret covers. */
async function repositoriesToPoll(db: Db, scope: PollScope): Promise<RepositoryRow[]> {
  const rows = await db.select().from(repositories).where(eq(repositories.kind, 'github'))
  if (scope === 'all' || !rows.length) return rows
  const hooked = await db
    .select({ squadId: secrets.squadId })
    .from(secrets)
    .where(
      and(
        eq(secrets.name, GITHUB_WEBHOOK_SECRET_NAME),
        inArray(secrets.squadId, [...new Set(rows.map((r) => r.squadId))]),
      ),
    )
  const covered = new Set(hooked.map((h) => h.squadId))
  return rows.filter((r) => !covered.has(r.squadId))
}

const cursorOf = (row: RepositoryRow) => {
  const value = row.config[POLL_CURSOR_KEY]
  return typeof value === 'string' ? value : null
}

/**
 * One pass of the poller: asks each GitHub repository's forge what happened since its cursor and
 * applies every event through the same use case as a webhook delivery, keyed by repository and
 * event id, so an event seen by two polls acts once. The cursor is saved after all of a
 * repository's events are applied: a pass that fails half-way asks again, and what was applied is
 * found already recorded. One repository failing (GitHub down, a revoked token) does not stop the others.
 */
export async function pollGitHubEvents(options: {
  db: Db
  forgeFor: (repo: RepoRef) => Forge
  webBaseUrl: string
  scope: PollScope
  logger?: Logger
}): Promise<{ polled: number; applied: number; failed: number }> {
  const { db } = options
  let polled = 0
  let applied = 0
  let failed = 0
  for (const repository of await repositoriesToPoll(db, options.scope)) {
    const repo = repoRefOf(repository)
    const forge = options.forgeFor(repo)
    if (!forge.pollEvents) continue
    polled++
    try {
      const { events, cursor } = await forge.pollEvents(repo, cursorOf(repository))
      for (const event of events) {
        const result = await applyForgeEvent({
          db,
          key: `github-poll:${repository.id}:${event.id}`,
          source: 'github-poll',
          eventName: event.kind,
          event,
          targets: [{ repository, forge }],
          webBaseUrl: options.webBaseUrl,
        })
        if (!result.duplicate) applied++
        options.logger?.debug({ repository: repository.id, event: event.id, ...result }, 'polled forge event')
      }
      if (cursor !== cursorOf(repository))
        await db
          .update(repositories)
          .set({
            config: sql`${repositories.config} || ${JSON.stringify({ [POLL_CURSOR_KEY]: cursor })}::jsonb`,
          })
          .where(eq(repositories.id, repository.id))
    } catch (err) {
      failed++
      options.logger?.warn(
        { err, repository: repository.id },
        'polling GitHub failed; trying again next time',
      )
    }
  }
  return { polled, applied, failed }
}
