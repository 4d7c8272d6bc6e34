import { z } from 'zod'
import { Id, Timestamp, trimmed, wholeNumber } from './common.ts'

export const squadStatuses = ['active', 'archived'] as const
export const SquadStatus = z.enum(squadStatuses)

export const workflowModes = ['solo', 'team'] as const
export const WorkflowMode = z.enum(workflowModes)
export type WorkflowMode = z.infer<typeof WorkflowMode>

/**
 * How a squad works a task. `solo`: the assignee implements it and opens the pull request. `team`:
 * a top-level task assigned to the lead is planned and split into subtasks by role; specialists
 * implement them in parallel, each on its own branch; the reviewer reads every pull request and
 * approves it or requests changes, which go back to the implementer on the same branch and PR, at
 * most `max_review_rounds` times (then a human decides).
 *
 * `subtasks`: `parallel` (default) runs them at once, each on its own branch with its own pull
 * request; `chain` runs them one after another on the parent's branch, handing the work on, and
 * ends in one pull request for the task, reviewed as a whole.
 */
export const SquadWorkflow = z.strictObject({
  mode: WorkflowMode,
  max_review_rounds: wholeNumber(0, 5).optional(),
  subtasks: z.enum(['parallel', 'chain']).optional(),
})
export type SquadWorkflow = z.infer<typeof SquadWorkflow>

/**
 * What the agents' sandboxes may reach. `off`: nothing. `allowlist`: only the destinations of
 * `network_allowlist` (package registries, code hosts and model APIs by default). `internet`: public
 * addresses only. Never the server's own machine, its loopback, link-local addresses (cloud
 * metadata) or private networks, unless an allowlist entry names them. `enabled` and `disabled`
 * are the older names of `internet` and `off`, still accepted.
 */
export const networkModes = ['off', 'allowlist', 'internet'] as const
export const NetworkSetting = z.enum([...networkModes, 'enabled', 'disabled'])
export type NetworkSetting = z.infer<typeof NetworkSetting>
export type NetworkMode = (typeof networkModes)[number]

/** Reads a network setting, older names included, as one of the three modes. */
export const networkModeOf = (setting: NetworkSetting): NetworkMode =>
  setting === 'enabled' ? 'internet' : setting === 'disabled' ? 'off' : setting

/**
 * One allowed destination: a host (`registry.npmjs.org`), its subdomains (`*.github.com`), an IP
 * address or a CIDR range (`10.0.0.0/8`, `[fd00::]/8` without brackets), each optionally with a port
 * (`git.internal:8443`, `[::1]:8000`).
 */
export const NetworkAllowEntry = z
  .string()
  .trim()
  .min(1)
  .max(260)
  .regex(
    /^(?:(?:\*\.)?[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?|\d{1,3}(?:\.\d{1,3}){3}(?:\/\d{1,2})?|\[[0-9A-Fa-f:.]+\]|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*(?:\/\d{1,3})?)(?::\d{1,5})?$/,
    'must be a host name (optionally *.name), an IP address or CIDR range, optionally with :port',
  )

/** A GitHub login (a person, or an App's `name[bot]`): letters, digits and inner hyphens. */
export const GitHubLogin = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?$/, 'must be a GitHub login')

/** The default `mention_handle`: a comment on a pull request that mentions it asks for a revision. */
export const DEFAULT_MENTION_HANDLE = '@agent-squad'
/** The default `issue_label`: an issue given this label becomes a task on the board. */
export const DEFAULT_ISSUE_LABEL = 'agent-squad'

/** How commits an agent makes itself reach the branch (the squad's `agent_commits`). */
export const AgentCommits = z.enum(['squash', 'keep'])
export type AgentCommits = z.infer<typeof AgentCommits>
/** The default `max_file_size_mb`: the largest file one run may commit, in megabytes. */
export const DEFAULT_MAX_FILE_SIZE_MB = 10
/** The default `max_change_size_mb`: the most one run may add to the repository, in megabytes. */
export const DEFAULT_MAX_CHANGE_SIZE_MB = 50

