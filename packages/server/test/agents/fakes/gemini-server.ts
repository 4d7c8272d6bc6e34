import {
  type FakeModelServer,
  type FakeScript,
  pieces,
  startScriptedServer,
  type TurnWriter,
} from './scripted-model.ts'

/**
 * Gemini's `models/{model}:streamGenerateContent?alt=sse` as Google documents it: each SSE event is
 * `data: {GenerateContentResponse}` with `candidates[0].content` (`role: "model"`, `parts`: `text`,
 * `thought: true` text for reasoning, or a whole `functionCall` with `name` and `args`), the last one
 * with `finishReason: "STOP"` and `usageMetadata` (`promptTokenCount`, `candidatesTokenCount`,
 * `cachedContentTokenCount`, `totalTokenCount`). Function arguments are never streamed in pieces.
 */
const writeGeminiTurn: TurnWriter = async (turn, request, write) => {
  const modelVersion = /models\/([^:/?]+)/.exec(request.path)?.[1] ?? 'gemini-fake'
  const responseId = `fake-${Date.now()}`
  const chunk = (parts: Record<string, unknown>[], last = false) => {
    const usage = turn.usage ?? { input: 100, output: 20 }
    const body = {
      candidates: [
        { content: { role: 'model', parts }, index: 0, ...(last ? { finishReason: 'STOP' } : {}) },
      ],
      ...(last
        ? {
            usageMetadata: {
              promptTokenCount: usage.input,
              candidatesTokenCount: usage.output,
              cachedContentTokenCount: usage.cachedInput ?? 0,
              totalTokenCount: usage.input + usage.output,
            },
          }
        : {}),
      modelVersion,
      responseId,
    }
    return write(`data: ${JSON.stringify(body)}\r\n\r\n`)
  }
  for (const piece of pieces(turn.reasoning ?? '')) await chunk([{ text: piece, thought: true }])
  const text = pieces(turn.text ?? '')
  const calls = (turn.toolCalls ?? []).map((call) => ({
    functionCall: { name: call.name, args: call.raw !== undefined ? call.raw : (call.args ?? {}) },
  }))
  // The last chunk carries the calls (or the last piece of text), the finish reason and the usage.
  const lastText = calls.length ? undefined : text.pop()
  for (const piece of text) await chunk([{ text: piece }])
  await chunk(lastText !== undefined ? [{ text: lastText }] : calls.length ? calls : [{ text: '' }], true)
}

/** A fake Gemini API (POST {origin}/v1beta/models/{model}:streamGenerateContent) replaying `script`. */
export function startFakeGemini(script?: FakeScript): Promise<FakeModelServer> {
  return startScriptedServer({
    path: /\/models\/[^/:?]+:streamGenerateContent(\?|$)/,
    basePath: '/v1beta',
    writeTurn: writeGeminiTurn,
    errorBody: (status) => ({
      error: {
        code: status,
        message: status === 429 ? 'Resource has been exhausted (e.g. check quota).' : `fake error ${status}`,
        status: status === 429 ? 'RESOURCE_EXHAUSTED' : status === 503 ? 'UNAVAILABLE' : 'INTERNAL',
      },
    }),
    ...(script ? { script } : {}),
  })
}
