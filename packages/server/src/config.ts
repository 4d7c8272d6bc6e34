import { existsSync, readFileSync } from 'node:fs'
import { isAbsolute, join, resolve } from 'node:path'
import { parseEnv } from 'node:util'
import { z } from 'zod'
import { parseSecretKey } from './secrets/secret-box.ts'

const port = z.coerce.number().int().min(0).max(65_535)
const positiveMs = (min: number) => z.coerce.number().int().min(min)
const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1')

/**
 * Every setting the server reads, by its environment variable name, with its default.
 * docs/configuration.md documents each one (meaning, default, example); a test keeps the two in step.
 */
export const ConfigSchema = z.object({
  PORT: port.default(8000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//)
    .optional(),
  SQUAD_DATA_DIR: z.string().min(1).default('./.squad/data'),
  /** Where `squad agents install` puts the agent CLIs (default `<SQUAD_DATA_DIR>/toolchain`). */
  SQUAD_TOOLCHAIN_DIR: z.string().min(1).optional(),
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
  SQUAD_PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  SQUAD_LOCAL_REPO_ROOTS: z
    .string()
    .default('')
    .transform((v) =>
      v
        .split(':')
        .map((p) => p.trim())
        .filter(Boolean),
    )
    .refine((roots) => roots.every((r) => isAbsolute(r))),
  SQUAD_VALIDATE_RESPONSES: bool.default(false),
  SQUAD_SANDBOX: z.enum(['local', 'process', 'e2b']).default('local'),
  E2B_API_KEY: z.string().min(1).optional(),
  SQUAD_E2B_TEMPLATE: z.string().min(1).default('agent-squad'),
  SQUAD_E2B_CREATES_PER_SECOND: z.coerce.number().positive().max(1000).default(1),
  SQUAD_E2B_MAX_CONCURRENT: z.coerce.number().int().min(1).max(10_000).default(20),
  /** An E2B-compatible control plane and sandbox endpoint instead of E2B's cloud (self-hosting, tests). */
  E2B_API_URL: z.url({ protocol: /^https?$/ }).optional(),
  E2B_SANDBOX_URL: z.url({ protocol: /^https?$/ }).optional(),
  SQUAD_WORKER: bool.default(true),
  SQUAD_MAX_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(4),
  SQUAD_SQUAD_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(4),
  SQUAD_AGENT_TIMEOUT_MS: positiveMs(1000).default(30 * 60_000),
  SQUAD_LEASE_MS: positiveMs(1000)
    .max(10 * 60_000)
    .default(15_000),
  SQUAD_KEEP_FAILED_SANDBOX_MINUTES: z.coerce
    .number()
    .int()
    .min(0)
    .max(7 * 24 * 60)
    .default(30),
  SQUAD_NETWORK: z.enum(['off', 'allowlist', 'internet', 'enabled', 'disabled']).default('internet'),
  SQUAD_AGENT_MAX_STEPS: z.coerce.number().int().min(1).max(10_000).default(100),
  SQUAD_AGENT_MAX_TOKENS: z.coerce.number().int().min(1000).max(1_000_000_000).default(4_000_000),
  SQUAD_SECRET_KEY: z
    .string()
    .refine((v) => parseSecretKey(v) !== null)
    .optional(),
  SQUAD_GITHUB_WEBHOOK_SECRET: z.string().min(1).optional(),
  /** Unset: poll only the GitHub repositories no webhook secret covers (see webhooks/start-github-poller.ts). */
  SQUAD_GITHUB_POLL_SECONDS: z.coerce.number().int().min(0).max(86_400).optional(),
  OPENAI_API_KEY: z.string().min(1).optional(),
  OPENAI_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
  ANTHROPIC_API_KEY: z.string().min(1).optional(),
  ANTHROPIC_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
})
export type ConfigKey = keyof typeof ConfigSchema.shape
export type Config = z.infer<typeof ConfigSchema> & { dataDir: string; toolchainDir: string }

/**
 * What each variable accepts, in words: a bad value stops start-up with `NAME="value": expected …`.
 * The compiler makes sure every key of ConfigSchema has an entry.
 */
export const configExpects: Record<ConfigKey, string> = {
  PORT: 'a port number from 0 to 65535 (0 picks a free port)',
  HOST: 'an address to bind, such as 127.0.0.1, ::1 or 0.0.0.0',
  DATABASE_URL: 'a postgres:// or postgresql:// connection URL',
  SQUAD_DATA_DIR: 'a folder path',
  SQUAD_TOOLCHAIN_DIR: 'a folder path',
  SQUAD_AUTH: 'one of auto, token, none',
  SQUAD_MAX_BODY_BYTES: 'a whole number of bytes from 1024 to 104857600 (100 MiB)',
  SQUAD_HEARTBEAT_MS: 'a whole number of milliseconds, at least 100',
  SQUAD_LOG_LEVEL: 'one of fatal, error, warn, info, debug, trace, silent',
  SQUAD_LOG_FORMAT: 'one of pretty, json',
  SQUAD_PUBLIC_URL: 'an absolute http:// or https:// URL',
  SQUAD_LOCAL_REPO_ROOTS: 'a colon-separated list of absolute paths',
  SQUAD_VALIDATE_RESPONSES: 'one of true, false, 1, 0',
  SQUAD_SANDBOX: 'one of local (bubblewrap isolation), process (NO isolation), e2b (E2B cloud microVMs)',
  E2B_API_KEY: 'an E2B API key (e2b.dev dashboard, API Keys)',
  SQUAD_E2B_TEMPLATE: 'the name or id of an E2B template (see docs/e2b.md)',
  SQUAD_E2B_CREATES_PER_SECOND: 'a number of sandbox creations per second above 0, at most 1000',
  SQUAD_E2B_MAX_CONCURRENT: 'a whole number of live E2B sandboxes from 1 to 10000',
  E2B_API_URL: 'an absolute http:// or https:// URL of an E2B-compatible API',
  E2B_SANDBOX_URL: 'an absolute http:// or https:// URL of an E2B-compatible sandbox endpoint',
  SQUAD_WORKER: 'one of true, false, 1, 0',
  SQUAD_MAX_CONCURRENCY: 'a whole number of executions from 1 to 256',
  SQUAD_SQUAD_CONCURRENCY: 'a whole number of executions from 1 to 256',
  SQUAD_AGENT_TIMEOUT_MS: 'a whole number of milliseconds, at least 1000',
  SQUAD_LEASE_MS: 'a whole number of milliseconds from 1000 to 600000 (10 min)',
  SQUAD_KEEP_FAILED_SANDBOX_MINUTES: 'a whole number of minutes from 0 to 10080 (a week)',
  SQUAD_NETWORK: 'one of off, allowlist, internet (enabled and disabled are older names of internet and off)',
  SQUAD_AGENT_MAX_STEPS: 'a whole number of model calls from 1 to 10000',
  SQUAD_AGENT_MAX_TOKENS: 'a whole number of tokens from 1000 to 1000000000',
  SQUAD_SECRET_KEY:
    '32 bytes as base64 (openssl rand -base64 32) or as 64 hex characters (openssl rand -hex 32)',
  SQUAD_GITHUB_WEBHOOK_SECRET: "the GitHub App's (or repository webhook's) secret",
  SQUAD_GITHUB_POLL_SECONDS: 'a whole number of seconds from 0 (off) to 86400',
  OPENAI_API_KEY: 'an OpenAI API key',
  OPENAI_BASE_URL: 'an absolute http:// or https:// URL, such as https://api.openai.com/v1',
  ANTHROPIC_API_KEY: 'an Anthropic API key',
  ANTHROPIC_BASE_URL: 'an absolute http:// or https:// URL, such as https://api.anthropic.com',
}

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

/** True when the server is reachable only from this machine. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host)
}

/** Shows a value in an error without leaking a password that a URL may carry. */
function shown(name: string, value: string | undefined): string {
  if (value === undefined) return '(unset)'
  // A key, even a malformed one, is never echoed: it may be one typo away from the real one.
  if (name.endsWith('_KEY') || name.endsWith('_SECRET')) return `(hidden, ${value.length} characters)`
  if (name === 'DATABASE_URL') return JSON.stringify(value.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:***@'))
  return JSON.stringify(value)
}

/**
 * Parses the configuration once. Precedence: explicit overrides (CLI flags), then the environment,
 * then `.env` in `cwd`, then the defaults. An empty environment variable counts as unset.
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
    const names = [...new Set(parsed.error.issues.map((issue) => String(issue.path[0] ?? '?')))]
    throw new ConfigError(
      names.map((name) => {
        const expects = configExpects[name as ConfigKey] ?? 'a valid value'
        return `${name}=${shown(name, known[name])}: expected ${expects}`
      }),
    )
  }
  const config = parsed.data
  // Auth off is only safe when nobody else can reach the port.
  if (config.SQUAD_AUTH === 'none' && !isLoopback(config.HOST))
    throw new ConfigError([
      `SQUAD_AUTH="none": expected auto or token when HOST is not a loopback address (HOST=${JSON.stringify(config.HOST)}); auth can only be off on 127.0.0.1, ::1 or localhost`,
    ])
  if (config.SQUAD_SANDBOX === 'e2b' && !config.E2B_API_KEY)
    throw new ConfigError([
      'E2B_API_KEY=(unset): expected an E2B API key when SQUAD_SANDBOX=e2b (e2b.dev dashboard, API Keys)',
    ])
  const dataDir = resolve(cwd, config.SQUAD_DATA_DIR)
  const toolchainDir = resolve(cwd, config.SQUAD_TOOLCHAIN_DIR ?? join(dataDir, 'toolchain'))
  return { ...config, dataDir, toolchainDir }
}
