import type { PullRequest, UpdatePullRequestBody } from '@agent-squad/contract'
import { eq } from 'drizzle-orm'
import type { AuthUser } from '../auth/auth-user.ts'
import type { Db } from '../db/database.ts'
import { pullRequests } from '../db/schema.ts'
import { conflict } from '../domain/errors.ts'
import { appendEvent } from '../events/append-event.ts'
import { isUniqueViolation } from '../repositories/unique-violation.ts'
import { findOwnedPullRequest } from './find-owned-pull-request.ts'
import { pullRequestEvent, toPullRequestDto } from './pull-request-dto.ts'

/**
 * Closes or reopens a pull request and/or changes its title and body. A merged pull request keeps
 * its state (409 on a state change); reopening while the head has another open one is a 409 too.
 */
export async function updatePullRequest(options: {
  db: Db
  user: AuthUser
  repositoryId: string
  number: number
  input: UpdatePullRequestBody
  baseUrl: string
}): Promise<PullRequest> {
  const { db, user, repositoryId, number, input, baseUrl } = options
  try {
    return await db.transaction(async (tx) => {
      const { pullRequest: current } = await findOwnedPullRequest(tx, user, repositoryId, number, {
        lock: true,
      })
      if (current.state === 'merged' && input.state !== undefined)
        throw conflict(`Pull request #${number} is merged: it can no longer be closed or reopened`)
      const next = {
        state: input.state ?? current.state,
        title: input.title ?? current.title,
        body: input.body ?? current.body,
      }
      if (next.state === current.state && next.title === current.title && next.body === current.body)
        return toPullRequestDto(current, baseUrl)
      const [row] = await tx
        .update(pullRequests)
        .set({ ...next, updatedAt: new Date() })
        .where(eq(pullRequests.id, current.id))
        .returning()
      if (!row) throw new Error('update returned no row')
      const pullRequest = toPullRequestDto(row, baseUrl)
      await appendEvent(tx, pullRequestEvent('pull_request.updated', pullRequest))
      return pullRequest
    })
  } catch (error) {
    if (isUniqueViolation(error, 'pull_requests_open_head_idx'))
      throw conflict(
        `Another pull request of the same head branch is open: close it before reopening #${number}`,
      )
    throw error
  }
}
