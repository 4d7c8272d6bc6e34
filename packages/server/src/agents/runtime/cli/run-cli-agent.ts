import { AppError } from '../../../domain/errors.ts'
import { shellQuote } from '../../../git/shell-quote.ts'
import { CommandExitError, type CommandResult } from '../../../sandbox/sandbox-provider.ts'
import type { AgentRunInput, AgentRunResult, AgentRuntime } from '../agent-runtime.ts'
import { readConclusion } from '../conclusion.ts'
import { type CliAdapter, type CliArg, type CliOutcome, PROMPT } from './cli-adapter.ts'
import { type CliAgentConfig, findModelKey, readCliConfig } from './cli-config.ts'
import { cliCommand, freshHomeScript, versionWarning } from './cli-run-setup.ts'
import { createLineSplitter } from './line-splitter.ts'
import { type CliModelLimits, type ModelAccess, openModelAccess } from './model-access.ts'
import { renderEvent } from './render-event.ts'
import { taskPrompt } from './task-prompt.ts'
import { usageTotal } from './usage-total.ts'

/** Output kept of a CLI run (the log gets all of it as it comes); a long session prints a lot of JSON. */
const MAX_OUTPUT_BYTES = 64 * 1024 * 1024
const MAX_SUMMARY_CHARS = 8000
/** Read from stdin by the shell, so the prompt never has to be quoted into the command line. */
const PROMPT_VARIABLE = 'squad_prompt'

export type CliAgentDeps = {
  /** Where model keys are looked up: the server's environment (never passed on whole). */
  env: Readonly<Record<string, string | undefined>>
  /**
   * The host's model proxy (model-access.ts), with the execution's limits: the CLI gets a dummy key
   * and the proxy's URL instead of the real key. Without it the key goes in the CLI's environment.
   */
  modelProxy?: { limits: CliModelLimits }
  /** The toolchain folder `squad agents install` fills; sandboxes see it read-only. */
  toolchainDir?: string
}

/** The last `max` characters of what a stream printed, for error messages. */
function tail(max: number) {
  let text = ''
  return {
    push(chunk: string) {
      text = (text + chunk).slice(-max)
    },
    lastLine: () =>
      text
        .split('\n')
        .map((line) => line.trim())
        .filter(Boolean)
        .at(-1) ?? null,
  }
}

const renderArgs = (args: CliArg[], prompt: string) =>
  args
    .map((arg) => (arg === PROMPT ? prompt : typeof arg === 'string' ? shellQuote(arg) : arg.shell))
    .join(' ')

/** Why a CLI's run failed, in words that say what to do. */
function failure(
  adapter: CliAdapter,
  command: string,
  result: CommandResult,
  outcome: CliOutcome,
  lastWords: string | null,
  timeoutMs: number,
): AppError {
  const name = adapter.displayName
  if (result.error === 'timeout')
    return new AppError('bad_request', `${name} did not finish within ${Math.round(timeoutMs / 1000)} s`)
  if (result.error === 'output_limit')
    return new AppError(
      'bad_request',
      `${name} printed more than ${MAX_OUTPUT_BYTES / 1024 / 1024} MiB of output`,
    )
  if (result.exitCode === 127 || result.exitCode === 126) {
    const why = result.exitCode === 127 ? 'command not found' : 'not executable'
    return new AppError(
      'bad_request',
      `${name} could not be started (\`${command}\`: ${why}): install ${adapter.provider} in the sandbox ` +
        `template or set config.command to where it is (install: \`${adapter.installHint}\`)`,
    )
  }
  const detail = outcome.error ?? lastWords
  return new AppError(
    'bad_request',
    `${name} exited with code ${result.exitCode}${detail ? `: ${detail}` : ''}`,
  )
}

/**
 * Runs one agent CLI in the sandbox's workspace: the task prompt on its stdin (passed on as the
 * argument its documented flags expect), the model key in that one command's environment only
 * (and taught to the execution's redactor first), its output parsed line by line into
 * conversation events and a readable log, and its final result message as the summary.
 */
export async function runCliAgent(
  adapter: CliAdapter,
  deps: CliAgentDeps,
  input: AgentRunInput,
): Promise<AgentRunResult> {
  const name = adapter.displayName
  const config = readCliConfig(input.agent.config, name)
  const model = input.agent.llmModel.trim() || null
  const variables = adapter.keyVariables(model)
  const key = findModelKey(variables, config.api_key_env, deps.env, input.secrets)
  if (key) input.addSecret(key.value)
  else
    input.log.system(
      `No model key for ${name}: ${config.api_key_env ?? variables.map((v) => v.env).join(' or ')} is not set ` +
        "as a squad secret or in the server's environment; running it anyway (it may be signed in another way).\n",
    )

  const access = await openModelAccess({
    adapter,
    input,
    key,
    model,
    protocol: adapter.protocol(model),
    upstreamBaseUrl: config.base_url ?? null,
    proxy: deps.modelProxy,
  })
  try {
    return await runWith(adapter, deps, input, config, model, access)
  } finally {
    await access.close()
  }
}

