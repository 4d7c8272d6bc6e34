import { z } from 'zod'
import { AppError } from '../../../domain/errors.ts'
import type { KeyVariable } from './cli-adapter.ts'

/** Environment variables that hold the server's own credentials: never handed to an agent. */
const serverOnly = new Set(['E2B_API_KEY', 'GITHUB_TOKEN', 'GH_TOKEN', 'DATABASE_URL'])

/**
 * The part of an agent's `config` a CLI agent reads:
 * - `command`: how to start the CLI in the sandbox (default: its name, found on PATH), e.g.
 *   `/opt/claude/bin/claude` or `npx -y @anthropic-ai/claude-code`. Used as the start of a shell
 *   command line, like the task's script, inside the same sandbox.
 * - `api_key_env`: the server environment variable holding the model key, when it is not the
 *   CLI's usual one (e.g. `TEAM_ANTHROPIC_API_KEY`). It must name a key (`…_KEY`), and not one of
 *   the server's own credentials.
 * - `args`: extra arguments for the CLI, before the prompt (e.g. `["--max-turns", "30"]`).
 */
export const CliAgentConfig = z.object({
  command: z
    .string()
    .trim()
    .min(1)
    .max(500)
    .refine((v) => !/[\n\r\0]/.test(v), 'must be one line')
    .optional(),
  api_key_env: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*_KEY$/, 'must name an environment variable ending in _KEY')
    .refine((v) => !serverOnly.has(v) && !v.startsWith('SQUAD_'), 'names a credential of the server itself')
    .optional(),
  args: z.array(z.string().max(2000)).max(50).optional(),
})
export type CliAgentConfig = z.infer<typeof CliAgentConfig>

/** Reads the CLI settings of an agent's config; a bad value fails with the field and what it expects. */
export function readCliConfig(config: Record<string, unknown>, displayName: string): CliAgentConfig {
  const parsed = CliAgentConfig.safeParse(config)
  if (parsed.success) return parsed.data
  const issue = parsed.error.issues[0]
  throw new AppError(
    'validation_failed',
    `${displayName} agent: config.${issue?.path.join('.') || '?'} ${issue?.message ?? 'is invalid'}`,
  )
}

export type ModelKey = {
  /** Where the key came from (a server environment variable). */
  source: string
  value: string
  /** What the CLI gets: the key under each name it reads. */
  envs: Record<string, string>
}

/**
 * Finds the model key for a CLI. Precedence: `config.api_key_env` (handed over under the CLI's
 * first key name), then each of the CLI's key names in order. Null when none is set.
 */
export function findModelKey(
  variables: KeyVariable[],
  apiKeyEnv: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): ModelKey | null {
  const give = (variable: KeyVariable, source: string, value: string): ModelKey => ({
    source,
    value,
    envs: Object.fromEntries([variable.env, ...(variable.also ?? [])].map((name) => [name, value])),
  })
  if (apiKeyEnv) {
    const value = env[apiKeyEnv]
    const first = variables[0]
    return value && first ? give(first, apiKeyEnv, value) : null
  }
  for (const variable of variables) {
    const value = env[variable.env]
    if (value) return give(variable, variable.env, value)
  }
  return null
}
