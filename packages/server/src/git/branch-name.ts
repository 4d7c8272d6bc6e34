/** The one rule for naming a task's branch: `task-{n}`, n being the task's short per-squad number. */
export function taskBranchName(taskNumber: number): string {
  if (!Number.isSafeInteger(taskNumber) || taskNumber < 1)
    throw new Error(`invalid task number ${taskNumber}`)
  return `task-${taskNumber}`
}
