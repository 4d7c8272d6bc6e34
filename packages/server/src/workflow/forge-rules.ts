import { DEFAULT_ISSUE_LABEL, DEFAULT_MENTION_HANDLE, type SquadConfig } from '@agent-squad/contract'
import type { Forge, RepoRef } from '../forge/forge.ts'

/** What a squad answers on a forge: who may ask for a revision, and how (see docs/github.md). */
export type ForgeRules = {
  /** `@agent-squad`: a comment mentioning it asks for a revision. */
  handle: string
  /** `agent-squad`: an issue labeled with it becomes a task. */
  label: string
  /** Logins that may ask for revisions without write access, lower-cased. */
  allowlist: string[]
}

export const forgeRulesOf = (config: SquadConfig | Record<string, unknown>): ForgeRules => {
  const c = config as SquadConfig
  return {
    handle: c.mention_handle ?? DEFAULT_MENTION_HANDLE,
    label: c.issue_label ?? DEFAULT_ISSUE_LABEL,
    allowlist: (c.revision_allowlist ?? []).map((l) => l.toLowerCase()),
  }
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** The handle as a word of its own, any case: `@agent-squad,` yes; `@agent-squad-bot`, `a@agent-squad` no. */
export const mentions = (text: string, handle: string) =>
  new RegExp(`(^|[^\\w@/-])${escapeRegExp(handle)}(?![\\w-])`, 'i').test(text)

/** Access levels that may ask for a revision (GitHub's write and above). */
const writers = new Set(['admin', 'maintain', 'write'])

/**
 * Why `login` may not ask an agent for a revision, or null when they may: bots (an App's
 * `name[bot]`) and this server's own identity never may, so an agent's comment cannot start
 * another run; people with write access may, and the squad's allow list.
 */
export async function refusalOf(
  forge: Pick<Forge, 'identity' | 'permissionOf'>,
  repo: RepoRef,
  rules: ForgeRules,
  login: string,
): Promise<string | null> {
  const who = login.toLowerCase()
  if (who.endsWith('[bot]')) return `by a bot (${login})`
  const self = await forge.identity?.(repo)
  if (self && self.login.toLowerCase() === who) return `by this server's own account (${login})`
  if (rules.allowlist.includes(who)) return null
  if (!forge.permissionOf)
    return `${login} is not on the squad's revision_allowlist (this forge cannot tell who has write access)`
  const permission = await forge.permissionOf(repo, login)
  return writers.has(permission)
    ? null
    : `${login} has ${permission} access, not write (nor on revision_allowlist)`
}
