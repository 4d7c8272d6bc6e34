import type { Commit, GitHubAuth, RepositoryCheck } from '@agent-squad/contract'
import { sql } from 'drizzle-orm'
import {
  bigserial,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core'

// Column names follow the original plan (squads, squad_members, sandboxes, task_executions) where it had them.

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow()
const updatedAt = () => timestamp('updated_at', { withTimezone: true }).notNull().defaultNow()
type Json = Record<string, unknown>
type GitHubColumn = { repo: string; auth: GitHubAuth; base_url: string | null }
/** A task made from a forge's issue (GitHub `issues` labeled): its pull request then closes it. */
type LinkedIssue = { repository_id: string; number: number; url: string }

export const users = pgTable('users', {
  id: uuid('id').primaryKey(),
  name: text('name').notNull(),
  isAdmin: boolean('is_admin').notNull().default(false),
  /** The implicit user of a loopback-only server with auth off. */
  isLocal: boolean('is_local').notNull().default(false),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
})

export const apiTokens = pgTable(
  'api_tokens',
  {
    id: uuid('id').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /** SHA-256 of the token; the plain token is shown once and never stored. */
    tokenHash: text('token_hash').notNull(),
    prefix: text('prefix').notNull(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('api_tokens_hash_idx').on(t.tokenHash), index('api_tokens_user_idx').on(t.userId)],
)

export const squads = pgTable(
  'squads',
  {
    id: uuid('id').primaryKey(),
    orgId: uuid('org_id'),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    status: text('status').notNull().default('active'),
    config: jsonb('config').$type<Json>().notNull().default({}),
    /** Last task number handed out; tasks get `task_counter + 1` under the squad's row lock. */
    taskCounter: integer('task_counter').notNull().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('squads_user_idx').on(t.userId, t.id)],
)

export const squadMembers = pgTable(
  'squad_members',
  {
    id: uuid('id').primaryKey(),
    squadId: uuid('squad_id')
      .notNull()
      .references(() => squads.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    role: text('role').notNull(),
    specialization: text('specialization').notNull().default(''),
    llmProvider: text('llm_provider').notNull().default('script'),
    llmModel: text('llm_model').notNull().default(''),
    systemPrompt: text('system_prompt').notNull().default(''),
    config: jsonb('config').$type<Json>().notNull().default({}),
    isActive: boolean('is_active').notNull().default(true),
    sandboxId: uuid('sandbox_id'),
    currentTaskId: uuid('current_task_id'),
    gitContext: jsonb('git_context').$type<Json>().notNull().default({}),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('squad_members_squad_idx').on(t.squadId, t.id)],
)

export const repositories = pgTable(
  'repositories',
  {
    id: uuid('id').primaryKey(),
    squadId: uuid('squad_id')
      .notNull()
      .references(() => squads.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /** `local`: a bare repository on the built-in forge; `remote`: a git URL elsewhere; `github`. */
    kind: text('kind').notNull().$type<'local' | 'remote' | 'github'>(),
    url: text('url'),
    defaultBranch: text('default_branch').notNull().default('main'),
    /** A `remote` repository's squad secret for git: a token or an ssh private key (its name, never its value). */
    credentialSecret: text('credential_secret'),
    /** A `github` repository: owner/name, how it authenticates (secret names only) and its server. */
    github: jsonb('github').$type<GitHubColumn>(),
    /** What the last check of the remote found (see the contract's RepositoryCheck). */
    lastCheck: jsonb('last_check').$type<RepositoryCheck>(),
    config: jsonb('config').$type<Json>().notNull().default({}),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('repositories_squad_name_idx').on(t.squadId, t.name)],
)

export const tasks = pgTable(
  'tasks',
  {
    id: uuid('id').primaryKey(),
    squadId: uuid('squad_id')
      .notNull()
      .references(() => squads.id, { onDelete: 'cascade' }),
    number: integer('number').notNull(),
    title: text('title').notNull(),
    description: text('description').notNull().default(''),
    status: text('status').notNull().default('backlog'),
    position: integer('position').notNull().default(0),
    priority: text('priority').notNull().default('medium'),
    labels: jsonb('labels').$type<string[]>().notNull().default([]),
    repositoryId: uuid('repository_id').references(() => repositories.id, { onDelete: 'set null' }),
    assigneeId: uuid('assignee_id').references(() => squadMembers.id, { onDelete: 'set null' }),
    parentTaskId: uuid('parent_task_id'),
    /** Tasks that must be done first (a plan's order); the workflow starts this one after them. */
    blockedBy: jsonb('blocked_by').$type<string[]>().notNull().default([]),
    linkedIssue: jsonb('linked_issue').$type<LinkedIssue>(),
    script: text('script'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('tasks_squad_number_idx').on(t.squadId, t.number),
    index('tasks_board_idx').on(t.squadId, t.status, t.position),
  ],
)

export const taskExecutions = pgTable(
  'task_executions',
  {
    id: uuid('id').primaryKey(),
    taskId: uuid('task_id')
      .notNull()
      .references(() => tasks.id, { onDelete: 'cascade' }),
    squadId: uuid('squad_id')
      .notNull()
      .references(() => squads.id, { onDelete: 'cascade' }),
    agentId: uuid('agent_id').references(() => squadMembers.id, { onDelete: 'set null' }),
    attempt: integer('attempt').notNull().default(1),
    status: text('status').notNull().default('queued'),
    gitBranch: text('git_branch'),
    baseCommit: text('base_commit'),
    pullRequestUrl: text('pull_request_url'),
    commitHistory: jsonb('commit_history').$type<Commit[]>().notNull().default([]),
    sandboxId: uuid('sandbox_id'),
    /**
     * Seconds the execution's sandboxes ran, added as each one ends (what a cloud provider bills):
     * from its creation to its kill, by cleanup or by the reaper.
     */
    sandboxSeconds: integer('sandbox_seconds').notNull().default(0),
    error: text('error'),
    /** Work queue lease: the worker running this execution and until when its claim holds. */
    leaseOwner: text('lease_owner'),
    leaseExpiresAt: timestamp('lease_expires_at', { withTimezone: true }),
    cancelRequested: boolean('cancel_requested').notNull().default(false),
    /** Why this attempt exists: `start`, `retry`, `plan`, `review`, `revision` (see the contract's runReasons). */
    runReason: text('run_reason').notNull().default('start'),
    /** Per-run overrides chosen when it was started, e.g. `{ network: 'disabled' }`. */
    options: jsonb('options')
      .$type<{ network?: 'enabled' | 'disabled' | 'off' | 'allowlist' | 'internet' }>()
      .notNull()
      .default({}),
    queuedAt: timestamp('queued_at', { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('task_executions_task_idx').on(t.taskId, t.id),
    index('task_executions_status_idx').on(t.status, t.queuedAt),
  ],
)

export const executionSteps = pgTable(
  'execution_steps',
  {
    id: uuid('id').primaryKey(),
    executionId: uuid('execution_id')
      .notNull()
      .references(() => taskExecutions.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    seq: integer('seq').notNull(),
    status: text('status').notNull().default('pending'),
    attempt: integer('attempt').notNull().default(0),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    result: jsonb('result').$type<Json>(),
    error: text('error'),
  },
  (t) => [uniqueIndex('execution_steps_exec_name_idx').on(t.executionId, t.name)],
)

export const sandboxes = pgTable(
  'sandboxes',
  {
    id: uuid('id').primaryKey(),
    provider: text('provider').notNull(),
    /** The provider's own id for the sandbox (`e2b_id` until migration 0007: every provider has one). */
    providerSandboxId: text('provider_sandbox_id'),
    agentId: uuid('agent_id'),
    taskId: uuid('task_id'),
    executionId: uuid('execution_id'),
    repoUrl: text('repo_url'),
    status: text('status').notNull().default('CREATED'),
    metadata: jsonb('metadata').$type<Json>().notNull().default({}),
    /** A failed execution's sandbox is kept for debugging until then, and reaped after. */
    keepUntil: timestamp('keep_until', { withTimezone: true }),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }).notNull().defaultNow(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('sandboxes_status_idx').on(t.status), index('sandboxes_execution_idx').on(t.executionId)],
)

/**
 * The append-only event log: the source of every SSE stream. `id` is monotonic and, because writers
 * take a transaction-scoped advisory lock before inserting (see events/append-event.ts), ids become
 * visible in commit order, so "everything after id N" never skips a late commit.
 */
export const events = pgTable(
  'events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    scope: text('scope').notNull(),
    type: text('type').notNull(),
    squadId: uuid('squad_id').notNull(),
    taskId: uuid('task_id'),
    executionId: uuid('execution_id'),
    payload: jsonb('payload').$type<unknown>().notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().default(sql`clock_timestamp()`),
  },
  (t) => [
    index('events_squad_idx').on(t.squadId, t.id),
    // The newest board-visible event of a squad in one index probe: the board cache's version.
    index('events_board_idx').on(t.squadId, t.id).where(sql`scope <> 'execution'`),
    index('events_task_idx').on(t.taskId, t.id),
    index('events_execution_idx').on(t.executionId, t.id),
  ],
)

/** Pull requests of the built-in local forge (GitHub keeps its own). One open PR per head branch. */
export const pullRequests = pgTable(
  'pull_requests',
  {
    id: uuid('id').primaryKey(),
    repositoryId: uuid('repository_id')
      .notNull()
      .references(() => repositories.id, { onDelete: 'cascade' }),
    squadId: uuid('squad_id')
      .notNull()
      .references(() => squads.id, { onDelete: 'cascade' }),
    taskId: uuid('task_id').references(() => tasks.id, { onDelete: 'set null' }),
    executionId: uuid('execution_id'),
    number: integer('number').notNull(),
    title: text('title').notNull(),
    body: text('body').notNull().default(''),
    head: text('head').notNull(),
    base: text('base').notNull(),
    state: text('state').notNull().default('open'),
    labels: jsonb('labels').$type<string[]>().notNull().default([]),
    reviewers: jsonb('reviewers').$type<string[]>().notNull().default([]),
    mergeCommit: text('merge_commit'),
    mergedAt: timestamp('merged_at', { withTimezone: true }),
    /** The pull request's page on its forge (GitHub); null for the local forge, whose URL is derived. */
    htmlUrl: text('html_url'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('pull_requests_repo_number_idx').on(t.repositoryId, t.number),
    uniqueIndex('pull_requests_open_head_idx').on(t.repositoryId, t.head).where(sql`state = 'open'`),
  ],
)

/**
 * Reviews of a task's pull request, by the reviewer agent (from its execution) or by a person. Kept
 * per task rather than per forge pull request, so they work the same on every forge.
 */
export const reviews = pgTable(
  'reviews',
  {
    id: uuid('id').primaryKey(),
    squadId: uuid('squad_id')
      .notNull()
      .references(() => squads.id, { onDelete: 'cascade' }),
    taskId: uuid('task_id')
      .notNull()
      .references(() => tasks.id, { onDelete: 'cascade' }),
    executionId: uuid('execution_id'),
    authorKind: text('author_kind').notNull(),
    authorId: uuid('author_id'),
    authorName: text('author_name').notNull(),
    verdict: text('verdict').notNull(),
    body: text('body').notNull().default(''),
    comments: jsonb('comments')
      .$type<{ path: string; line: number | null; body: string }[]>()
      .notNull()
      .default([]),
    round: integer('round').notNull(),
    followUpExecutionId: uuid('follow_up_execution_id'),
    pullRequestUrl: text('pull_request_url'),
    createdAt: createdAt(),
  },
  (t) => [index('reviews_task_idx').on(t.taskId, t.createdAt)],
)

/** Secrets (forge tokens, model keys), encrypted with the server's key; never returned by the API. */
export const secrets = pgTable(
  'secrets',
  {
    id: uuid('id').primaryKey(),
    squadId: uuid('squad_id').references(() => squads.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /** AES-256-GCM: base64 of iv | tag | ciphertext. */
    ciphertext: text('ciphertext').notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('secrets_squad_name_idx').on(t.squadId, t.name)],
)

/**
 * Webhook deliveries (and the poller's findings) already acted on, by the forge's delivery id: a
 * redelivery or a second poll finds its id here and does nothing twice.
 */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: text('id').primaryKey(),
    source: text('source').notNull(),
    event: text('event').notNull(),
    repositoryId: uuid('repository_id').references(() => repositories.id, { onDelete: 'cascade' }),
    /** What the server did with it, for people reading the log (`revision queued`, `ignored: …`). */
    outcome: text('outcome').notNull().default(''),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('webhook_deliveries_received_idx').on(t.receivedAt)],
)
