import { createServer, type Server, type Socket } from 'node:net'
import type { ModelProxy } from '../../../src/agents/model-proxy/model-proxy.ts'
import {
  type FakeModelServer,
  type FakeScript,
  pieces,
  startScriptedServer,
} from '../fakes/scripted-model.ts'

/**
 * The proxy's host service on a TCP port of this machine, so a test (or the benchmark) reaches it the
 * way a sandbox's relay does: every connection handed to `accept`. Returns the proxy's base URL there.
 */
export async function serveProxy(proxy: ModelProxy): Promise<{ baseUrl: string; close(): Promise<void> }> {
  const service = proxy.hostServices[0]
  if (!service) throw new Error('the proxy has no host service')
  const sockets = new Set<Socket>()
  const server: Server = createServer((socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
    // As the sandbox's relay does (socat's `nodelay`): streamed chunks go out as they are written.
    socket.setNoDelay(true)
    service.accept(socket)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  return {
    baseUrl: proxy.baseUrl.replace(`:${service.port}`, `:${port}`),
    close: () =>
      new Promise<void>((resolve) => {
        // A client's idle keep-alive connections would hold the server open for seconds.
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}

/**
 * Gemini's `streamGenerateContent?alt=sse` as Google documents it (`data: {GenerateContentResponse}`
 * events, `usageMetadata` on the last). A small stand-in until the cli-real branch's
 * test/agents/fakes/gemini-server.ts (the CLI fake of all four protocols) is merged: then use that.
 */
export function startFakeGeminiStream(script?: FakeScript): Promise<FakeModelServer> {
  return startScriptedServer({
    path: /\/models\/[^/:?]+:streamGenerateContent(\?|$)/,
    basePath: '/v1beta',
    writeTurn: async (turn, request, write) => {
      const modelVersion = /models\/([^:/?]+)/.exec(request.path)?.[1] ?? 'gemini-fake'
      const usage = turn.usage ?? { input: 100, output: 20 }
      const text = pieces(turn.text ?? '')
      for (const [i, piece] of text.entries()) {
        const last = i === text.length - 1
        const body = {
          candidates: [
            {
              content: { role: 'model', parts: [{ text: piece }] },
              index: 0,
              ...(last ? { finishReason: 'STOP' } : {}),
            },
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
        }
        await write(`data: ${JSON.stringify(body)}\r\n\r\n`)
      }
    },
    errorBody: (status) => ({ error: { code: status, message: `fake error ${status}`, status: 'INTERNAL' } }),
    ...(script ? { script } : {}),
  })
}
