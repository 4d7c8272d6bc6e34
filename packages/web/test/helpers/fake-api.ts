import { vi } from 'vitest'

type Handler = (request: { method: string; path: string; body: unknown }) => unknown | Promise<unknown>
export type Route = { method: string; path: RegExp; handler: Handler }

/** A JSON error the way the API sends one. */
export class HttpError {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly message: string,
    /** `details` of the error body, e.g. `{ issues: [{ path, message }] }` of a 422. */
    readonly details?: unknown,
  ) {}
}

/**
 * Stubs `fetch` with routes answering like the API (JSON, 204 for undefined, the error shape for
 * HttpError). Unmatched requests fail the test loudly. Returns the log of requests.
 */
export function fakeApi(routes: Route[]) {
  const calls: { method: string; path: string; body: unknown }[] = []
  vi.stubGlobal('fetch', async (input: string, init: RequestInit = {}) => {
    const method = init.method ?? 'GET'
    const path = new URL(input, 'http://localhost').pathname
    const body = init.body ? JSON.parse(String(init.body)) : undefined
    calls.push({ method, path, body })
    const route = routes.find((r) => r.method === method && r.path.test(path))
    if (!route) throw new Error(`unexpected request ${method} ${path}`)
    try {
      const result = await route.handler({ method, path, body })
      if (result === undefined) return new Response(null, { status: 204 })
      return new Response(JSON.stringify(result), {
        status: 200,
        headers: { 'content-type': 'application/json' },
      })
    } catch (error) {
      if (!(error instanceof HttpError)) throw error
      const payload = {
        error: {
          code: error.code,
          message: error.message,
          ...(error.details === undefined ? {} : { details: error.details }),
        },
      }
      return new Response(JSON.stringify(payload), {
        status: error.status,
        headers: { 'content-type': 'application/json' },
      })
    }
  })
  return calls
}

/** A promise the test resolves or rejects when it chooses. */
export function deferred<T>() {
  let resolve!: (value: T) => void
  let reject!: (error: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}
