import type { Execution, Page } from '@agent-squad/contract'
import type { Command } from 'commander'
import { boardTasks, resolveSquad, resolveTaskId } from './resolve.ts'
import { type ClientFlags, clientOf, withClientOptions, withSquadOption } from './task-commands.ts'

/** How long an execution ran (or has been running), as people read it. */
export function durationOf(execution: Execution, now = Date.now()): string {
  if (!execution.started_at) return '-'
  const end = execution.finished_at ? Date.parse(execution.finished_at) : now
  const s = Math.max(0, Math.round((end - Date.parse(execution.started_at)) / 1000))
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`
}

/** `squad execution list`: a squad's (or a task's) runs, newest first. */
export function registerExecutionCommands(program: Command) {
  const execution = program
    .command('execution')
    .description("List executions (a task's runs); follow one with `squad task watch`")
  withSquadOption(
    withClientOptions(
      execution
        .command('list')
        .description(
          "List a squad's executions, newest first: id, task number, status, duration, branch, pull request",
        )
        .option('--task <task>', "only this task's (its id, or its number like 12 or #12)")
        .option('--limit <n>', 'how many (default 20, at most 500)', '20')
        .option('--json', 'print the executions as JSON'),
    ),
  )
    .addHelpText(
      'after',
      `
Examples:
  squad execution list                     the only squad's latest runs
  squad execution list --task 3            task #3's runs
  squad task watch <execution-id>          follow one live (or: squad task watch 3, its latest)`,
    )
    .action(async (flags: ClientFlags & { task?: string; limit: string; json?: boolean }) => {
      const limit = Number(flags.limit)
      if (!Number.isInteger(limit) || limit < 1 || limit > 500)
        throw new Error(`--limit must be a whole number from 1 to 500, not "${flags.limit}"`)
      const client = clientOf(flags)
      const squad = await resolveSquad(client, flags.squad)
      const path =
        flags.task !== undefined
          ? `/api/v1/tasks/${await resolveTaskId(client, flags.task, squad.id)}/executions`
          : `/api/v1/squads/${squad.id}/executions`
      const page = await client.get<Page<Execution>>(`${path}?limit=${limit}`)
      if (flags.json) return void process.stdout.write(`${JSON.stringify(page.items, null, 2)}\n`)
      const numbers = new Map((await boardTasks(client, squad.id)).map((t) => [t.id, t.number]))
      for (const e of page.items) {
        const task = numbers.has(e.task_id) ? `#${numbers.get(e.task_id)}` : e.task_id
        process.stdout.write(
          `${e.id}\t${task}\t${e.status}\t${durationOf(e)}\t${e.git_branch ?? '-'}\t${e.pull_request_url ?? '-'}\n`,
        )
      }
    })
}
