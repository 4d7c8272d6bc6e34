import { BlockList, isIP } from 'node:net'
import { embeddedIpv4, interfaceAddresses } from '../domain/ip-address.ts'
import { remoteEndpoint } from '../git/remote-url.ts'

/**
 * What a sandbox's commands may reach. Every provider honours it its own way (the local provider
 * through an egress proxy, a cloud provider through its vendor's network rules):
 * - `off`: nothing outside the sandbox;
 * - `internet`: public addresses only (never this host's loopback, its own interfaces, link-local
 *   such as the cloud metadata service 169.254.169.254, or private ranges), plus `allow`;
 * - `allowlist`: only the destinations `allow` names.
 * An `allow` entry names a destination explicitly, so it is reachable whatever address it resolves
 * to: `example.com`, `*.example.com` (its subdomains), either with `:port`, an IP address, or a CIDR
 * range (`10.1.2.0/24`). The syntax is checked by `NetworkAllowEntry` in the contract.
 */
export type NetworkPolicy =
  | { mode: 'off' }
  | { mode: 'internet'; allow?: string[] }
  | { mode: 'allowlist'; allow: string[] }

export const NETWORK_OFF: NetworkPolicy = { mode: 'off' }
export const NETWORK_INTERNET: NetworkPolicy = { mode: 'internet' }

/**
 * Destinations an `allowlist` squad gets unless it sets its own list: the package registries the
 * usual toolchains install from, the code hosts they fetch from, and the model APIs the agent CLIs
 * call. All public names: loopback and private addresses are never in a default.
 */
export const DEFAULT_ALLOWLIST: readonly string[] = [
  'registry.npmjs.org',
  'registry.yarnpkg.com',
  'pypi.org',
  'files.pythonhosted.org',
  'crates.io',
  'static.crates.io',
  'index.crates.io',
  'proxy.golang.org',
  'sum.golang.org',
  'repo.maven.apache.org',
  'rubygems.org',
  'deb.debian.org',
  'github.com',
  '*.github.com',
  '*.githubusercontent.com',
  'gitlab.com',
  'api.anthropic.com',
  'api.openai.com',
  'generativelanguage.googleapis.com',
]

/** One parsed `allow` entry. */
type Rule =
  | { kind: 'host'; host: string; subdomains: boolean; port?: number }
  | { kind: 'address'; list: BlockList; port?: number }

const familyOf = (address: string) => (isIP(address) === 6 ? 'ipv6' : 'ipv4')

/** Parses an allow entry; undefined when it is not one (the contract rejects those at the API). */
export function parseAllowEntry(entry: string): Rule | undefined {
  let text = entry.trim().toLowerCase()
  let port: number | undefined
  // `[::1]:443`, `host:443`, `1.2.3.4:443`; a bare IPv6 address has several colons and no port.
  const bracketed = /^\[([0-9a-f:.]+)\](?::(\d{1,5}))?$/.exec(text)
  if (bracketed) {
    text = bracketed[1] as string
    if (bracketed[2]) port = Number(bracketed[2])
  } else if ((text.match(/:/g) ?? []).length === 1) {
    const [head, tail] = text.split(':') as [string, string]
    if (!/^\d{1,5}$/.test(tail)) return undefined
    text = head
    port = Number(tail)
  }
  if (port !== undefined && (port < 1 || port > 65_535)) return undefined
  const withPort = port !== undefined ? { port } : {}
  const cidr = /^([0-9a-f:.]+)\/(\d{1,3})$/.exec(text)
  if (cidr) {
    const address = cidr[1] as string
    const prefix = Number(cidr[2])
    if (!isIP(address) || prefix > (isIP(address) === 6 ? 128 : 32)) return undefined
    const list = new BlockList()
    list.addSubnet(address, prefix, familyOf(address))
    return { kind: 'address', list, ...withPort }
  }
  if (isIP(text)) {
    const list = new BlockList()
    list.addAddress(text, familyOf(text))
    return { kind: 'address', list, ...withPort }
  }
  const subdomains = text.startsWith('*.')
  const host = subdomains ? text.slice(2) : text
  if (
    !/^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*$/.test(
      host,
    )
  )
    return undefined
  return { kind: 'host', host, subdomains, ...withPort }
}