async function runWith(
  adapter: CliAdapter,
  deps: CliAgentDeps,
  input: AgentRunInput,
  config: CliAgentConfig,
  model: string | null,
  access: ModelAccess,
): Promise<AgentRunResult> {
  const name = adapter.displayName
  const warn = (message: string) => {
    if (input.warn) input.warn(message)
    else input.log.system(`Warning: ${message}\n`)
  }
  const { command, fromToolchain } = cliCommand(adapter, config.command, deps.toolchainDir)
  // The toolchain's install is the pinned version by its path; anything else is asked.
  if (!fromToolchain) {
    const mismatch = await versionWarning(input.sandbox, adapter, command)
    if (mismatch) warn(mismatch)
  }
  // The proxy's URL when the key stays on the host, else the agent's own base URL (or the vendor's).
  const baseUrl = access.baseUrl ?? config.base_url ?? null
  const setup = adapter.setup({
    baseUrl,
    model,
    keyEnv: adapter.keyVariables(model)[0]?.env ?? 'API_KEY',
  })
  const args = [...adapter.args({ model, baseUrl }), ...(config.args ?? [])]
  const usage = usageTotal(`${adapter.provider}/${model ?? 'default'}`)
  input.log.system(
    `$ ${command} ${renderArgs(args, '"<task prompt>"')}${access.describe ? `  (${access.describe})` : ''}\n`,
  )

  const parser = adapter.parser()
  const stderr = tail(4000)
  const stdoutText = tail(4000)
  const onLine = (line: string) => {
    let parsed: ReturnType<typeof parser.line> = null
    try {
      parsed = parser.line(line)
    } catch {
      // A parser bug must not kill the agent: the line is shown as printed.
    }
    if (adapter.plainText || !parsed) {
      input.log.stdout(`${line}\n`)
      if (!parsed) stdoutText.push(`${line}\n`)
    } else if (parsed.note) input.log.stdout(`${parsed.note}\n`)
    for (const event of parsed?.events ?? []) {
      // What the proxy counted is what the provider billed; the CLI's own report would count it twice.
      if (access.metered && event.type === 'agent.usage') continue
      usage.add(event)
      input.emit(event)
      if (!adapter.plainText) input.log.stdout(renderEvent(event))
    }
  }
  const lines = createLineSplitter(onLine)

  const handle = await input.sandbox.commands.run(
    `${PROMPT_VARIABLE}=$(cat) && ${freshHomeScript(setup)} && exec ${command} ${renderArgs(args, `"$${PROMPT_VARIABLE}"`)}`,
    {
      background: true,
      cwd: input.workdir,
      envs: { ...setup.env, ...access.envs },
      ...(access.hostServices.length ? { hostServices: access.hostServices } : {}),
      stdin: taskPrompt(input),
      timeoutMs: input.timeoutMs,
      maxOutputBytes: MAX_OUTPUT_BYTES,
      onStdout: lines.push,
      onStderr: (text) => {
        stderr.push(text)
        input.log.stderr(text)
      },
    },
  )
  const stop = () => void handle.kill().catch(() => {})
  input.signal.addEventListener('abort', stop, { once: true })
  if (input.signal.aborted) stop()
  let result: CommandResult
  try {
    result = await handle.wait()
  } catch (error) {
    if (!(error instanceof CommandExitError)) throw error
    result = error.result
  } finally {
    input.signal.removeEventListener('abort', stop)
    lines.end()
    await adapter.cleanup?.(input.sandbox, input.workdir).catch(() => {})
  }
  if (input.signal.aborted)
    throw new AppError('bad_request', `${name} stopped: ${String(input.signal.reason)}`)

  const outcome = parser.finish()
  for (const warning of outcome.warnings ?? []) warn(warning)
  const metered = access.finish()
  const limit = metered.limit
  // Whatever the CLI made of the refusal (some exit 0), the run stops for the limit, saying which.
  if (limit) throw new AppError('bad_request', `${name} stopped: ${limit}`)
  const lastWords = stderr.lastLine() ?? stdoutText.lastLine()
  if (result.error || result.exitCode !== 0)
    throw failure(adapter, command, result, outcome, lastWords, input.timeoutMs)
  if (outcome.error !== null)
    throw new AppError('bad_request', `${name} reported a failure: ${outcome.error}`)
  // A refused tool call means work the model meant to do was not done, though the CLI exits 0.
  if (outcome.denied?.length) {
    const message = `${name} refused ${outcome.denied.length} tool call(s), so the task may be undone: ${outcome.denied.join('; ')}`
    warn(message)
    throw new AppError('bad_request', message)
  }
  if (outcome.result === null)
    throw new AppError(
      'bad_request',
      `${name} printed no result (expected ${adapter.expectedResult})${lastWords ? `; it last said: ${lastWords}` : ''}`,
    )
  input.log.system(`${name} finished in ${(result.durationMs / 1000).toFixed(1)} s\n`)
  const summary = outcome.result.trim() || `${name} finished without a summary.`
  const short = summary.length > MAX_SUMMARY_CHARS ? `${summary.slice(0, MAX_SUMMARY_CHARS)} …` : summary
  const { assignment } = input
  const total = metered.usage ?? usage.get()
  const counted = total ? { usage: total } : {}
  if (assignment.mode === 'implement') return { summary: short, ...counted }
  // A plan or a review: the JSON block its final message ends with (see conclusion.ts).
  const conclusion = readConclusion(outcome.result, assignment)
  if ('error' in conclusion)
    throw new AppError(
      'bad_request',
      `${name} ended without a usable ${assignment.mode === 'plan' ? 'plan' : 'review'}: ${conclusion.error}`,
    )
  return { summary: short, ...conclusion, ...counted }
}

/** An agent runtime that runs `adapter`'s CLI. */
export function createCliAgent(adapter: CliAdapter, deps: CliAgentDeps): AgentRuntime {
  // A CLI ends with free text: a plan or a review comes as a JSON block at its end (conclusion.ts).
  return {
    kind: adapter.provider,
    modes: ['implement', 'plan', 'review'],
    run: (input) => runCliAgent(adapter, deps, input),
  }
}
