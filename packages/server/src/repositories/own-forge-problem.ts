import { lookup } from 'node:dns/promises'
import { isIP } from 'node:net'
import { bareAddress, interfaceAddresses, isLoopbackOrAny } from '../domain/ip-address.ts'

/** Where this server is reached: its base URLs (SQUAD_PUBLIC_URL, the listening URL) and its port. */
export type ServerAddresses = { urls: string[]; port: number }

const defaultPort = (url: URL) => Number(url.port || (url.protocol === 'https:' ? 443 : 80))

const LOOKUP_TIMEOUT_MS = 2000

/** The addresses a host name resolves to; none when it does not resolve (soon enough). */
async function resolve(hostname: string): Promise<string[]> {
  const timeout = new Promise<[]>((done) => setTimeout(() => done([]), LOOKUP_TIMEOUT_MS).unref())
  const found = lookup(hostname, { all: true }).then(
    (list) => list.map((entry) => entry.address),
    () => [],
  )
  return Promise.race([found, timeout])
}

/**
 * Why a repository URL is refused because it points back at this server's own forge, or null. A
 * "remote" repository cloned from our own git smart HTTP would go around what the local forge
 * enforces on its repositories (who may push what), so it is connected by name instead. Caught: one
 * of the server's own base URLs (same host and port), and any name for this machine (localhost, 127.x,
 * [::1], 0.0.0.0, an interface's address, a host name resolving to one of those) at the server's port.
 */
export async function ownForgeProblem(raw: string, self: ServerAddresses): Promise<string | null> {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return null // scp-like (git@host:path) and other forms: not HTTP, so not our forge
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null
  const problem =
    'points at this server\'s own forge: connect the repository by name instead ({ "name": … } without a url)'
  const host = bareAddress(url.hostname)
  const port = defaultPort(url)
  for (const own of self.urls) {
    try {
      const ownUrl = new URL(own)
      if (bareAddress(ownUrl.hostname) === host && defaultPort(ownUrl) === port) return problem
    } catch {}
  }
  if (port !== self.port) return null
  if (host === 'localhost' || host.endsWith('.localhost') || isLoopbackOrAny(host)) return problem
  const local = interfaceAddresses()
  if (isIP(host)) return local.has(host) ? problem : null
  const addresses = await resolve(host)
  return addresses.some((a) => isLoopbackOrAny(a) || local.has(bareAddress(a))) ? problem : null
}
