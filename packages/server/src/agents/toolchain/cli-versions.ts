import { type PinnedAgentCliName, pinnedAgentClis } from '@agent-squad/contract'

// The manifest itself lives in the contract (agent-clis.ts): the web form's hint names the versions too.

export type PinnedCliName = PinnedAgentCliName
export type PinnedCli = (typeof pinnedAgentClis)[PinnedCliName] & { name: PinnedCliName }

export const pinnedClis = pinnedAgentClis
export const pinnedCliNames = Object.keys(pinnedAgentClis) as PinnedCliName[]

/** The pinned CLI serving an agent `llm_provider`, or null (Aider, or not a CLI at all). */
export function pinnedCli(provider: string): PinnedCli | null {
  return Object.hasOwn(pinnedAgentClis, provider)
    ? { name: provider as PinnedCliName, ...pinnedAgentClis[provider as PinnedCliName] }
    : null
}
