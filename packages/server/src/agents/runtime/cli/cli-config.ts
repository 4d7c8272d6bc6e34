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
 * - `api_key_env`: the squad secret or server environment variable holding the model key, when it is not the
 *   CLI's usual one (e.g. `TEAM_ANTHROPIC_API_KEY`). It must name a key (`…_KEY`), and not one of
 *   the server's own credentials.
 * - `args`: extra arguments for the CLI, before the prompt (e.g. `["--max-turns", "30"]`).
 * - `base_url`: the model API's base URL, as the CLI expects it (an Anthropic-compatible origin for
 *   Claude Code, an OpenAI-compatible `…/v1` for Codex and OpenCode, a Gemini origin for Gemini CLI).
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
  base_url: z
    .string()
    .trim()
    .max(2000)
    .regex(/^https?:\/\/[^\s]+$/, 'must be an http:// or https:// URL')
    .optional(),
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
  /** Where the key came from: `squad secret NAME` or a server environment variable's name. */
  source: string
  value: string
  /** What the CLI gets: the key under each name it reads. */
  envs: Record<string, string>
}

/**
 * Finds the model key for a CLI. Precedence: `config.api_key_env` (handed over under the CLI's
 * first key name), then each of the CLI's key names in order. The squad's stored `secrets` come
 * before the server's `env`: a key the squad stored under any of the names wins. Null when none is set.
 */
export function findModelKey(
  variables: KeyVariable[],
  apiKeyEnv: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
  secrets?: (name: string) => string | undefined,
): ModelKey | null {
  const sources = [
    (name: string) => {
      const value = secrets?.(name)
      return value ? { source: `squad secret ${name}`, value } : null
    },
    (name: string) => {
      const value = env[name]
      return value ? { source: name, value } : null
    },
  ]
  const give = (variable: KeyVariable, found: { source: string; value: string }): ModelKey => ({
    ...found,
    envs: Object.fromEntries([variable.env, ...(variable.also ?? [])].map((name) => [name, found.value])),
  })
  for (const lookup of sources) {
    if (apiKeyEnv) {
      const found = lookup(apiKeyEnv)
      const first = variables[0]
      if (found && first) return give(first, found)
      continue
    }
    for (const variable of variables) {
      const found = lookup(variable.env)
      if (found) return give(variable, found)
    }
  }
  return null
}
