import type { Config } from '../config.ts'

/**
 * The base URL clients reach this server at: SQUAD_PUBLIC_URL when set (behind a proxy or on another
 * host), else the address it listens on.
 */
export function publicBaseUrl(config: Pick<Config, 'SQUAD_PUBLIC_URL' | 'HOST' | 'PORT'>): string {
  if (config.SQUAD_PUBLIC_URL) return config.SQUAD_PUBLIC_URL.replace(/\/+$/, '')
  const host = config.HOST.includes(':') && !config.HOST.startsWith('[') ? `[${config.HOST}]` : config.HOST
  return `http://${host}:${config.PORT}`
}

/**
 * Where a local-forge repository is cloned from. The bare repository and the git smart-HTTP server
 * behind this URL arrive in a later issue; for now only the record and this URL exist. Names are
 * validated by the contract (RepositoryName), so they are safe in a URL path as they are.
 */
export const localCloneUrl = (baseUrl: string, squadId: string, name: string) =>
  `${baseUrl}/git/${squadId}/${name}.git`
