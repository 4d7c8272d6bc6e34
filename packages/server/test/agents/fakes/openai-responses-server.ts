import {
  argumentsText,
  type FakeModelServer,
  type FakeScript,
  pieces,
  startScriptedServer,
  type TurnWriter,
} from './scripted-model.ts'

/**
 * The Responses API streaming as OpenAI documents it: `response.created`, then for each output item
 * `response.output_item.added`, its deltas (`response.output_text.delta` for a message,
 * `response.function_call_arguments.delta` / `.done` for a function call) and
 * `response.output_item.done`, and `response.completed` with the usage.
 */
const writeResponsesTurn: TurnWriter = async (turn, request, write) => {
  let sequence = 0
  const event = (type: string, data: Record<string, unknown>) =>
    write(`event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence++, ...data })}\n\n`)
  const response = {
    id: `resp_${Date.now()}`,
    object: 'response',
    created_at: 1_700_000_000,
    model: String(request.body.model ?? 'gpt-fake'),
    status: 'in_progress',
    output: [],
  }
  await event('response.created', { response })
  let index = 0
  if (turn.text) {
    const id = `msg_${index}`
    await event('response.output_item.added', {
      output_index: index,
      item: { type: 'message', id, status: 'in_progress', role: 'assistant', content: [] },
    })
    for (const delta of pieces(turn.text))
      await event('response.output_text.delta', { item_id: id, output_index: index, content_index: 0, delta })
    await event('response.output_item.done', {
      output_index: index,
      item: {
        type: 'message',
        id,
        status: 'completed',
        role: 'assistant',
        content: [{ type: 'output_text', text: turn.text, annotations: [] }],
      },
    })
    index++
  }
  for (const [n, call] of (turn.toolCalls ?? []).entries()) {
    const id = `fc_${index}`
    const item = { type: 'function_call', id, call_id: call.id ?? `call_${n}_${Date.now()}`, name: call.name }
    const args = argumentsText(call)
    await event('response.output_item.added', {
      output_index: index,
      item: { ...item, arguments: '', status: 'in_progress' },
    })
    for (const delta of pieces(args, 16))
      await event('response.function_call_arguments.delta', { item_id: id, output_index: index, delta })
    await event('response.function_call_arguments.done', {
      item_id: id,
      output_index: index,
      arguments: args,
    })
    await event('response.output_item.done', {
      output_index: index,
      item: { ...item, arguments: args, status: 'completed' },
    })
    index++
  }
  const usage = turn.usage ?? { input: 100, output: 20 }
  await event('response.completed', {
    response: {
      ...response,
      status: 'completed',
      usage: {
        input_tokens: usage.input,
        input_tokens_details: { cached_tokens: usage.cachedInput ?? 0 },
        output_tokens: usage.output,
        output_tokens_details: { reasoning_tokens: 0 },
        total_tokens: usage.input + usage.output,
      },
    },
  })
}

/** A fake OpenAI Responses API (POST {base}/responses) replaying `script`. */
export function startFakeOpenAIResponses(script?: FakeScript): Promise<FakeModelServer> {
  return startScriptedServer({
    path: /\/v1\/responses$/,
    basePath: '/v1',
    writeTurn: writeResponsesTurn,
    errorBody: (status) => ({ error: { message: `fake error ${status}`, type: 'server_error', code: null } }),
    ...(script ? { script } : {}),
  })
}
