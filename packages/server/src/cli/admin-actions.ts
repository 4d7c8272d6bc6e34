import { CreateTokenBody, CreateUserBody } from '@agent-squad/contract'
import type { z } from 'zod'
import { createToken } from '../auth/create-token.ts'
import { createUser } from '../auth/create-user.ts'
import { ensureLocalUser } from '../auth/ensure-local-user.ts'
import type { Database } from '../db/database.ts'
import { openDatabase } from '../db/open-database.ts'
import { type CliOptions, configFrom, describeDatabase } from './config-options.ts'
import { lockDataDir } from './data-dir-lock.ts'

// The work behind the admin commands, loaded only when one of them runs (see admin-commands.ts).

/** Validates a command's input with the schema the API uses, naming the flag that is wrong. */
function parseInput<T extends z.ZodType>(
  schema: T,
  input: unknown,
  flags: Record<string, string>,
): z.output<T> {
  const parsed = schema.safeParse(input)
  if (parsed.success) return parsed.data
  const problems = parsed.error.issues.map((issue) => {
    const field = String(issue.path[0] ?? '')
    return `${flags[field] ?? field}: ${issue.message}`
  })
  throw new Error(`invalid input:\n  ${problems.join('\n  ')}`)
}

/** Opens (and migrates) the configured database for one command, holding the PGlite folder's lock. */
async function withDatabase<T>(options: CliOptions, fn: (db: Database) => Promise<T>) {
  const config = await configFrom(options)
  const release = config.DATABASE_URL ? () => {} : lockDataDir(config.dataDir)
  try {
    const database = await openDatabase(config)
    try {
      await database.migrate()
      return await fn(database)
    } finally {
      await database.close()
    }
  } finally {
    release()
  }
}

export async function migrateCommand(options: CliOptions) {
  await withDatabase(options, async () => {})
  process.stderr.write(`✓ database is up to date (${describeDatabase(await configFrom(options))})\n`)
}

export async function createUserCommand(options: CliOptions) {
  const input = parseInput(
    CreateUserBody,
    { name: options.name, is_admin: Boolean(options.admin) },
    { name: '--name' },
  )
  await withDatabase(options, async ({ db }) => {
    const created = await createUser({ db, input })
    const token = await createToken({
      db,
      actor: { id: created.id, name: created.name, isAdmin: created.is_admin },
      input: { name: 'cli' },
    })
    process.stdout.write(`${JSON.stringify({ user: created, token: token.token }, null, 2)}\n`)
  })
}

export async function createTokenCommand(options: CliOptions) {
  const input = parseInput(
    CreateTokenBody,
    {
      name: options.name,
      user_id: options.user,
      expires_in_days: options.expiresInDays === undefined ? undefined : Number(options.expiresInDays),
    },
    { name: '--name', user_id: '--user', expires_in_days: '--expires-in-days' },
  )
  await withDatabase(options, async ({ db }) => {
    // The CLI acts as the local admin: whoever can open the database may mint tokens.
    const local = await ensureLocalUser(db)
    const created = await createToken({ db, actor: { ...local, isAdmin: true }, input })
    process.stdout.write(options.json ? `${JSON.stringify(created, null, 2)}\n` : `${created.token}\n`)
  })
}
