import { spawn } from 'node:child_process'
import { Readable } from 'node:stream'
import { gitEnv } from '../../git/run-git.ts'

/** What `git http-backend` needs to know about one request (CGI/1.1 meta-variables, RFC 3875). */
export type HttpBackendRequest = {
  /** The folder holding every bare repository (GIT_PROJECT_ROOT). */
  projectRoot: string
  /** The repository and service below the root, e.g. `/<squad>/<name>.git/info/refs`. */
  pathInfo: string
  query: string
  method: string
  contentType?: string | undefined
  /** Absent for chunked bodies: the backend then reads to end of input. */
  contentLength?: string | undefined
  /** `gzip` when git compressed the request body; the backend inflates it. */
  contentEncoding?: string | undefined
  /** The client's `Git-Protocol` header (e.g. `version=2`). */
  gitProtocol?: string | undefined
  remoteUser: string
  remoteAddr: string
  body: ReadableStream<Uint8Array> | null
  /** Aborted when the client goes away: the backend is stopped. */
  signal?: AbortSignal | undefined
  /** More environment for the backend and the git commands it runs (the push rules, push-policy.ts). */
  env?: Record<string, string> | undefined
}

const MAX_HEAD_BYTES = 64 * 1024

/** Splits a CGI response head ("Name: value" lines) into a status and headers. */
export function parseCgiHead(head: string): { status: number; headers: Headers } {
  const headers = new Headers()
  let status = 200
  for (const line of head.split(/\r?\n/)) {
    const colon = line.indexOf(':')
    if (colon <= 0) continue
    const name = line.slice(0, colon).trim()
    const value = line.slice(colon + 1).trim()
    if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10) || 500
    else headers.append(name, value)
  }
  if (status === 200 && headers.has('location')) status = 302
  return { status, headers }
}

/** Where the head ends: the first blank line (CRLF or LF), as [end of head, start of body]. */
function headEnd(buffer: Buffer): [number, number] | null {
  const crlf = buffer.indexOf('\r\n\r\n')
  const lf = buffer.indexOf('\n\n')
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return [crlf, crlf + 4]
  if (lf >= 0) return [lf, lf + 2]
  return null
}

/**
 * Runs `git http-backend` as a CGI for one request and answers with its output. Both bodies stream:
 * the request body is piped into the backend as it arrives and the response body is read from the
 * backend as the client reads it, so a pack is never held in memory. Only the head is buffered.
 */
export async function runHttpBackend(
  request: HttpBackendRequest,
  options: { onStderr?: (text: string) => void } = {},
): Promise<Response> {
  const env: Record<string, string> = {
    ...request.env,
    GIT_PROJECT_ROOT: request.projectRoot,
    GIT_HTTP_EXPORT_ALL: '1',
    PATH_INFO: request.pathInfo,
    QUERY_STRING: request.query,
    REQUEST_METHOD: request.method,
    REMOTE_USER: request.remoteUser,
    REMOTE_ADDR: request.remoteAddr,
    GATEWAY_INTERFACE: 'CGI/1.1',
    SERVER_PROTOCOL: 'HTTP/1.1',
  }
  if (request.contentType) env.CONTENT_TYPE = request.contentType
  if (request.contentLength) env.CONTENT_LENGTH = request.contentLength
  if (request.contentEncoding) env.HTTP_CONTENT_ENCODING = request.contentEncoding
  if (request.gitProtocol) env.GIT_PROTOCOL = request.gitProtocol

  const child = spawn('git', ['http-backend'], { env: gitEnv(env), stdio: ['pipe', 'pipe', 'pipe'] })
  const stop = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
  }
  request.signal?.addEventListener('abort', stop, { once: true })
  child.on('close', () => request.signal?.removeEventListener('abort', stop))

  let stderr = ''
  child.stderr.setEncoding('utf8')
  child.stderr.on('data', (text: string) => {
    if (stderr.length < 16 * 1024) stderr += text
  })
  child.stderr.on('end', () => {
    if (stderr.trim()) options.onStderr?.(stderr.trim())
  })

  // The backend may exit before reading everything (a refused request): that is not our error.
  child.stdin.on('error', () => {})
  if (request.body) {
    const body = Readable.fromWeb(request.body as import('node:stream/web').ReadableStream<Uint8Array>)
    body.on('error', stop)
    body.pipe(child.stdin)
  } else child.stdin.end()

  const chunks = child.stdout[Symbol.asyncIterator]() as AsyncIterator<Buffer>
  const spawned = new Promise<never>((_, reject) => child.once('error', reject))
  spawned.catch(() => {}) // a spawn error after the head is read surfaces as the body's end
  let buffered = Buffer.alloc(0)
  let split: [number, number] | null = null
  try {
    while (!split) {
      const next = await Promise.race([chunks.next(), spawned])
      if (next.done) throw new Error(`git http-backend ended before its response head: ${stderr.trim()}`)
      buffered = Buffer.concat([buffered, next.value])
      split = headEnd(buffered)
      if (!split && buffered.length > MAX_HEAD_BYTES)
        throw new Error('git http-backend sent an oversized head')
    }
  } catch (error) {
    stop()
    throw error
  }

  const { status, headers } = parseCgiHead(buffered.subarray(0, split[0]).toString('latin1'))
  const rest = buffered.subarray(split[1])
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      if (rest.length > 0) controller.enqueue(new Uint8Array(rest))
    },
    async pull(controller) {
      try {
        const next = await chunks.next()
        if (next.done) controller.close()
        else controller.enqueue(new Uint8Array(next.value))
      } catch (error) {
        controller.error(error)
      }
    },
    cancel() {
      stop()
      void chunks.return?.()
    },
  })
  const bodiless = request.method === 'HEAD' || status === 204 || status === 304
  return new Response(bodiless ? null : body, { status, headers })
}
