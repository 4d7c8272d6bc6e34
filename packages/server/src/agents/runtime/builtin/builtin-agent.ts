import { AppError } from '../../../domain/errors.ts'
import type { VendorCallObserver } from '../../../observability/vendor-calls.ts'
import { Redactor } from '../../../secrets/redactor.ts'
import type { AgentRuntime, AgentUsage } from '../agent-runtime.ts'
import { createConversation } from './conversation.ts'
import { defaultRetryOptions, type RetryOptions } from './model-retry.ts'
import { priceOf } from './pricing.ts'
import { type EnvLookup, resolveModel } from './provider.ts'
import { buildPrompt, readRepositoryInstructions } from './system-prompt.ts'
import { type LoopResult, runToolLoop } from './tool-loop.ts'
import { concludingTool, toolsForMode } from './tools/index.ts'

export type BuiltinAgentOptions = {
  /** Where model keys and base URLs come from (see provider.ts). */
  env: EnvLookup
  /** Per execution; an agent's config (`max_steps`, `max_tokens`) may lower them, never raise them. */
  limits: { maxSteps: number; maxTokens: number }
  retry?: Partial<RetryOptions>
  /** A model call silent for this long is abandoned and retried (default 5 min: reasoning models think). */
  idleTimeoutMs?: number
  /** Default limit of one command the agent runs (default 10 min). */
  commandTimeoutMs?: number
  /** Tests and the benchmark: the HTTP client the provider uses, and a per-step timing hook. */
  fetch?: typeof fetch
  onStep?(timing: { stepMs: number; toolMs: number }): void
  /** Told of each model call's attempt, by provider (for /metrics). */
  onModelCall?: VendorCallObserver
}

const positiveInt = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined

const reasoningLevels = ['low', 'medium', 'high'] as const
type ReasoningLevel = (typeof reasoningLevels)[number]

/**
 * The built-in LLM agent: a tool loop on the AI SDK against OpenAI, Anthropic or any
 * OpenAI-compatible server, with the tools in tools/. The model key stays in the server (added to
 * the execution's redactor); the agent acts on the workspace only through the tools.
 *
 * Agent config it reads: `base_url`, `api_key_env`, `api` ("responses" for the OpenAI Responses API),
 * `max_steps`, `max_tokens`, `max_output_tokens`, `reasoning` (low | medium | high), `pricing`.
 */
export function createBuiltinAgent(options: BuiltinAgentOptions): AgentRuntime {
  return {
    kind: 'builtin',
    modes: ['implement', 'plan', 'review'],
    async run(input) {
      const { agent } = input
      const resolved = resolveModel(agent, {
        env: options.env,
        secrets: input.secrets,
        ...(options.fetch ? { fetch: options.fetch } : {}),
      })
      const own = new Redactor()
      if (resolved.apiKey) {
        input.addSecret(resolved.apiKey)
        own.add(resolved.apiKey)
      }
      const redact = (text: string) => own.redact(input.redact ? input.redact(text) : text)
      const maxSteps = Math.min(options.limits.maxSteps, positiveInt(agent.config.max_steps) ?? Infinity)
      const maxTokens = Math.min(options.limits.maxTokens, positiveInt(agent.config.max_tokens) ?? Infinity)
      const reasoning = reasoningLevels.find((level) => level === agent.config.reasoning) as
        | ReasoningLevel
        | undefined
      const maxOutputTokens = positiveInt(agent.config.max_output_tokens)

      const instructions = await readRepositoryInstructions(input.sandbox)
      const { system, prompt } = buildPrompt({
        agent,
        task: input.task,
        workdir: input.workdir,
        instructions,
        assignment: input.assignment,
      })
      const mode = input.assignment.mode
      input.log.system(
        `Built-in agent on ${resolved.label}: up to ${maxSteps} model calls, ${maxTokens} tokens, ${Math.round(input.timeoutMs / 1000)} s${instructions ? `; following ${instructions.file}` : ''}\n`,
      )
      const conversation = createConversation(input.emit, { runtime: agent.llmProvider })
      const result: LoopResult = await runToolLoop({
        model: resolved.model,
        modelLabel: resolved.label,
        system,
        prompt,
        tools: toolsForMode[mode],
        concludingTool: concludingTool[mode],
        assignment: input.assignment,
        limits: { maxSteps, maxTokens, timeoutMs: input.timeoutMs },
        signal: input.signal,
        sandbox: input.sandbox,
        workdir: input.workdir,
        log: input.log,
        conversation,
        redact,
        price: priceOf(resolved.modelId, agent.config),
        retry: { ...defaultRetryOptions, ...options.retry },
        idleTimeoutMs: options.idleTimeoutMs ?? 5 * 60_000,
        ...(maxOutputTokens ? { maxOutputTokens } : {}),
        ...(reasoning ? { reasoning } : {}),
        commandTimeoutMs: options.commandTimeoutMs ?? 10 * 60_000,
        vendor: agent.llmProvider,
        ...(options.onModelCall ? { onModelCall: options.onModelCall } : {}),
        maxCommandOutputBytes: 1024 * 1024,
        maxToolOutputChars: 30_000,
        ...(options.onStep ? { onStep: options.onStep } : {}),
      })
      const usage: AgentUsage = {
        model: resolved.label,
        steps: result.steps,
        input_tokens: result.inputTokens,
        output_tokens: result.outputTokens,
        cached_input_tokens: result.cachedInputTokens,
        cost_usd: result.costUsd,
      }
      const cost = result.costUsd === null ? '' : `, $${result.costUsd.toFixed(4)}`
      input.log.system(
        `Agent ${result.finish ? 'finished' : 'stopped without calling finish'} after ${result.steps} model call${result.steps === 1 ? '' : 's'}: ${result.inputTokens} tokens in, ${result.outputTokens} out${cost}\n`,
      )
      const done = result.finish
      if (done)
        return {
          summary: done.summary,
          ...(done.commitType ? { commitType: done.commitType, commitScope: done.commitScope ?? null } : {}),
          ...(done.commitSubject ? { commitSubject: done.commitSubject } : {}),
          ...(done.plan ? { plan: done.plan } : {}),
          ...(done.review ? { review: done.review } : {}),
          usage,
        }
      if (mode !== 'implement')
        throw new AppError(
          'bad_request',
          `The agent (${resolved.label}) stopped without calling ${concludingTool[mode]}: no ${mode === 'plan' ? 'plan' : 'review'} was made.`,
        )
      return { summary: result.lastText || `The agent (${resolved.label}) stopped without a summary.`, usage }
    },
  }
}
