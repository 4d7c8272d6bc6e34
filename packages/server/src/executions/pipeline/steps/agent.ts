import { AppError } from '../../../domain/errors.ts'
import { loadSquadSecrets, type SecretLookup } from '../../../secrets/load-squad-secrets.ts'
import { redactDeep } from '../../../secrets/redactor.ts'
import { createAgentEventSink } from '../agent-event-sink.ts'
import { assignmentFor } from '../assignment.ts'
import { type ExecutionContext, requireSandbox, resultString, type Step } from '../execution-context.ts'
import { sandboxGit } from '../sandbox-git.ts'

/**
 * The squad's secrets as the agent may ask for them, without the ones the repository's forge
 * authenticates git with (a remote's token or ssh key, a GitHub token or App key): those are the
 * pipeline's alone, whatever an agent's `api_key_env` names.
 */
function withoutGitCredentials(ctx: ExecutionContext, secrets: SecretLookup): SecretLookup {
  const auth = ctx.repo.github?.auth
  const reserved = new Set(
    [
      ctx.repo.credentialSecret,
      auth?.kind === 'token' ? auth.secret : null,
      auth?.kind === 'app' ? auth.private_key_secret : null,
    ].filter((name): name is string => !!name),
  )
  return (name) => (reserved.has(name) ? undefined : secrets(name))
}

/**
 * Lets the agent work in the workspace. The workspace is first reset to the branch's start, so a
 * run resumed after a crash starts from the same state as the first one.
 */
export const agent: Step = async (ctx) => {
  const sandbox = requireSandbox(ctx)
  const start = resultString(ctx, 'branch', 'start_commit')
  if (start) {
    await sandboxGit(ctx, ['reset', '--quiet', '--hard', start], { quiet: true })
    await sandboxGit(ctx, ['clean', '-fdq'], { quiet: true })
  }
  const runtime = ctx.deps.agentFor(ctx.agent)
  const assignment = await assignmentFor(ctx)
  if (!runtime.modes.includes(assignment.mode))
    throw new AppError(
      'validation_failed',
      `${ctx.agent?.name ?? 'The script runner'} (${runtime.kind}) cannot ${assignment.mode}: planning and reviewing need a model agent (the built-in agent or an agent CLI), not the script runner`,
    )
  const started = performance.now()
  // The agent's conversation; what is still waiting when the agent throws is written by the sink's timer.
  const conversation = createAgentEventSink({
    db: ctx.deps.db,
    scope: ctx.store.scope,
    redactor: ctx.redactor,
    log: ctx.log,
    onError: (error) =>
      ctx.deps.logger.error({ err: error, execution: ctx.execution.id }, 'writing agent events failed'),
  })
  const outcome = await runtime.run({
    sandbox,
    workdir: sandbox.workdir,
    task: {
      id: ctx.task.id,
      number: ctx.task.number,
      title: ctx.task.title,
      description: ctx.task.description,
      labels: ctx.task.labels,
      script: ctx.task.script,
      ...(ctx.execution.gitBranch ? { branch: ctx.execution.gitBranch } : {}),
    },
    assignment,
    agent: {
      id: ctx.agent?.id ?? null,
      name: ctx.agent?.name ?? 'script',
      role: ctx.agent?.role ?? 'script',
      llmProvider: ctx.agent?.llmProvider ?? 'script',
      llmModel: ctx.agent?.llmModel ?? '',
      systemPrompt: ctx.agent?.systemPrompt ?? '',
      config: ctx.agent?.config ?? {},
    },
    log: {
      stdout: (text) => ctx.log.write('stdout', text),
      stderr: (text) => ctx.log.write('stderr', text),
      system: (text) => ctx.log.write('system', text),
    },
    emit: conversation.emit,
    warn: (message) => {
      const shown = ctx.redactor.redact(message)
      ctx.log.write('system', `Warning: ${shown}\n`)
      void ctx.store
        .warning({ kind: 'agent', message: shown })
        .catch((error) =>
          ctx.deps.logger.warn({ err: error, execution: ctx.execution.id }, 'recording a warning failed'),
        )
    },
    addSecret: (secret) => void ctx.redactor.add(secret),
    redact: (text) => ctx.redactor.redact(text),
    secrets: withoutGitCredentials(
      ctx,
      await loadSquadSecrets({
        db: ctx.deps.db,
        box: ctx.deps.secretBox,
        squadId: ctx.task.squadId,
        redactor: ctx.redactor,
      }),
    ),
    signal: ctx.signal,
    timeoutMs: ctx.deps.limits.agentTimeoutMs,
  })
  await conversation.close()
  if (outcome.usage) ctx.deps.metrics?.vendors.recordUsage(outcome.usage)
  if (assignment.mode === 'plan' && !outcome.plan) throw new Error('the agent made no plan')
  if (assignment.mode === 'review' && !outcome.review) throw new Error('the agent made no review')
  const redact = (text: string) => ctx.redactor.redact(text)
  return {
    // A plan or a review changes no code: the run ends here, successfully, and the workflow goes on.
    ...(assignment.mode === 'implement' ? {} : { stop: 'succeeded' as const }),
    result: {
      mode: assignment.mode,
      kind: runtime.kind,
      summary: ctx.redactor.redact(outcome.summary),
      commit_type: outcome.commitType ?? null,
      commit_scope: outcome.commitScope ?? null,
      commit_subject: outcome.commitSubject ?? null,
      agent_ms: Math.round(performance.now() - started),
      // Tokens and cost of the model calls (model agents only).
      ...(outcome.usage ? { usage: outcome.usage } : {}),
      // A plan becomes tasks and a review an event and a row: what the model wrote is redacted too.
      ...(outcome.plan ? { plan: redactDeep(outcome.plan, redact) } : {}),
      ...(outcome.review ? { review: redactDeep(outcome.review, redact) } : {}),
    },
  }
}
