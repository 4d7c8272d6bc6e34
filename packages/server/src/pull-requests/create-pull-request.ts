import type { PullRequest } from '@agent-squad/contract'
import { eq, max } from 'drizzle-orm'
import type { Db } from '../db/database.ts'
import { pullRequests, repositories } from '../db/schema.ts'
import { AppError, notFound } from '../domain/errors.ts'
import { newId } from '../domain/ids.ts'
import { appendEvent } from '../events/append-event.ts'
import type { PullRequestDraft } from '../forge/forge.ts'
import { isUniqueViolation } from '../repositories/unique-violation.ts'
import { findOpenPullRequest } from './find-open-pull-request.ts'
import { pullRequestEvent, toPullRequestDto } from './pull-request-dto.ts'

const sameList = (a: string[], b: string[]) => JSON.stringify(a) === JSON.stringify(b)

/**
 * Opens a pull request on the local forge, or, when the head already has an open one, updates that
 * one's title, body, labels and reviewers (`created: false`). Used by the pipeline, which has
 * already checked who may do this, so there is no user here.
 *
 * Numbers are `max + 1` per repository under the repository's row lock, which also serialises
 * concurrent calls for the same head. The partial unique index (one open PR per head) is the
 * backstop for writers that do not take that lock (a reopen): on its violation the call starts over
 * and finds the winner's pull request.
 */
export async function createPullRequest(options: {
  db: Db
  draft: PullRequestDraft
  baseUrl: string
}): Promise<{ pullRequest: PullRequest; created: boolean }> {
  const { db, draft, baseUrl } = options
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction(async (tx) => {
        const [repository] = await tx
          .select({ id: repositories.id, squadId: repositories.squadId, kind: repositories.kind })
          .from(repositories)
          .where(eq(repositories.id, draft.repo.id))
          .for('update')
        if (!repository) throw notFound('Repository', draft.repo.id)
        if (repository.kind !== 'local')
          throw new AppError('bad_request', 'Pull requests of a remote repository live on its own forge')

        const existing = await findOpenPullRequest(tx, repository.id, draft.head)
        if (existing) {
          const unchanged =
            existing.title === draft.title &&
            existing.body === draft.body &&
            sameList(existing.labels, draft.labels) &&
            sameList(existing.reviewers, draft.reviewers)
          if (unchanged) return { pullRequest: toPullRequestDto(existing, baseUrl), created: false }
          const [row] = await tx
            .update(pullRequests)
            .set({
              title: draft.title,
              body: draft.body,
              labels: draft.labels,
              reviewers: draft.reviewers,
              updatedAt: new Date(),
            })
            .where(eq(pullRequests.id, existing.id))
            .returning()
          if (!row) throw new Error('update returned no row')
          const pullRequest = toPullRequestDto(row, baseUrl)
          await appendEvent(tx, pullRequestEvent('pull_request.updated', pullRequest))
          return { pullRequest, created: false }
        }

        const [last] = await tx
          .select({ number: max(pullRequests.number) })
          .from(pullRequests)
          .where(eq(pullRequests.repositoryId, repository.id))
        const [row] = await tx
          .insert(pullRequests)
          .values({
            id: newId(),
            repositoryId: repository.id,
            squadId: repository.squadId,
            taskId: draft.taskId ?? null,
            executionId: draft.executionId ?? null,
            number: (last?.number ?? 0) + 1,
            title: draft.title,
            body: draft.body,
            head: draft.head,
            base: draft.base,
            labels: draft.labels,
            reviewers: draft.reviewers,
          })
          .returning()
        if (!row) throw new Error('insert returned no row')
        const pullRequest = toPullRequestDto(row, baseUrl)
        await appendEvent(tx, pullRequestEvent('pull_request.opened', pullRequest))
        return { pullRequest, created: true }
      })
    } catch (error) {
      if (attempt < 3 && isUniqueViolation(error)) continue
      throw error
    }
  }
}
