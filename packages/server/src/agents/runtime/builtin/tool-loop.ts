import { type JSONSchema7, jsonSchema, type LanguageModel, type ModelMessage, type ToolSet, tool } from 'ai'
import { z } from 'zod'
import { AppError } from '../../../domain/errors.ts'
import type { VendorCallObserver } from '../../../observability/vendor-calls.ts'
import type { Sandbox } from '../../../sandbox/sandbox-provider.ts'
import { redactDeep } from '../../../secrets/redactor.ts'
import type { AgentAssignment, AgentLog } from '../agent-runtime.ts'
import type { Conversation } from './conversation.ts'
import { streamModelStep } from './model-call.ts'
import { describeModelFailure } from './model-errors.ts'
import { ModelAttemptsFailed, type RetryOptions, withModelRetries } from './model-retry.ts'
import { observeModelCall } from './observe-model-call.ts'
import { costOf, type Price } from './pricing.ts'
import { callTool, type FinishResult, type ToolContext, type ToolDefinition } from './tool.ts'

export type LoopLimits = {
  /** Model calls per run. */
  maxSteps: number
  /** Input plus output tokens over all model calls of the run. */
  maxTokens: number
  /** Wall-clock time of the whole run. */
  timeoutMs: number
}

export type LoopOptions = {
  model: LanguageModel
  /** `provider/model`, for messages and events. */
  modelLabel: string
  system: string
  prompt: string
  tools: ReadonlyMap<string, ToolDefinition>
  /** The tool that ends the run (`finish`, or `split_task` / `submit_review` in other modes). */
  concludingTool?: string
  /** What the run is for; the concluding tools check it (default: implement). */
  assignment?: AgentAssignment
  limits: LoopLimits
  /** The run's signal: aborted on cancel or shutdown. */
  signal: AbortSignal
  sandbox: Sandbox
  workdir: string
  log: AgentLog
  conversation: Conversation
  redact(text: string): string
  price: Price | null
  retry: RetryOptions
  /** A model call that sends nothing for this long is abandoned (and retried). */
  idleTimeoutMs: number
  maxOutputTokens?: number
  reasoning?: 'low' | 'medium' | 'high'
  /** Default limit of one command the agent runs (the run's time left caps it too). */
  commandTimeoutMs: number
  maxCommandOutputBytes: number
  maxToolOutputChars: number
  /** Called after each step with where its time went (the benchmark reads it). */
  onStep?(timing: { stepMs: number; toolMs: number }): void
  /** The provider (`llm_provider`), and who is told of each model call's attempt (for /metrics). */
  vendor?: string
  onModelCall?: VendorCallObserver
}

export type LoopResult = {
  finish: FinishResult | null
  /** The last text the model wrote (the summary when it stopped without calling finish). */
  lastText: string
  steps: number
  inputTokens: number
  outputTokens: number
  cachedInputTokens: number
  costUsd: number | null
}

/** A per-run limit was reached: the run stops and the agent step fails with this message. */
export class AgentLimitError extends AppError {
  constructor(message: string) {
    super('bad_request', message)
    this.name = 'AgentLimitError'
  }
}

const TIME_UP = Symbol('time up')

const sdkToolsCache = new WeakMap<ReadonlyMap<string, ToolDefinition>, ToolSet>()

/**
 * The tools as the model sees them: description and JSON schema, no `execute` (the loop runs them
 * through the wrapper) and no validation by the SDK (the wrapper validates, once, with zod).
 */
export function sdkToolsOf(tools: ReadonlyMap<string, ToolDefinition>): ToolSet {
  let set = sdkToolsCache.get(tools)
  if (!set) {
    set = Object.fromEntries(
      [...tools.values()].map((t) => [
        t.id,
        tool({
          description: t.description,
          inputSchema: jsonSchema(
            z.toJSONSchema(t.parameters, { target: 'draft-7', io: 'input' }) as JSONSchema7,
          ),
        }),
      ]),
    )
    sdkToolsCache.set(tools, set)
  }
  return set
}

const nudge = (tool: string) =>
  tool === 'finish'
    ? 'You replied without calling a tool. If the task is done, call finish with a summary and the commit type; otherwise go on working with the tools.'
    : `You replied without calling a tool. When you are done, call ${tool}; otherwise go on working with the tools.`

/**
 * The agent's tool loop: call the model, run the tools it asked for (in order, through the
 * wrapper), give it the results, until it calls `finish` or a limit stops the run. Limits: model
 * calls (steps), tokens, wall time. Model failures are retried when they may pass (model-retry.ts)
 * and otherwise fail the run with a message that says what happened.
 */
