import { describe, expect, it } from 'vitest'
import { createUsageMeter } from '../../../src/agents/model-proxy/usage-meter.ts'

const sse = (...events: unknown[]) => events.map((data) => `data: ${JSON.stringify(data)}\n\n`).join('')

/** Feeds the body one byte at a time: no event, line or character arrives whole. */
function meter(
  protocol: Parameters<typeof createUsageMeter>[0],
  type: string,
  body: string,
  model: string | null = null,
) {
  const m = createUsageMeter(protocol, type, model)
  for (const byte of Buffer.from(body)) m.push(Buffer.from([byte]))
  return m.end()
}

describe('reading usage from model answers', () => {
  it('Anthropic: input with cache reads and writes from message_start, output from the last message_delta', () => {
    const body = `event: message_start\n${sse({
      type: 'message_start',
      message: {
        model: 'claude-haiku-4-5',
        usage: {
          input_tokens: 10,
          cache_read_input_tokens: 900,
          cache_creation_input_tokens: 90,
          output_tokens: 1,
        },
      },
    })}${sse({ type: 'content_block_delta', delta: { type: 'text_delta', text: 'é…' } })}${sse(
      { type: 'message_delta', usage: { output_tokens: 7 } },
      { type: 'message_delta', usage: { output_tokens: 42 } },
    )}`
    expect(meter('anthropic-messages', 'text/event-stream; charset=utf-8', body)).toEqual({
      model: 'claude-haiku-4-5',
      inputTokens: 1000,
      outputTokens: 42,
      cachedInputTokens: 900,
    })
    // Not streamed: the message is the body.
    const message = { type: 'message', model: 'claude-x', usage: { input_tokens: 5, output_tokens: 6 } }
    expect(meter('anthropic-messages', 'application/json', JSON.stringify(message))).toEqual({
      model: 'claude-x',
      inputTokens: 5,
      outputTokens: 6,
      cachedInputTokens: 0,
    })
  })

  it('Responses: a response that ended incomplete still reports its usage', () => {
    const body = sse(
      { type: 'response.created', response: { model: 'gpt-5', usage: null } },
      {
        type: 'response.incomplete',
        response: {
          model: 'gpt-5',
          usage: { input_tokens: 30, output_tokens: 4, input_tokens_details: { cached_tokens: 8 } },
        },
      },
    )
    expect(meter('openai-responses', 'text/event-stream', body)).toEqual({
      model: 'gpt-5',
      inputTokens: 30,
      outputTokens: 4,
      cachedInputTokens: 8,
    })
  })

  it('Chat Completions: the usage chunk, CRLF line ends; none without one', () => {
    const chunk = { model: 'gpt-4o', choices: [{ delta: { content: 'hi' } }] }
    const usage = { model: 'gpt-4o', choices: [], usage: { prompt_tokens: 12, completion_tokens: 3 } }
    const body = `${sse(chunk, usage)}data: [DONE]\n\n`.replaceAll('\n', '\r\n')
    expect(meter('openai-chat', 'text/event-stream', body)).toEqual({
      model: 'gpt-4o',
      inputTokens: 12,
      outputTokens: 3,
      cachedInputTokens: 0,
    })
    expect(meter('openai-chat', 'text/event-stream', `${sse(chunk)}data: [DONE]\n\n`)).toBeNull()
  })

  it('Gemini: the last usageMetadata counts, thoughts are output; a streamed JSON array too', () => {
    const parts = [
      { modelVersion: 'gemini-2.5-pro', usageMetadata: { promptTokenCount: 50, candidatesTokenCount: 1 } },
      {
        modelVersion: 'gemini-2.5-pro',
        usageMetadata: {
          promptTokenCount: 50,
          candidatesTokenCount: 9,
          thoughtsTokenCount: 20,
          cachedContentTokenCount: 40,
        },
      },
    ]
    const expected = { model: 'gemini-2.5-pro', inputTokens: 50, outputTokens: 29, cachedInputTokens: 40 }
    expect(meter('gemini', 'text/event-stream', sse(...parts))).toEqual(expected)
    // streamGenerateContent without alt=sse answers a JSON array, streamed.
    expect(
      meter(
        'gemini',
        'application/json; charset=UTF-8',
        `[${parts.map((p) => JSON.stringify(p)).join(',\r\n')}]`,
      ),
    ).toEqual(expected)
    // The request's model when the answer names none.
    expect(
      meter('gemini', 'text/event-stream', sse({ usageMetadata: { promptTokenCount: 1 } }), 'gemini-x'),
    ).toEqual({
      model: 'gemini-x',
      inputTokens: 1,
      outputTokens: 0,
      cachedInputTokens: 0,
    })
  })
})