/** Settings a squad applies to every task it runs; each field has a server-side default. */
const configFields = {
  max_concurrency: wholeNumber(1, 64),
  network: NetworkSetting,
  /** Destinations the `allowlist` mode allows (and any mode allows explicitly); replaces the default list. */
  network_allowlist: z.array(NetworkAllowEntry).max(200),
  keep_failed_sandbox_minutes: wholeNumber(0, 7 * 24 * 60),
  reviewers: z.array(trimmed(1, 100, 'A reviewer')).max(20),
  workflow: SquadWorkflow,
  /**
   * GitHub: a comment on the pull request of one of the squad's tasks that mentions this handle
   * (default `@agent-squad`) asks the implementing agent for a revision, the comment as its
   * instructions. Case does not matter; it must stand as a word (`@agent-squad-bot` is another handle).
   */
  mention_handle: z
    .string()
    .trim()
    .regex(/^@[A-Za-z0-9][A-Za-z0-9-]{0,38}$/, 'must be @ and a GitHub login, such as @agent-squad'),
  /** GitHub: an issue given this label (default `agent-squad`) becomes a task linked to it. */
  issue_label: trimmed(1, 50, 'The issue label'),
  /**
   * GitHub logins that may ask for a revision (review or mention) besides the people with write
   * access to the repository: outside collaborators, or everyone on a forge that cannot say who
   * has write access.
   */
  revision_allowlist: z.array(GitHubLogin).max(100),
  /** GitHub: open the squad's pull requests as drafts (a person marks them ready for review). */
  draft_pull_requests: z.boolean(),
  /**
   * Commits the agent made itself: `squash` (default) folds them into the run's one Conventional
   * Commit; `keep` keeps them, rewording each whose message is not a Conventional Commit.
   */
  agent_commits: AgentCommits,
  /** The largest file a run may commit, in megabytes (default 10): a larger one fails the commit step. */
  max_file_size_mb: z.number().positive().max(100_000),
  /** The most a run may add to the repository, all files together, in megabytes (default 50). */
  max_change_size_mb: z.number().positive().max(100_000),
}
type ConfigFields = typeof configFields

export const SquadConfig = z.strictObject({
  max_concurrency: configFields.max_concurrency.optional(),
  network: configFields.network.optional(),
  network_allowlist: configFields.network_allowlist.optional(),
  keep_failed_sandbox_minutes: configFields.keep_failed_sandbox_minutes.optional(),
  reviewers: configFields.reviewers.optional(),
  workflow: configFields.workflow.optional(),
  mention_handle: configFields.mention_handle.optional(),
  issue_label: configFields.issue_label.optional(),
  revision_allowlist: configFields.revision_allowlist.optional(),
  draft_pull_requests: configFields.draft_pull_requests.optional(),
  agent_commits: configFields.agent_commits.optional(),
  max_file_size_mb: configFields.max_file_size_mb.optional(),
  max_change_size_mb: configFields.max_change_size_mb.optional(),
})
export type SquadConfig = z.infer<typeof SquadConfig>

/**
 * A change to a squad's config, merged key by key into what it has: a key left out keeps its value,
 * a key set to null goes back to the server's default.
 */
export const SquadConfigPatch = z.strictObject(
  Object.fromEntries(
    Object.entries(configFields).map(([key, field]) => [key, field.nullable().optional()]),
  ) as { [K in keyof ConfigFields]: z.ZodOptional<z.ZodNullable<ConfigFields[K]>> },
)
export type SquadConfigPatch = z.infer<typeof SquadConfigPatch>

export const Squad = z.object({
  id: Id,
  user_id: Id,
  org_id: Id.nullable(),
  name: z.string(),
  description: z.string(),
  status: SquadStatus,
  config: SquadConfig,
  created_at: Timestamp,
  updated_at: Timestamp,
})
export type Squad = z.infer<typeof Squad>

export const CreateSquadBody = z.strictObject({
  name: trimmed(1, 100, 'Name'),
  description: z.string().max(10_000).default(''),
  config: SquadConfig.default({}),
})
export type CreateSquadBody = z.infer<typeof CreateSquadBody>

export const UpdateSquadBody = z.strictObject({
  name: trimmed(1, 100, 'Name').optional(),
  description: z.string().max(10_000).optional(),
  status: SquadStatus.optional(),
  config: SquadConfigPatch.optional(),
})
export type UpdateSquadBody = z.infer<typeof UpdateSquadBody>