/** Addresses never reachable in `internet` mode unless an entry names them. */
const NON_PUBLIC: Array<[string, number, 'ipv4' | 'ipv6']> = [
  ['0.0.0.0', 8, 'ipv4'], // "this network"
  ['10.0.0.0', 8, 'ipv4'],
  ['100.64.0.0', 10, 'ipv4'], // carrier-grade NAT
  ['127.0.0.0', 8, 'ipv4'],
  ['169.254.0.0', 16, 'ipv4'], // link-local, cloud metadata
  ['172.16.0.0', 12, 'ipv4'],
  ['192.0.0.0', 24, 'ipv4'],
  ['192.0.2.0', 24, 'ipv4'],
  ['192.168.0.0', 16, 'ipv4'],
  ['198.18.0.0', 15, 'ipv4'], // benchmarking
  ['198.51.100.0', 24, 'ipv4'],
  ['203.0.113.0', 24, 'ipv4'],
  ['224.0.0.0', 4, 'ipv4'], // multicast
  ['240.0.0.0', 4, 'ipv4'], // reserved, broadcast
  ['::', 128, 'ipv6'],
  ['::1', 128, 'ipv6'],
  ['64:ff9b:1::', 48, 'ipv6'],
  ['100::', 64, 'ipv6'],
  ['2001:db8::', 32, 'ipv6'],
  ['fc00::', 7, 'ipv6'], // unique local
  ['fe80::', 10, 'ipv6'], // link-local
  ['ff00::', 8, 'ipv6'], // multicast
]

const nonPublic = new BlockList()
for (const [address, prefix, family] of NON_PUBLIC) nonPublic.addSubnet(address, prefix, family)

/** True for an address on the public internet that is not one of this host's own. */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address)
  if (!family) return false
  const v4 = family === 6 ? embeddedIpv4(address) : address
  if (v4 !== undefined && v4 !== address) return isPublicAddress(v4)
  if (nonPublic.check(address, family === 6 ? 'ipv6' : 'ipv4')) return false
  return !hostAddresses().has(address.toLowerCase())
}

let ownAddresses: { at: number; set: Set<string> } | undefined
/** This host's own interface addresses (a public one still reaches the server), read at most once a minute. */
function hostAddresses(): Set<string> {
  if (!ownAddresses || Date.now() - ownAddresses.at > 60_000) {
    ownAddresses = { at: Date.now(), set: interfaceAddresses() }
  }
  return ownAddresses.set
}

export type EgressDecision = { allowed: true } | { allowed: false; reason: string }

/** A compiled policy: answers whether one destination may be reached. */
export type EgressPolicy = {
  readonly mode: NetworkPolicy['mode']
  /** Whether `host` (as the client named it) itself is named by an entry for `port`. */
  namesHost(host: string, port: number): boolean
  /** The decision for one resolved address of `host`. */
  decide(host: string, address: string, port: number): EgressDecision
}

export function compilePolicy(policy: NetworkPolicy): EgressPolicy {
  const rules = (policy.mode === 'off' ? [] : (policy.allow ?? []))
    .map(parseAllowEntry)
    .filter((rule): rule is Rule => rule !== undefined)
  const portMatches = (rule: Rule, port: number) => rule.port === undefined || rule.port === port
  const namesHost = (host: string, port: number) => {
    const name = host.toLowerCase().replace(/\.$/, '')
    return rules.some(
      (rule) =>
        rule.kind === 'host' &&
        portMatches(rule, port) &&
        (rule.subdomains ? name.endsWith(`.${rule.host}`) : name === rule.host),
    )
  }
  const namesAddress = (address: string, port: number) =>
    rules.some(
      (rule) =>
        rule.kind === 'address' && portMatches(rule, port) && rule.list.check(address, familyOf(address)),
    )
  return {
    mode: policy.mode,
    namesHost,
    decide(host, address, port) {
      if (policy.mode === 'off') return { allowed: false, reason: 'the network is off for this sandbox' }
      if (namesHost(host, port) || namesAddress(address, port)) return { allowed: true }
      if (policy.mode === 'allowlist')
        return { allowed: false, reason: `${host}:${port} is not in the squad's network allowlist` }
      if (!isPublicAddress(address))
        return {
          allowed: false,
          reason: `${address} is not a public address (loopback, private, link-local or this host's own); allow it explicitly to reach it`,
        }
      return { allowed: true }
    },
  }
}

/** Reads a policy stored before policies existed (`true` / `false`) or in the current shape. */
export function normalizePolicy(value: boolean | NetworkPolicy | undefined): NetworkPolicy {
  if (value === undefined || value === true) return NETWORK_INTERNET
  if (value === false) return NETWORK_OFF
  return value
}

/**
 * A squad's setting as a policy: `allowlist` allows the squad's list (the default list when it set
 * none); `internet` allows public addresses plus whatever the squad's list names explicitly.
 */
export function networkPolicyOf(mode: NetworkPolicy['mode'], allowlist?: string[]): NetworkPolicy {
  if (mode === 'off') return NETWORK_OFF
  if (mode === 'allowlist') return { mode, allow: [...(allowlist ?? DEFAULT_ALLOWLIST)] }
  return allowlist?.length ? { mode, allow: [...allowlist] } : NETWORK_INTERNET
}

/** The one destination (`host:port`) a git remote URL needs (https, http or ssh), as an allow entry. */
export function remoteDestination(url: string): string | undefined {
  const endpoint = remoteEndpoint(url)
  return endpoint && endpoint.transport !== 'file' ? `${endpoint.host}:${endpoint.port}` : undefined
}
