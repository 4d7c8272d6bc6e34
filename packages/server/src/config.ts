import { existsSync, readFileSync } from 'node:fs'
import { isAbsolute, resolve } from 'node:path'
import { parseEnv } from 'node:util'
import { z } from 'zod'

const port = z.coerce.number().int().min(0).max(65_535)
const positiveMs = (min: number) => z.coerce.number().int().min(min)
const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1')

/**
 * Every setting the server reads, with its environment variable, meaning and default.
 * docs/configuration.md documents the same list; a test keeps the two in step.
 */
export const ConfigSchema = z.object({
  PORT: port.default(8000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'a postgres:// or postgresql:// connection URL')
    .optional(),
  SQUAD_DATA_DIR: z.string().min(1).default('./.squad/data'),
  SQUAD_AUTH: z.enum(['auto', 'token', 'none']).default('auto'),
  SQUAD_MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(100 * 1024 * 1024)
    .default(1024 * 1024),
  SQUAD_HEARTBEAT_MS: positiveMs(100).default(15_000),
  SQUAD_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SQUAD_LOG_FORMAT: z.enum(['pretty', 'json']).default('pretty'),
  SQUAD_PUBLIC_URL: z.url().optional(),
  SQUAD_LOCAL_REPO_ROOTS: z
    .string()
    .default('')
    .transform((v) =>
      v
        .split(':')
        .map((p) => p.trim())
        .filter(Boolean),
    )
    .refine((roots) => roots.every((r) => isAbsolute(r)), 'a colon-separated list of absolute paths'),
  SQUAD_VALIDATE_RESPONSES: bool.default(false),
})
export type Config = z.infer<typeof ConfigSchema> & { dataDir: string }

export class ConfigError extends Error {
  readonly problems: string[]

  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`)
    this.name = 'ConfigError'
    this.problems = problems
  }
}

/** Reads `.env` from `cwd` if present; variables already in the environment win. */
export function readDotEnv(cwd: string): Record<string, string> {
  const file = resolve(cwd, '.env')
  if (!existsSync(file)) return {}
  return parseEnv(readFileSync(file, 'utf8')) as Record<string, string>
}

/**
 * Parses the configuration once: explicit overrides, then the environment, then `.env`, then defaults.
 * A bad value throws a ConfigError naming each variable and what it expects.
 */
export function loadConfig(
  options: { env?: NodeJS.ProcessEnv; overrides?: Record<string, string | undefined>; cwd?: string } = {},
): Config {
  const cwd = options.cwd ?? process.cwd()
  const env = options.env ?? process.env
  const merged: Record<string, string | undefined> = { ...readDotEnv(cwd) }
  for (const [key, value] of Object.entries(env)) if (value !== undefined && value !== '') merged[key] = value
  for (const [key, value] of Object.entries(options.overrides ?? {}))
    if (value !== undefined) merged[key] = value
  const known = Object.fromEntries(Object.keys(ConfigSchema.shape).map((k) => [k, merged[k]]))
  const parsed = ConfigSchema.safeParse(known)
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const name = String(issue.path[0] ?? '?')
        return `${name}=${JSON.stringify(known[name] ?? '')}: expected ${issue.message}`
      }),
    )
  }
  return { ...parsed.data, dataDir: resolve(cwd, parsed.data.SQUAD_DATA_DIR) }
}

/** True when the server is reachable only from this machine. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host)
}
