import { and, desc, eq, like } from 'drizzle-orm'
import type { Executor } from '../db/database.ts'
import { pullRequests, taskExecutions, tasks } from '../db/schema.ts'
import type { TaskRow } from '../tasks/find-owned-task.ts'
import { branchTaskOf } from './branch-task.ts'

/**
 * The task a forge's pull request belongs to: the mirrored `pull_requests` row's task, else the
 * task its head branch names (`task-{n}`, the one branch-naming rule) in the repository, else the
 * task whose run recorded the pull request's URL (a comment's payload has no head branch). A
 * chained subtask's pull request is its parent's, the branch's task.
 */
export async function findPullRequestTask(
  tx: Executor,
  repo: { id: string; squadId: string },
  pr: { number: number; head?: string | null },
): Promise<TaskRow | null> {
  const [mirrored] = await tx
    .select({ task: tasks })
    .from(pullRequests)
    .innerJoin(tasks, eq(tasks.id, pullRequests.taskId))
    .where(and(eq(pullRequests.repositoryId, repo.id), eq(pullRequests.number, pr.number)))
  if (mirrored) return mirrored.task
  const branch = pr.head ? /^task-([1-9]\d{0,8})$/.exec(pr.head) : null
  if (branch) {
    const [named] = await tx
      .select()
      .from(tasks)
      .where(
        and(
          eq(tasks.squadId, repo.squadId),
          eq(tasks.number, Number(branch[1])),
          eq(tasks.repositoryId, repo.id),
        ),
      )
    if (named) return named
  }
  const [ran] = await tx
    .select({ task: tasks })
    .from(taskExecutions)
    .innerJoin(tasks, eq(tasks.id, taskExecutions.taskId))
    .where(and(eq(tasks.repositoryId, repo.id), like(taskExecutions.pullRequestUrl, `%/pull/${pr.number}`)))
    .orderBy(desc(taskExecutions.queuedAt))
    .limit(1)
  return ran ? branchTaskOf(tx, ran.task) : null
}
