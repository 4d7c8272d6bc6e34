import type { IncomingMessage } from 'node:http'
import type { ModelProtocol, Route } from './model-protocols.ts'

/** Largest request body forwarded (a long conversation with images is a few MB). */
export const MAX_REQUEST_BYTES = 32 * 1024 * 1024

/** The whole request body, or null past MAX_REQUEST_BYTES. */
export async function readBody(req: IncomingMessage): Promise<Buffer | null> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > MAX_REQUEST_BYTES) return null
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks)
}

/**
 * The body to forward: as sent, except that a streamed Chat Completions request that did not ask for
 * usage is made to (`stream_options.include_usage`), and the usage-only chunk that adds is then taken
 * out of the answer (`strip`), so the client gets what it asked for.
 */
export function prepareBody(
  protocol: ModelProtocol,
  route: Route,
  body: Buffer,
): { body: Buffer; model: string | null; strip: boolean } {
  if (!route.generates || body.length === 0) return { body, model: null, strip: false }
  let parsed: Record<string, unknown>
  try {
    parsed = JSON.parse(body.toString('utf8'))
  } catch {
    return { body, model: null, strip: false }
  }
  const model = typeof parsed.model === 'string' ? parsed.model : null
  if (protocol !== 'openai-chat' || parsed.stream !== true) return { body, model, strip: false }
  const options = parsed.stream_options
  if (options && typeof options === 'object' && 'include_usage' in options)
    return { body, model, strip: false }
  const changed = { ...parsed, stream_options: { ...(options as object | undefined), include_usage: true } }
  return { body: Buffer.from(JSON.stringify(changed)), model, strip: true }
}
