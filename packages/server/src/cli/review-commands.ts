import type { CreateReviewResult, ReviewVerdict } from '@agent-squad/contract'
import type { Command } from 'commander'
import { resolveTaskId } from './resolve.ts'
import { type ClientFlags, clientOf, withClientOptions, withSquadOption } from './task-commands.ts'

type ReviewFlags = ClientFlags & { requestChanges?: string; approve?: boolean | string; comment?: string }

/** The one verdict the flags ask for, with its text; several or none is a usage error. */
function verdictOf(flags: ReviewFlags): { verdict: ReviewVerdict; body: string } {
  const chosen = [
    flags.requestChanges !== undefined && {
      verdict: 'changes_requested' as const,
      body: flags.requestChanges,
    },
    flags.approve !== undefined && {
      verdict: 'approved' as const,
      body: typeof flags.approve === 'string' ? flags.approve : '',
    },
    flags.comment !== undefined && { verdict: 'commented' as const, body: flags.comment },
  ].filter((v) => v !== false)
  if (chosen.length !== 1)
    throw new Error('Choose one of --request-changes <text>, --approve [text] or --comment <text>')
  return chosen[0] as { verdict: ReviewVerdict; body: string }
}

/** `squad task review`: a person's review of a task's pull request, from the terminal. */
export function registerReviewCommands(task: Command) {
  withSquadOption(
    withClientOptions(
      task
        .command('review <task>')
        .description(
          "Review a task's pull request. --request-changes queues a revision: the implementing agent addresses it on the same branch and pull request",
        )
        .option('--request-changes <text>', 'what must change (queues a revision run)')
        .option('--approve [text]', 'approve, with an optional remark')
        .option('--comment <text>', 'a remark that queues nothing'),
    ),
  ).action(async (ref: string, flags: ReviewFlags) => {
    const body = verdictOf(flags)
    const client = clientOf(flags)
    const taskId = await resolveTaskId(client, ref, flags.squad)
    const result = await client.post<CreateReviewResult>(`/api/v1/tasks/${taskId}/reviews`, body)
    process.stdout.write(`${result.review.id}\n`)
    process.stderr.write(
      result.follow_up_execution_id
        ? `Review ${result.review.round} recorded; revision queued: squad task watch ${result.follow_up_execution_id}\n`
        : `Review ${result.review.round} recorded (${result.review.verdict}).\n`,
    )
  })
}
