import type { Executor } from '../db/database.ts'
import type { NewEvent } from '../events/append-event.ts'
import { moveTaskToColumn } from '../tasks/move-task-to-column.ts'
import { rollUpParent } from './roll-up-parent.ts'
import { startUnblocked } from './start-unblocked.ts'

/**
 * The rules after a task's pull request merges, whichever forge merged it (the local forge's merge
 * action, a GitHub webhook or the poller): the task is done, the tasks that waited for it start
 * from a default branch that now holds it, and a split task's card follows its subtasks. The
 * caller holds the squad's row lock and writes the returned events in its transaction.
 */
export async function finishMergedTask(tx: Executor, taskId: string): Promise<NewEvent[]> {
  return [
    ...(await moveTaskToColumn(tx, taskId, 'done')),
    ...(await startUnblocked(tx, taskId)),
    ...(await rollUpParent(tx, taskId)),
  ]
}
