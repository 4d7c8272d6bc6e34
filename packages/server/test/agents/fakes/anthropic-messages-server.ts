import {
  argumentsText,
  type FakeModelServer,
  type FakeScript,
  pieces,
  startScriptedServer,
  type TurnWriter,
} from './scripted-model.ts'

/**
 * Messages streaming as Anthropic documents it: `message_start` (with input usage), for each
 * content block `content_block_start` / `content_block_delta` (`thinking_delta` + `signature_delta`,
 * `text_delta`, or `input_json_delta` for a tool_use block) / `content_block_stop`, a `ping`,
 * then `message_delta` (stop_reason, output usage) and `message_stop`.
 */
const writeMessagesTurn: TurnWriter = async (turn, request, write) => {
  const event = (type: string, data: Record<string, unknown>) =>
    write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`)
  const usage = turn.usage ?? { input: 100, output: 20 }
  await event('message_start', {
    message: {
      id: 'msg_fake',
      type: 'message',
      role: 'assistant',
      content: [],
      model: String(request.body.model ?? 'claude-fake'),
      stop_reason: null,
      stop_sequence: null,
      usage: {
        input_tokens: usage.input - (usage.cachedInput ?? 0),
        cache_read_input_tokens: usage.cachedInput ?? 0,
        cache_creation_input_tokens: 0,
        output_tokens: 1,
      },
    },
  })
  let index = 0
  if (turn.reasoning) {
    await event('content_block_start', { index, content_block: { type: 'thinking', thinking: '' } })
    for (const piece of pieces(turn.reasoning))
      await event('content_block_delta', { index, delta: { type: 'thinking_delta', thinking: piece } })
    await event('content_block_delta', {
      index,
      delta: { type: 'signature_delta', signature: 'fake-signature' },
    })
    await event('content_block_stop', { index })
    index++
  }
  await event('ping', {})
  if (turn.text) {
    await event('content_block_start', { index, content_block: { type: 'text', text: '' } })
    for (const piece of pieces(turn.text))
      await event('content_block_delta', { index, delta: { type: 'text_delta', text: piece } })
    await event('content_block_stop', { index })
    index++
  }
  const calls = turn.toolCalls ?? []
  for (const [n, call] of calls.entries()) {
    await event('content_block_start', {
      index,
      content_block: {
        type: 'tool_use',
        id: call.id ?? `toolu_${n}_${Date.now()}`,
        name: call.name,
        input: {},
      },
    })
    for (const piece of pieces(argumentsText(call), 16))
      await event('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: piece } })
    await event('content_block_stop', { index })
    index++
  }
  await event('message_delta', {
    delta: { stop_reason: calls.length ? 'tool_use' : 'end_turn', stop_sequence: null },
    usage: { output_tokens: usage.output },
  })
  await event('message_stop', {})
}

/** A fake Anthropic Messages API (POST {origin}/v1/messages) replaying `script`. */
export function startFakeAnthropic(script?: FakeScript): Promise<FakeModelServer> {
  return startScriptedServer({
    path: /\/v1\/messages(\?|$)/,
    basePath: '/v1',
    writeTurn: writeMessagesTurn,
    errorBody: (status) => ({
      type: 'error',
      error: {
        type: status === 429 ? 'rate_limit_error' : status === 529 ? 'overloaded_error' : 'api_error',
        message:
          status === 429
            ? 'Number of request tokens has exceeded your per-minute rate limit'
            : `fake error ${status}`,
      },
    }),
    ...(script ? { script } : {}),
  })
}
