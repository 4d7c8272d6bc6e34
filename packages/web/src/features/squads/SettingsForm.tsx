import { type Agent, networkModeOf, type Squad, SquadConfig, type WorkflowMode } from '@agent-squad/contract'
import { useState } from 'react'
import { useAgents } from '../../shared/api/agents.ts'
import { useUpdateSquad } from '../../shared/api/squads.ts'
import { Button } from '../../shared/ui/Button.tsx'
import { Field, fieldErrors } from '../../shared/ui/Field.tsx'
import { splitList } from '../../shared/ui/format.ts'
import { InlineError } from '../../shared/ui/States.tsx'
import { useToast } from '../../shared/ui/Toast.tsx'

const numberOrUndefined = (text: string) => (text.trim() === '' ? undefined : Number(text))

type Issue = { path: readonly PropertyKey[]; message: string }

/** Settings whose field may be left empty for the server's default. */
const resettable = ['max_concurrency', 'network', 'network_allowlist', 'keep_failed_sandbox_minutes'] as const

/** Field errors by name; the workflow's two fields are nested, so their messages name the leaf. */
const workflowErrors = (issues: readonly Issue[]) =>
  fieldErrors(issues.map((i) => (i.path[0] === 'workflow' ? { ...i, path: i.path.slice(1) } : i)))

/**
 * Whom team mode lacks among the active agents: a lead plans a task, a reviewer (or qa) reviews its
 * pull requests; both need a model (a script agent can do neither).
 */
export function missingTeamRoles(agents: readonly Agent[]): string[] {
  const able = agents.filter((a) => a.is_active && a.llm_provider !== 'script')
  const has = (roles: string[]) => able.some((a) => roles.includes(a.role.toLowerCase()))
  return [...(has(['lead']) ? [] : ['lead']), ...(has(['reviewer', 'qa']) ? [] : ['reviewer'])]
}