export async function runToolLoop(options: LoopOptions): Promise<LoopResult> {
  const { limits, conversation } = options
  const concluding = options.concludingTool ?? 'finish'
  const started = performance.now()
  const deadline = started + limits.timeoutMs
  const run = new AbortController()
  const onCancel = () => run.abort(options.signal.reason)
  options.signal.addEventListener('abort', onCancel, { once: true })
  if (options.signal.aborted) onCancel()
  const timer = setTimeout(() => run.abort(TIME_UP), limits.timeoutMs)

  const state: { finish: FinishResult | null } = { finish: null }
  const ctx: ToolContext = {
    sandbox: options.sandbox,
    workdir: options.workdir,
    signal: run.signal,
    log: options.log,
    commandTimeoutMs: (requested) =>
      Math.max(
        1000,
        Math.min(requested ?? options.commandTimeoutMs, Math.floor(deadline - performance.now())),
      ),
    maxCommandOutputBytes: options.maxCommandOutputBytes,
    assignment: options.assignment ?? { mode: 'implement', feedback: [] },
    finish: (result) => {
      state.finish = result
    },
  }
  const tools = sdkToolsOf(options.tools)
  const messages: ModelMessage[] = [{ role: 'user', content: options.prompt }]
  const totals = { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0, costUsd: null as number | null }
  let lastText = ''
  let nudged = false
  const warned = new Set<string>()
  let steps = 0

  const timeUp = () =>
    new AgentLimitError(
      `Time limit reached: the agent did not finish within ${Math.round(limits.timeoutMs / 1000)} s (SQUAD_AGENT_TIMEOUT_MS), after ${steps} model call${steps === 1 ? '' : 's'}.`,
    )

  try {
    while (state.finish === null) {
      if (steps >= limits.maxSteps)
        throw new AgentLimitError(
          `Step limit reached: the agent made ${steps} model calls without calling ${concluding} (limit ${limits.maxSteps}: SQUAD_AGENT_MAX_STEPS, or max_steps in the agent's config).`,
        )
      steps++
      const stepStarted = performance.now()
      let toolMs = 0
      const observed = {
        vendor: options.vendor ?? 'unknown',
        signal: run.signal,
        onCall: options.onModelCall,
      }
      const { value: step } = await withModelRetries(
        () =>
          observeModelCall(
            () =>
              streamModelStep({
                model: options.model,
                system: options.system,
                messages,
                tools,
                signal: run.signal,
                idleTimeoutMs: options.idleTimeoutMs,
                ...(options.maxOutputTokens ? { maxOutputTokens: options.maxOutputTokens } : {}),
                ...(options.reasoning ? { reasoning: options.reasoning } : {}),
                onText: conversation.text,
                onReasoning: conversation.reasoning,
                onWarning: (warning) => {
                  if (warned.has(warning)) return
                  warned.add(warning)
                  options.log.system(`${options.modelLabel}: warning: ${warning}\n`)
                },
              }),
            observed,
          ),
        {
          ...options.retry,
          signal: run.signal,
          deadline,
          onRetry: ({ attempt, delayMs, error, fromHeader }) =>
            options.log.system(
              `${options.modelLabel}: ${describeModelFailure(error, options.modelLabel, 1).message} — retrying in ${(delayMs / 1000).toFixed(1)} s${fromHeader ? ' (as its retry-after asks)' : ''}, attempt ${attempt + 1} of ${options.retry.maxRetries + 1}\n`,
            ),
        },
      )
      conversation.flush()
      if (step.text.trim()) lastText = step.text.trim()

      totals.inputTokens += step.usage.inputTokens
      totals.outputTokens += step.usage.outputTokens
      totals.cachedInputTokens += step.usage.cachedInputTokens
      const cost = costOf(options.price, step.usage)
      if (cost !== null) totals.costUsd = (totals.costUsd ?? 0) + cost
      conversation.usage({ model: options.modelLabel, ...step.usage, costUsd: cost })

      messages.push(...step.assistant)
      if (step.toolCalls.length === 0) {
        if (nudged && step.finishReason !== 'length') break
        nudged = true
        messages.push({
          role: 'user',
          content:
            step.finishReason === 'length'
              ? 'Your reply was cut off at the output limit. Go on, in shorter steps, using the tools.'
              : nudge(concluding),
        })
      } else {
        const results: Extract<ModelMessage, { role: 'tool' }>['content'] = []
        for (const call of step.toolCalls) {
          const definition = options.tools.get(call.toolName)
          conversation.toolStarted({
            id: call.toolCallId,
            tool: call.toolName,
            input: redactDeep(call.input, options.redact),
          })
          const outcome = await callTool(definition, call, ctx, {
            redact: options.redact,
            maxOutputChars: options.maxToolOutputChars,
          })
          toolMs += outcome.durationMs
          conversation.toolFinished({
            id: call.toolCallId,
            tool: call.toolName,
            input: outcome.input,
            output: outcome.output,
            failed: outcome.failed,
          })
          results.push({
            type: 'tool-result',
            toolCallId: call.toolCallId,
            toolName: call.toolName,
            output: outcome.failed
              ? { type: 'error-text', value: outcome.output }
              : { type: 'text', value: outcome.output },
          })
        }
        messages.push({ role: 'tool', content: results })
      }
      options.onStep?.({ stepMs: performance.now() - stepStarted, toolMs })
      const used = totals.inputTokens + totals.outputTokens
      if (state.finish === null && used > limits.maxTokens)
        throw new AgentLimitError(
          `Token limit reached: the agent used ${used} tokens (${totals.inputTokens} in, ${totals.outputTokens} out) without calling ${concluding} (limit ${limits.maxTokens}: SQUAD_AGENT_MAX_TOKENS, or max_tokens in the agent's config).`,
        )
    }
  } catch (error) {
    conversation.flush()
    if (options.signal.aborted)
      throw new AppError('bad_request', `Agent stopped: ${String(options.signal.reason)}`, { cause: error })
    if (run.signal.reason === TIME_UP) throw timeUp()
    if (error instanceof AgentLimitError) throw error
    if (error instanceof ModelAttemptsFailed)
      throw describeModelFailure(error.error, options.modelLabel, error.attempts)
    throw error
  } finally {
    clearTimeout(timer)
    options.signal.removeEventListener('abort', onCancel)
  }
  return { finish: state.finish, lastText, steps, ...totals }
}
