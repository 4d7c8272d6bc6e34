import { type LanguageModel, type ModelMessage, type ProviderMetadata, streamText, type ToolSet } from 'ai'
import { ModelCallError, ModelTimeoutError } from './model-errors.ts'

export type ModelToolCall = {
  toolCallId: string
  toolName: string
  input: unknown
  /** Set when the arguments could not be parsed (not JSON): the reason, for the model. */
  invalidReason?: string
}

export type ModelStepUsage = { inputTokens: number; outputTokens: number; cachedInputTokens: number }

export type ModelStep = {
  text: string
  toolCalls: ModelToolCall[]
  /** The assistant message to add to the conversation (text, reasoning, tool calls). */
  assistant: ModelMessage[]
  usage: ModelStepUsage
  finishReason: string
}

export type ModelCallOptions = {
  model: LanguageModel
  system: string
  messages: ModelMessage[]
  /** Tools as the model sees them (no `execute`: the loop runs them through the wrapper). */
  tools: ToolSet
  signal: AbortSignal
  /** Longest silence (no first byte, or between stream parts) before the call counts as timed out. */
  idleTimeoutMs: number
  maxOutputTokens?: number
  reasoning?: 'low' | 'medium' | 'high'
  providerOptions?: Record<string, ProviderMetadata[string]>
  onText(delta: string): void
  onReasoning(delta: string): void
  /** The provider's warnings about the request (unsupported settings and the like). */
  onWarning?(warning: string): void
}

const warningText = (warning: { type: string } & Record<string, unknown>): string =>
  typeof warning.message === 'string'
    ? warning.message
    : `${warning.type}${typeof warning.feature === 'string' ? `: ${warning.feature}` : ''}${typeof warning.details === 'string' ? ` (${warning.details})` : ''}`

// The SDK would print its warnings on the server's console; the loop puts them in the terminal log.
;(globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false

const reasonOf = (error: unknown): string => {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error
  return cause instanceof Error ? cause.message : String(cause)
}

/**
 * One model call, streamed: text and reasoning deltas go out as they arrive, tool calls are
 * collected. The AI SDK's retries are off (the loop retries, see model-retry.ts); a failure throws
 * ModelCallError, marked with whether output had already streamed.
 */
export async function streamModelStep(options: ModelCallOptions): Promise<ModelStep> {
  const controller = new AbortController()
  const onAbort = () => controller.abort(options.signal.reason)
  options.signal.addEventListener('abort', onAbort, { once: true })
  if (options.signal.aborted) onAbort()
  const idle = setTimeout(
    () => controller.abort(new ModelTimeoutError(options.idleTimeoutMs)),
    options.idleTimeoutMs,
  )
  let emitted = false
  let text = ''
  const toolCalls: ModelToolCall[] = []
  let usage: ModelStepUsage = { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0 }
  let finishReason = 'unknown'
  try {
    const result = streamText({
      model: options.model,
      instructions: options.system,
      messages: options.messages,
      tools: options.tools,
      maxRetries: 0,
      abortSignal: controller.signal,
      ...(options.maxOutputTokens ? { maxOutputTokens: options.maxOutputTokens } : {}),
      ...(options.reasoning ? { reasoning: options.reasoning } : {}),
      ...(options.providerOptions ? { providerOptions: options.providerOptions } : {}),
      // Errors arrive as stream parts below; this only keeps the SDK from logging them too.
      onError: () => {},
    })
    for await (const part of result.stream) {
      idle.refresh()
      switch (part.type) {
        case 'start-step':
          for (const warning of part.warnings) options.onWarning?.(warningText(warning))
          break
        case 'text-delta':
          if (!part.text) break
          emitted = true
          text += part.text
          options.onText(part.text)
          break
        case 'reasoning-delta':
          if (!part.text) break
          emitted = true
          options.onReasoning(part.text)
          break
        case 'tool-call':
          emitted = true
          toolCalls.push({
            toolCallId: part.toolCallId,
            toolName: part.toolName,
            input: part.input,
            ...(part.invalid ? { invalidReason: reasonOf(part.error) } : {}),
          })
          break
        case 'finish-step':
          usage = {
            inputTokens: part.usage.inputTokens ?? 0,
            outputTokens: part.usage.outputTokens ?? 0,
            cachedInputTokens: part.usage.inputTokenDetails?.cacheReadTokens ?? 0,
          }
          finishReason = part.finishReason
          break
        case 'error':
          throw part.error
        case 'abort':
          throw controller.signal.reason ?? new Error('the model call was aborted')
      }
    }
    if (controller.signal.aborted) throw controller.signal.reason
    const messages = await result.responseMessages
    return {
      text,
      toolCalls,
      assistant: messages.filter((m) => m.role === 'assistant'),
      usage,
      finishReason,
    }
  } catch (error) {
    if (options.signal.aborted) throw options.signal.reason
    const reason = controller.signal.aborted ? controller.signal.reason : error
    throw new ModelCallError(reason, emitted)
  } finally {
    clearTimeout(idle)
    options.signal.removeEventListener('abort', onAbort)
  }
}
