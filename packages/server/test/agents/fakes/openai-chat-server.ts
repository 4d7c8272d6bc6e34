import {
  argumentsText,
  type FakeModelServer,
  type FakeScript,
  pieces,
  startScriptedServer,
  type TurnWriter,
} from './scripted-model.ts'

/**
 * Chat Completions streaming as the OpenAI API documents it: `data: {chat.completion.chunk}` lines
 * with `delta.content`, `delta.tool_calls[i]` (id and name first, then `function.arguments` in
 * pieces), a `finish_reason`, a last chunk with `usage` (stream_options.include_usage) and
 * `data: [DONE]`. `delta.reasoning_content` carries reasoning as DeepSeek, vLLM and Ollama send it.
 */
const writeChatTurn: TurnWriter = async (turn, request, write) => {
  const model = String(request.body.model ?? 'fake-model')
  const base = { id: 'chatcmpl-fake', object: 'chat.completion.chunk', created: 1_700_000_000, model }
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
    write(`data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`)
  await chunk({ role: 'assistant', content: '' })
  for (const piece of pieces(turn.reasoning ?? '')) await chunk({ reasoning_content: piece })
  for (const piece of pieces(turn.text ?? '')) await chunk({ content: piece })
  const calls = turn.toolCalls ?? []
  for (const [index, call] of calls.entries()) {
    await chunk({
      tool_calls: [
        {
          index,
          id: call.id ?? `call_${index}_${Date.now()}`,
          type: 'function',
          function: { name: call.name, arguments: '' },
        },
      ],
    })
    for (const piece of pieces(argumentsText(call), 16))
      await chunk({ tool_calls: [{ index, function: { arguments: piece } }] })
  }
  await chunk({}, calls.length ? 'tool_calls' : 'stop')
  const usage = turn.usage ?? { input: 100, output: 20 }
  const includeUsage = (request.body.stream_options as { include_usage?: boolean } | undefined)?.include_usage
  if (includeUsage !== false)
    await write(
      `data: ${JSON.stringify({
        ...base,
        choices: [],
        usage: {
          prompt_tokens: usage.input,
          completion_tokens: usage.output,
          total_tokens: usage.input + usage.output,
          prompt_tokens_details: { cached_tokens: usage.cachedInput ?? 0 },
        },
      })}\n\n`,
    )
  await write('data: [DONE]\n\n')
}

/** A fake OpenAI-compatible server (POST {base}/chat/completions) replaying `script`. */
export function startFakeOpenAI(script?: FakeScript): Promise<FakeModelServer> {
  return startScriptedServer({
    path: /\/chat\/completions$/,
    basePath: '/v1',
    writeTurn: writeChatTurn,
    errorBody: (status) => ({
      error: {
        message: status === 429 ? 'Rate limit reached for requests' : `fake error ${status}`,
        type: status === 429 ? 'rate_limit_exceeded' : 'server_error',
        code: null,
      },
    }),
    ...(script ? { script } : {}),
  })
}
