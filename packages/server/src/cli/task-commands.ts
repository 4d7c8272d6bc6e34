import type { Execution, ExecutionWithSteps, Page } from '@agent-squad/contract'
import { taskStatuses } from '@agent-squad/contract'
import type { Command } from 'commander'
import { type ApiClient, createApiClient } from './client/api-client.ts'
import { watchExecution } from './client/watch-execution.ts'
import { boardTasks, resolveSquad, resolveTaskId, uuidLike } from './resolve.ts'

export type ClientFlags = { url?: string; token?: string; detach?: boolean; squad?: string }

export const clientOf = (flags: ClientFlags) =>
  createApiClient({
    url: flags.url ?? process.env.SQUAD_URL ?? 'http://127.0.0.1:8000',
    token: flags.token ?? process.env.SQUAD_TOKEN,
  })

export const withClientOptions = (command: Command) =>
  command
    .option('--url <url>', 'server URL (SQUAD_URL, default http://127.0.0.1:8000)')
    .option('--token <token>', 'API token when the server requires one (SQUAD_TOKEN)')

/** `--squad`, for commands that name tasks by number or list a squad's things. */
export const withSquadOption = (command: Command) =>
  command.option('--squad <squad>', 'the squad, by name or id (may be left out when there is only one)')

/** An execution id as is; a task (id, or number like 12 / #12) means its latest execution. */
async function resolveExecutionId(client: ApiClient, ref: string, squad?: string): Promise<string> {
  if (uuidLike.test(ref)) return ref
  const taskId = await resolveTaskId(client, ref, squad)
  const page = await client.get<Page<Execution>>(`/api/v1/tasks/${taskId}/executions?limit=1`)
  const latest = page.items[0]
  if (!latest) throw new Error(`Task ${ref} has not run yet: start it with \`squad task run ${ref}\``)
  return latest.id
}

async function follow(flags: ClientFlags, executionId: string) {
  const final = await watchExecution(clientOf(flags), executionId, {
    out: process.stdout,
    err: process.stderr,
    color: Boolean(process.stderr.isTTY),
  })
  process.stderr.write(`\nExecution ${final.id}: ${final.status}\n`)
  if (final.git_branch) process.stderr.write(`  branch        ${final.git_branch}\n`)
  for (const commit of final.commit_history)
    process.stderr.write(`  commit        ${commit.sha.slice(0, 8)} ${commit.message.split('\n')[0]}\n`)
  if (final.pull_request_url) process.stderr.write(`  pull request  ${final.pull_request_url}\n`)
  process.stderr.write(workflowLines(final))
  if (final.error) process.stderr.write(`  error         ${final.error}\n`)
  process.exitCode = final.status === 'succeeded' || final.status === 'no_changes' ? 0 : 1
}

/** What a plan or a review run decided, from its agent step's result (the team workflow). */
function workflowLines(final: ExecutionWithSteps): string {
  const result = final.steps.find((s) => s.name === 'agent')?.result ?? {}
  const plan = result.plan as { subtasks?: { title: string; role: string }[] } | undefined
  const review = result.review as { verdict?: string } | undefined
  if (plan?.subtasks) return plan.subtasks.map((s) => `  subtask       ${s.role}: ${s.title}\n`).join('')
  if (review?.verdict) return `  review        ${review.verdict.replace('_', ' ')}\n`
  return ''
}

/** `squad task run` and `squad task watch`: start a task and follow it live from a terminal. */
export function registerTaskCommands(program: Command): Command {
  const task = program
    .command('task')
    .description('List tasks, start them and watch their executions from the terminal')
    .addHelpText(
      'after',
      `
A task is its id or the number the board shows (12 or #12) within a squad: --squad <name or id>, or
the only squad when there is one.`,
    )
  withSquadOption(
    withClientOptions(
      task
        .command('list')
        .description("List a squad's tasks in board order: number, status, title, id")
        .option('--status <status>', `only this column: ${taskStatuses.join(', ')}`)
        .option('--json', 'print the tasks as JSON'),
    ),
  )
    .addHelpText(
      'after',
      `
Examples:
  squad task list                          the only squad's tasks
  squad task list --squad Core --status todo
  squad task list --json | jq -r '.[] | select(.status == "failed") | .number'`,
    )
    .action(async (flags: ClientFlags & { status?: string; json?: boolean }) => {
      if (flags.status !== undefined && !(taskStatuses as readonly string[]).includes(flags.status))
        throw new Error(`--status must be one of ${taskStatuses.join(', ')}, not "${flags.status}"`)
      const client = clientOf(flags)
      const squad = await resolveSquad(client, flags.squad)
      const tasks = (await boardTasks(client, squad.id)).filter(
        (t) => flags.status === undefined || t.status === flags.status,
      )
      if (flags.json) return void process.stdout.write(`${JSON.stringify(tasks, null, 2)}\n`)
      for (const t of tasks) process.stdout.write(`#${t.number}\t${t.status}\t${t.title}\t${t.id}\n`)
    })
  withSquadOption(
    withClientOptions(
      task
        .command('run <task>')
        .description('Start a task (queue an execution) and follow it until it ends')
        .option('--agent <agent-id>', "run as this agent instead of the task's assignee")
        .option('--offline', 'run the agent without network access (same as --network off)')
        .option(
          '--network <mode>',
          "this run's network: off, allowlist (the squad's list) or internet (public addresses only)",
        )
        .option('-d, --detach', 'print the execution id and return at once'),
    ),
  )
    .addHelpText(
      'after',
      `
Examples:
  squad task run 1                         task #1 of the only squad
  squad task run '#12' --squad Core        by the board's number in squad Core
  squad task run 0192f3c4-…  --detach      by id; print the execution id and return`,
    )
    .action(
      async (ref: string, flags: ClientFlags & { agent?: string; offline?: boolean; network?: string }) => {
        const network = flags.offline ? 'off' : flags.network
        if (network !== undefined && !['off', 'allowlist', 'internet'].includes(network))
          throw new Error(`--network must be off, allowlist or internet, not "${network}"`)
        const client = clientOf(flags)
        const taskId = await resolveTaskId(client, ref, flags.squad)
        const execution = await client.post<Execution>(`/api/v1/tasks/${taskId}/executions`, {
          ...(flags.agent ? { agent_id: flags.agent } : {}),
          ...(network ? { network } : {}),
        })
        if (flags.detach) {
          process.stdout.write(`${execution.id}\n`)
          return
        }
        process.stderr.write(`Started execution ${execution.id} on ${execution.git_branch}\n`)
        await follow(flags, execution.id)
      },
    )
  withSquadOption(
    withClientOptions(
      task
        .command('watch <execution>')
        .description(
          "Follow an execution's steps and live log until it ends (exit code 1 if it failed); a task number means its latest execution",
        ),
    ),
  ).action(async (ref: string, flags: ClientFlags) => {
    await follow(flags, await resolveExecutionId(clientOf(flags), ref, flags.squad))
  })
  withSquadOption(
    withClientOptions(
      task
        .command('show <execution>')
        .description('Print an execution with its steps as JSON; a task number means its latest execution'),
    ),
  ).action(async (ref: string, flags: ClientFlags) => {
    const client = clientOf(flags)
    const id = await resolveExecutionId(client, ref, flags.squad)
    const execution = await client.get<ExecutionWithSteps>(`/api/v1/executions/${id}`)
    process.stdout.write(`${JSON.stringify(execution, null, 2)}\n`)
  })
  return task
}
