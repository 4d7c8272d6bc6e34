import type { Db } from '../db/database.ts'
import type { PullRequestRef } from '../forge/forge.ts'
import type { LocalPullRequestStore } from '../forge/local/local-forge.ts'
import { createPullRequest } from './create-pull-request.ts'
import { findOpenPullRequest } from './find-open-pull-request.ts'
import { type PullRequestRow, toPullRequestDto } from './pull-request-dto.ts'

const toRef = (
  row: Pick<PullRequestRow, 'number' | 'state' | 'head' | 'base' | 'title'>,
  url: string,
  created: boolean,
): PullRequestRef => ({
  number: row.number,
  url,
  state: row.state as PullRequestRef['state'],
  head: row.head,
  base: row.base,
  title: row.title,
  created,
})

/**
 * The local forge's pull requests live in this server's database: the store it is handed (so the
 * forge, a lower layer, does not reach up into the pull-request use cases).
 */
export function createLocalPullRequestStore(opts: { db: Db; baseUrl: () => string }): LocalPullRequestStore {
  return {
    async findOpen(repo, head) {
      const row = await findOpenPullRequest(opts.db, repo.id, head)
      return row ? toRef(row, toPullRequestDto(row, opts.baseUrl()).url, false) : null
    },
    async open(draft) {
      const { pullRequest, created } = await createPullRequest({
        db: opts.db,
        draft,
        baseUrl: opts.baseUrl(),
      })
      return toRef(pullRequest, pullRequest.url, created)
    },
  }
}
