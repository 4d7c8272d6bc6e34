import http from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Database } from '../../packages/server/src/db/database.ts'
import { EVENTS_CHANNEL } from '../../packages/server/src/events/append-event.ts'

/**
 * The floor for the SSE bench: a bare node:http server that LISTENs on the events channel itself and
 * writes each NOTIFY payload (the new events as JSON, see events/announcement.ts) straight to every
 * client, as the `data:` of one SSE message. No routing, no auth, no
 * log read, no JSON: whatever our server costs beyond this is the price of its guarantees.
 */
export async function startFloorSseServer(database: Database) {
  const clients = new Set<http.ServerResponse>()
  const server = http.createServer((req, res) => {
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      'x-accel-buffering': 'no',
    })
    res.write(': connected\n\n')
    clients.add(res)
    req.on('close', () => clients.delete(res))
  })
  const unlisten = await database.listen(EVENTS_CHANNEL, (payload) => {
    const frame = `data: ${payload}\n\n`
    for (const res of clients) res.write(frame)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    clientCount: () => clients.size,
    async close() {
      await unlisten()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
