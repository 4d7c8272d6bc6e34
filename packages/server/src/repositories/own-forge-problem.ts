import { lookup } from 'node:dns/promises'
import { isIP } from 'node:net'
import { networkInterfaces } from 'node:os'

/** Where this server is reached: its base URLs (SQUAD_PUBLIC_URL, the listening URL) and its port. */
export type ServerAddresses = { urls: string[]; port: number }

const defaultPort = (url: URL) => Number(url.port || (url.protocol === 'https:' ? 443 : 80))

const bare = (hostname: string) => hostname.replace(/^\[|\]$/g, '').toLowerCase()

/** Loopback or "any" addresses, which reach this machine: 127/8, ::1, 0.0.0.0, ::, their IPv4-mapped forms. */
function isThisMachine(address: string): boolean {
  const ip = bare(address)
  if (isIP(ip) === 4) return ip.startsWith('127.') || ip === '0.0.0.0'
  if (isIP(ip) !== 6) return false
  if (ip === '::1' || ip === '::') return true
  const mapped = /^::ffff:(.+)$/.exec(ip)?.[1]
  if (!mapped) return false
  if (isIP(mapped) === 4) return isThisMachine(mapped)
  // The URL parser writes ::ffff:127.0.0.1 as ::ffff:7f00:1.
  const [high = -1, low = -1] = mapped.split(':').map((part) => Number.parseInt(part, 16))
  return high >> 8 === 127 || (high === 0 && low === 0)
}

/** The addresses of this machine's own network interfaces (a URL may name the server by its LAN address). */
function interfaceAddresses(): Set<string> {
  const addresses = new Set<string>()
  for (const list of Object.values(networkInterfaces()))
    for (const entry of list ?? []) addresses.add(bare(entry.address))
  return addresses
}

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
  const host = bare(url.hostname)
  const port = defaultPort(url)
  for (const own of self.urls) {
    try {
      const ownUrl = new URL(own)
      if (bare(ownUrl.hostname) === host && defaultPort(ownUrl) === port) return problem
    } catch {}
  }
  if (port !== self.port) return null
  if (host === 'localhost' || host.endsWith('.localhost') || isThisMachine(host)) return problem
  const local = interfaceAddresses()
  if (isIP(host)) return local.has(host) ? problem : null
  const addresses = await resolve(host)
  return addresses.some((a) => isThisMachine(a) || local.has(bare(a))) ? problem : null
}
