/** How git reaches a remote URL: its transport, host and port (file:// and paths have neither). */
export type RemoteEndpoint =
  | { transport: 'http' | 'https' | 'ssh'; host: string; port: number }
  | { transport: 'file' }

/** `user@host:path`, git's scp-like syntax for ssh (the contract's RemoteUrl accepts this form). */
const SCP_LIKE = /^(?:[A-Za-z0-9._-]+@)?(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(?!\/\/)/

/** Reads a remote URL as git does; undefined when it is none of git's forms the server accepts. */
export function remoteEndpoint(url: string): RemoteEndpoint | undefined {
  const scp = SCP_LIKE.exec(url)
  if (scp && !url.includes('://')) return { transport: 'ssh', host: scp[1] as string, port: 22 }
  try {
    const parsed = new URL(url)
    const transport = parsed.protocol.slice(0, -1)
    if (transport === 'file') return { transport }
    if (transport !== 'http' && transport !== 'https' && transport !== 'ssh') return undefined
    const fallback = { http: 80, https: 443, ssh: 22 }[transport]
    return { transport, host: parsed.hostname, port: Number(parsed.port || fallback) }
  } catch {
    return undefined
  }
}

/** True for a remote git reaches over ssh (`ssh://…` or `user@host:path`). */
export const isSshRemote = (url: string) => remoteEndpoint(url)?.transport === 'ssh'
