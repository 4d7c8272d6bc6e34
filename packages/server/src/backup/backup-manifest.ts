import { z } from 'zod'
import { AppError } from '../domain/errors.ts'

export const BACKUP_FORMAT = 'agent-squad-backup'
/** Raised when the archive's layout changes; a restore refuses a format it does not know. */
export const BACKUP_FORMAT_VERSION = 1
export const MANIFEST_FILE = 'manifest.json'
/** The PGlite dump inside the archive (PGlite's own datadir tarball). */
export const PGLITE_DUMP_FILE = 'database/pglite.tar'

/**
 * The data folder's entries a backup carries besides the database and the forge, and why:
 * `secret.key` decrypts the stored secrets (without it they are unreadable), `known-hosts/` pins
 * each SSH remote's host key, `patches/` holds work a failed run never pushed. Left out on purpose:
 * `sandboxes/` (live workspaces, rebuilt when a run resumes), `cache/` (clones, refetched),
 * `local-token.json` (a credential; the first start writes a new one), `squad.lock`.
 */
export const CARRIED_ENTRIES = ['secret.key', 'known-hosts', 'patches'] as const

/** `<squad id>/<name>.git`: one segment each, so a crafted archive cannot name a path outside forge/. */
const RepositoryPath = z.string().regex(/^[0-9a-f-]{36}\/[A-Za-z0-9][A-Za-z0-9._-]*\.git$/)

export const BackupManifest = z.object({
  format: z.literal(BACKUP_FORMAT),
  format_version: z.number().int().min(1),
  created_at: z.string(),
  server_version: z.string(),
  database: z.object({
    kind: z.enum(['pglite', 'postgres']),
    /** False on PostgreSQL: its database is backed up with pg_dump, not by squad backup. */
    included: z.boolean(),
    /** Migrations applied to the database when it was backed up (its schema version). */
    migrations: z.number().int().min(0),
  }),
  repositories: z.array(
    z.object({
      path: RepositoryPath,
      /** The branch HEAD names (the repository's default branch). */
      head: z.string().min(1),
      /** How many refs the bundle holds; 0 means an empty repository (no bundle). */
      refs: z.number().int().min(0),
    }),
  ),
  /** Which of CARRIED_ENTRIES the archive holds. */
  entries: z.array(z.enum(CARRIED_ENTRIES)),
})
export type BackupManifest = z.infer<typeof BackupManifest>

/** The bundle of a repository inside the archive. */
export const bundlePath = (repositoryPath: string) => `forge/${repositoryPath}.bundle`

/** Reads a manifest, refusing anything that is not a backup this version can restore. */
export function parseManifest(text: string, file: string): BackupManifest {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    throw new AppError('bad_request', `${file} is not an Agent Squad backup: its manifest is not JSON`, {
      cause: error,
    })
  }
  const head = z.object({ format: z.string(), format_version: z.number() }).safeParse(json)
  if (!head.success || head.data.format !== BACKUP_FORMAT)
    throw new AppError('bad_request', `${file} is not an Agent Squad backup (no "${BACKUP_FORMAT}" manifest)`)
  if (head.data.format_version > BACKUP_FORMAT_VERSION)
    throw new AppError(
      'bad_request',
      `${file} was made by a newer Agent Squad (backup format ${head.data.format_version}; this one reads ` +
        `format ${BACKUP_FORMAT_VERSION} and older): restore it with the version that made it, or a newer one`,
    )
  const parsed = BackupManifest.safeParse(json)
  if (!parsed.success)
    throw new AppError('bad_request', `${file} has a damaged manifest: ${parsed.error.issues[0]?.message}`, {
      details: parsed.error.issues,
    })
  return parsed.data
}
