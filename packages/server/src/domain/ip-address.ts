import { isIP } from 'node:net'
import { networkInterfaces } from 'node:os'

/** An address without URL brackets, lower-cased: `[::1]` → `::1`. */
export const bareAddress = (hostname: string) => hostname.replace(/^\[|\]$/g, '').toLowerCase()

/**
 * The IPv4 address an IPv6 one carries (mapped `::ffff:a.b.c.d`, NAT64 `64:ff9b::a.b.c.d`, in
 * dotted or hex form: the URL parser writes ::ffff:127.0.0.1 as ::ffff:7f00:1), if any.
 */
export function embeddedIpv4(address: string): string | undefined {
  const lower = bareAddress(address)
  const dotted = /^(?:::ffff:|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/.exec(lower)
  if (dotted) return dotted[1]
  const hex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower)
  if (!hex) return undefined
  const high = Number.parseInt(hex[1] as string, 16)
  const low = Number.parseInt(hex[2] as string, 16)
  return [high >> 8, high & 255, low >> 8, low & 255].join('.')
}

/** Loopback or "any" addresses, which reach this machine: 127/8, ::1, 0.0.0.0, ::, their mapped forms. */
export function isLoopbackOrAny(address: string): boolean {
  const ip = bareAddress(address)
  const family = isIP(ip)
  if (family === 4) return ip.startsWith('127.') || ip === '0.0.0.0'
  if (family !== 6) return false
  if (ip === '::1' || ip === '::') return true
  const v4 = /^::ffff:/.test(ip) ? embeddedIpv4(ip) : undefined
  return v4 !== undefined && isLoopbackOrAny(v4)
}

/** The addresses of this machine's own network interfaces, read now. */
export function interfaceAddresses(): Set<string> {
  const addresses = new Set<string>()
  for (const list of Object.values(networkInterfaces()))
    for (const entry of list ?? []) addresses.add(bareAddress(entry.address))
  return addresses
}
