import type { ServerResponse } from 'node:http'

/** Answers with a JSON body (E2B's error shape is `{ code, message }`). */
export function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
}
