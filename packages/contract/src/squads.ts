import { z } from 'zod'
import { Id, Timestamp, trimmed } from './common.ts'

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
  max_review_rounds: z.number().int().min(0).max(5).optional(),
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

/** Settings a squad applies to every task it runs; each field has a server-side default. */
const configFields = {
  max_concurrency: z.number().int().min(1).max(64),
  network: NetworkSetting,
  /** Destinations the `allowlist` mode allows (and any mode allows explicitly); replaces the default list. */
  network_allowlist: z.array(NetworkAllowEntry).max(200),
  keep_failed_sandbox_minutes: z
    .number()
    .int()
    .min(0)
    .max(7 * 24 * 60),
  reviewers: z.array(trimmed(1, 100)).max(20),
  workflow: SquadWorkflow,
}
type ConfigFields = typeof configFields

export const SquadConfig = z.strictObject({
  max_concurrency: configFields.max_concurrency.optional(),
  network: configFields.network.optional(),
  network_allowlist: configFields.network_allowlist.optional(),
  keep_failed_sandbox_minutes: configFields.keep_failed_sandbox_minutes.optional(),
  reviewers: configFields.reviewers.optional(),
  workflow: configFields.workflow.optional(),
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
  name: trimmed(1, 100),
  description: z.string().max(10_000).default(''),
  config: SquadConfig.default({}),
})
export type CreateSquadBody = z.infer<typeof CreateSquadBody>

export const UpdateSquadBody = z.strictObject({
  name: trimmed(1, 100).optional(),
  description: z.string().max(10_000).optional(),
  status: SquadStatus.optional(),
  config: SquadConfigPatch.optional(),
})
export type UpdateSquadBody = z.infer<typeof UpdateSquadBody>