/** Workflow, concurrency, network policy, sandbox clean-up and default reviewers of a squad. */
export function SettingsForm({ squad }: { squad: Squad }) {
  const config = squad.config
  const [concurrency, setConcurrency] = useState(String(config.max_concurrency ?? ''))
  const [network, setNetwork] = useState(config.network ? networkModeOf(config.network) : '')
  const [allowlist, setAllowlist] = useState((config.network_allowlist ?? []).join('\n'))
  const [keepMinutes, setKeepMinutes] = useState(String(config.keep_failed_sandbox_minutes ?? ''))
  const [reviewers, setReviewers] = useState((config.reviewers ?? []).join(', '))
  const [mode, setMode] = useState<WorkflowMode>(config.workflow?.mode ?? 'solo')
  const [rounds, setRounds] = useState(String(config.workflow?.max_review_rounds ?? ''))
  const [subtasks, setSubtasks] = useState<'parallel' | 'chain'>(config.workflow?.subtasks ?? 'parallel')
  const [errors, setErrors] = useState<Record<string, string>>({})
  const update = useUpdateSquad(squad.id)
  const toast = useToast()
  const agents = useAgents(squad.id)
  const missing = mode === 'team' && agents.data ? missingTeamRoles(agents.data.items) : []

  const submit = (event: React.FormEvent) => {
    event.preventDefault()
    const parsed = SquadConfig.safeParse({
      max_concurrency: numberOrUndefined(concurrency),
      network: network || undefined,
      network_allowlist: allowlist.trim() ? splitList(allowlist.replace(/\s+/g, ',')) : undefined,
      keep_failed_sandbox_minutes: numberOrUndefined(keepMinutes),
      reviewers: splitList(reviewers),
      // The rounds field is hidden in solo mode; the stored value then stays for a switch back.
      workflow: {
        mode,
        max_review_rounds: mode === 'team' ? numberOrUndefined(rounds) : config.workflow?.max_review_rounds,
        subtasks: mode === 'team' ? subtasks : config.workflow?.subtasks,
      },
    })
    if (!parsed.success) return setErrors(workflowErrors(parsed.error.issues))
    setErrors({})
    // A field emptied goes back to the server's default: the server merges keys, null removes one.
    const cleared = resettable.filter((key) => parsed.data[key] === undefined && config[key] !== undefined)
    update.mutate(
      { config: { ...parsed.data, ...Object.fromEntries(cleared.map((key) => [key, null])) } },
      { onSuccess: () => toast('Settings saved', 'success') },
    )
  }

  return (
    <section className="panel">
      <header className="panel-header">
        <h2>Settings</h2>
      </header>
      <form className="form" onSubmit={submit} noValidate>
        <Field
          label="Workflow"
          error={errors.mode}
          hint={
            mode === 'team'
              ? 'Team: starting a task assigned to the lead plans it into subtasks for the agents of each role; the reviewer (or qa) agent reviews every pull request.'
              : 'Solo: the assignee implements the task and opens the pull request.'
          }
        >
          <select value={mode} onChange={(e) => setMode(e.target.value as WorkflowMode)}>
            <option value="solo">Solo</option>
            <option value="team">Team (lead plans, reviewer reviews)</option>
          </select>
        </Field>
        {missing.length ? (
          <div className="notice notice-warning" role="status" data-testid="team-warning">
            This squad has {missing.map((role) => `no ${role}`).join(' and ')} (an active agent with a model).
            {missing.includes('lead')
              ? ' Without a lead, tasks are not planned or split: each runs as in solo mode.'
              : ''}
            {missing.includes('reviewer')
              ? ' Without a reviewer, no agent reviews the pull requests: a person does.'
              : ''}{' '}
            Add them under Agents.
          </div>
        ) : null}
        {mode === 'team' ? (
          <Field
            label="Max review rounds"
            error={errors.max_review_rounds}
            hint="How often the reviewer may send a pull request back before a person decides (0–5; empty: 2)."
          >
            <input type="number" min={0} max={5} value={rounds} onChange={(e) => setRounds(e.target.value)} />
          </Field>
        ) : null}
        {mode === 'team' ? (
          <Field
            label="Subtasks"
            error={errors.subtasks}
            hint={
              subtasks === 'chain'
                ? "One after another on the task's branch, each building on the last: one pull request for the task, reviewed as a whole."
                : 'At once, each on its own branch with its own pull request and review.'
            }
          >
            <select value={subtasks} onChange={(e) => setSubtasks(e.target.value as 'parallel' | 'chain')}>
              <option value="parallel">In parallel (a pull request each)</option>
              <option value="chain">As a chain (one pull request)</option>
            </select>
          </Field>
        ) : null}
        <Field
          label="Concurrency"
          error={errors.max_concurrency}
          hint="How many tasks run at once; more wait in the queue (1–64; empty: server default)."
        >
          <input
            type="number"
            min={1}
            max={64}
            value={concurrency}
            onChange={(e) => setConcurrency(e.target.value)}
          />
        </Field>
        <Field
          label="Network policy"
          error={errors.network}
          hint="What agents' sandboxes may reach. Never this server's machine or private networks unless the allowlist names them."
        >
          <select value={network} onChange={(e) => setNetwork(e.target.value as typeof network)}>
            <option value="">Server default</option>
            <option value="internet">Internet (public addresses only)</option>
            <option value="allowlist">Allowlist only</option>
            <option value="off">Off</option>
          </select>
        </Field>
        <Field
          label="Network allowlist"
          error={errors.network_allowlist}
          hint="One per line: host, *.domain, IP or CIDR range, each optionally :port. Empty: package registries, code hosts and model APIs."
        >
          <textarea
            rows={4}
            value={allowlist}
            onChange={(e) => setAllowlist(e.target.value)}
            placeholder={'registry.npmjs.org\n*.github.com\ngit.internal:8443'}
          />
        </Field>
        <Field
          label="Keep failed sandboxes (minutes)"
          error={errors.keep_failed_sandbox_minutes}
          hint="Clean-up policy: how long a failed execution's sandbox stays for inspection (0: remove at once)."
        >
          <input type="number" min={0} value={keepMinutes} onChange={(e) => setKeepMinutes(e.target.value)} />
        </Field>
        <Field
          label="Reviewers"
          error={errors.reviewers}
          hint="Comma-separated; requested on every pull request."
        >
          <input value={reviewers} onChange={(e) => setReviewers(e.target.value)} placeholder="alice, bob" />
        </Field>
        <InlineError error={update.error} />
        <div className="form-actions">
          <Button type="submit" variant="primary" busy={update.isPending}>
            Save settings
          </Button>
        </div>
      </form>
    </section>
  )
}
