import type { Execution, ExecutionWithSteps } from '@agent-squad/contract'
import type { Command } from 'commander'
import { createApiClient } from './client/api-client.ts'
import { watchExecution } from './client/watch-execution.ts'

export type ClientFlags = { url?: string; token?: string; detach?: boolean }

export const clientOf = (flags: ClientFlags) =>
  createApiClient({
    url: flags.url ?? process.env.SQUAD_URL ?? 'http://127.0.0.1:8000',
    token: flags.token ?? process.env.SQUAD_TOKEN,
  })

export const withClientOptions = (command: Command) =>
  command
    .option('--url <url>', 'server URL (SQUAD_URL, default http://127.0.0.1:8000)')
    .option('--token <token>', 'API token when the server requires one (SQUAD_TOKEN)')

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
  const task = program.command('task').description('Start tasks and watch their executions from the terminal')
  withClientOptions(
    task
      .command('run <task-id>')
      .description('Start a task (queue an execution) and follow it until it ends')
      .option('--agent <agent-id>', "run as this agent instead of the task's assignee")
      .option('--offline', 'run the agent without network access (same as --network off)')
      .option(
        '--network <mode>',
        "this run's network: off, allowlist (the squad's list) or internet (public addresses only)",
      )
      .option('-d, --detach', 'print the execution id and return at once'),
  ).action(
    async (taskId: string, flags: ClientFlags & { agent?: string; offline?: boolean; network?: string }) => {
      const network = flags.offline ? 'off' : flags.network
      if (network !== undefined && !['off', 'allowlist', 'internet'].includes(network))
        throw new Error(`--network must be off, allowlist or internet, not "${network}"`)
      const execution = await clientOf(flags).post<Execution>(`/api/v1/tasks/${taskId}/executions`, {
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
  withClientOptions(
    task
      .command('watch <execution-id>')
      .description("Follow an execution's steps and live log until it ends (exit code 1 if it failed)"),
  ).action(async (executionId: string, flags: ClientFlags) => {
    await follow(flags, executionId)
  })
  withClientOptions(
    task.command('show <execution-id>').description('Print an execution with its steps as JSON'),
  ).action(async (executionId: string, flags: ClientFlags) => {
    const execution = await clientOf(flags).get<ExecutionWithSteps>(`/api/v1/executions/${executionId}`)
    process.stdout.write(`${JSON.stringify(execution, null, 2)}\n`)
  })
  return task
}
