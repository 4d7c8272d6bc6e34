import { and, eq, ne } from 'drizzle-orm'
import type { Db } from '../db/database.ts'
import { pullRequests, repositories } from '../db/schema.ts'
import { notFound } from '../domain/errors.ts'
import { newId } from '../domain/ids.ts'
import { appendEvent } from '../events/append-event.ts'
import type { MirroredPullRequest, PullRequestMirror } from '../forge/github/pull-request-mirror.ts'
import { type PullRequestRow, pullRequestEvent, toPullRequestDto } from './pull-request-dto.ts'

const sameList = (a: string[], b: string[]) => JSON.stringify(a) === JSON.stringify(b)

const unchanged = (row: PullRequestRow, pr: MirroredPullRequest) =>
  row.title === pr.title &&
  row.body === pr.body &&
  row.state === pr.state &&
  row.base === pr.base &&
  row.htmlUrl === pr.htmlUrl &&
  sameList(row.labels, pr.labels) &&
  sameList(row.reviewers, pr.reviewers)

/**
 * Records a pull request that lives on a forge (GitHub) in `pull_requests`, by its forge number:
 * inserted with `pull_request.opened`, or updated with `pull_request.updated` (`pull_request.merged`
 * when it became merged), in the same transaction. A row that is already the same writes nothing.
 *
 * The repository's row lock serialises writers of one repository.
 */
export async function mirrorForgePullRequest(options: {
  db: Db
  pullRequest: MirroredPullRequest
  baseUrl: string
}): Promise<void> {
  const { db, pullRequest: pr, baseUrl } = options
  await db.transaction(async (tx) => {
    const [repository] = await tx
      .select({ id: repositories.id, squadId: repositories.squadId })
      .from(repositories)
      .where(eq(repositories.id, pr.repo.id))
      .for('update')
    if (!repository) throw notFound('Repository', pr.repo.id)
    const [existing] = await tx
      .select()
      .from(pullRequests)
      .where(and(eq(pullRequests.repositoryId, repository.id), eq(pullRequests.number, pr.number)))
    // GitHub keeps one open pull request per head: an older open row of the same head (closed on
    // GitHub while this server did not look) is closed here, so the one-open-per-head index holds.
    const closeOthers = () =>
      tx
        .update(pullRequests)
        .set({ state: 'closed', updatedAt: new Date() })
        .where(
          and(
            eq(pullRequests.repositoryId, repository.id),
            eq(pullRequests.head, pr.head),
            eq(pullRequests.state, 'open'),
            ne(pullRequests.number, pr.number),
          ),
        )
    if (existing) {
      if (unchanged(existing, pr)) return
      if (pr.state === 'open' && existing.state !== 'open') await closeOthers()
      const merged = pr.state === 'merged' && existing.state !== 'merged'
      const [row] = await tx
        .update(pullRequests)
        .set({
          title: pr.title,
          body: pr.body,
          state: pr.state,
          base: pr.base,
          labels: pr.labels,
          reviewers: pr.reviewers,
          htmlUrl: pr.htmlUrl,
          taskId: existing.taskId ?? pr.taskId,
          executionId: pr.executionId ?? existing.executionId,
          ...(merged ? { mergeCommit: pr.mergeCommit ?? null, mergedAt: new Date() } : {}),
          updatedAt: new Date(),
        })
        .where(eq(pullRequests.id, existing.id))
        .returning()
      if (!row) throw new Error('update returned no row')
      await appendEvent(
        tx,
        pullRequestEvent(
          merged ? 'pull_request.merged' : 'pull_request.updated',
          toPullRequestDto(row, baseUrl),
        ),
      )
      return
    }
    if (pr.state === 'open') await closeOthers()
    const [row] = await tx
      .insert(pullRequests)
      .values({
        id: newId(),
        repositoryId: repository.id,
        squadId: repository.squadId,
        taskId: pr.taskId,
        executionId: pr.executionId,
        number: pr.number,
        title: pr.title,
        body: pr.body,
        head: pr.head,
        base: pr.base,
        state: pr.state,
        labels: pr.labels,
        reviewers: pr.reviewers,
        htmlUrl: pr.htmlUrl,
        mergeCommit: pr.mergeCommit ?? null,
        mergedAt: pr.state === 'merged' ? new Date() : null,
      })
      .returning()
    if (!row) throw new Error('insert returned no row')
    await appendEvent(tx, pullRequestEvent('pull_request.opened', toPullRequestDto(row, baseUrl)))
  })
}

/** The mirror the GitHub adapter is handed at composition: this server's `pull_requests` table. */
export const createPullRequestMirror = (options: { db: Db; baseUrl: () => string }): PullRequestMirror => ({
  save: (pullRequest) => mirrorForgePullRequest({ db: options.db, pullRequest, baseUrl: options.baseUrl() }),
})
