import { chmod, rm } from 'node:fs/promises'
import { createServer, type Socket } from 'node:net'
import type { HostService } from '../sandbox-provider.ts'

/** A host service's Unix socket for one command: bound into its sandbox, gone when the command ends. */
export type ServiceListener = { port: number; path: string; close(): Promise<void> }

/**
 * Listens on `path` and hands every connection to the service, like the egress proxy's socket: only
 * the one command it is bound into can reach it (its folder is the server's alone).
 */
export async function listenForService(path: string, service: HostService): Promise<ServiceListener> {
  const sockets = new Set<Socket>()
  const server = createServer((socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
    socket.on('error', () => {})
    service.accept(socket)
  })
  await rm(path, { force: true })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(path, () => {
      server.off('error', reject)
      resolve()
    })
  })
  // The sandbox's uid (not the server's) connects to it.
  await chmod(path, 0o666)
  return {
    port: service.port,
    path,
    close: async () => {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((done) => server.close(() => done()))
      await rm(path, { force: true }).catch(() => {})
    },
  }
}
