import { type Agent, agentCliHint, CreateAgentBody, knownRoles, llmProviders } from '@agent-squad/contract'
import { useState } from 'react'
import { useCreateAgent, useUpdateAgent } from '../../shared/api/agents.ts'
import { Button } from '../../shared/ui/Button.tsx'
import { Dialog } from '../../shared/ui/Dialog.tsx'
import { Field, fieldErrors } from '../../shared/ui/Field.tsx'
import { InlineError } from '../../shared/ui/States.tsx'

const needsModel = (provider: string) => ['openai', 'anthropic', 'openai-compatible'].includes(provider)

/** Adds a squad member, or changes `agent`. */
export function AgentFormDialog({
  squadId,
  agent,
  onClose,
}: {
  squadId: string
  agent?: Agent | undefined
  onClose: () => void
}) {
  const [form, setForm] = useState({
    name: agent?.name ?? '',
    role: agent?.role ?? 'backend',
    specialization: agent?.specialization ?? '',
    llm_provider: agent?.llm_provider ?? 'script',
    llm_model: agent?.llm_model ?? '',
    system_prompt: agent?.system_prompt ?? '',
    is_active: agent?.is_active ?? true,
  })
  const [errors, setErrors] = useState<Record<string, string>>({})
  const create = useCreateAgent(squadId)
  const update = useUpdateAgent(squadId)
  const mutation = agent ? update : create
  const set = <K extends keyof typeof form>(key: K, value: (typeof form)[K]) =>
    setForm((f) => ({ ...f, [key]: value }))

  const submit = (event: React.FormEvent) => {
    event.preventDefault()
    const parsed = CreateAgentBody.safeParse(form)
    if (!parsed.success) return setErrors(fieldErrors(parsed.error.issues))
    setErrors({})
    const { config: _config, ...body } = parsed.data
    if (agent) update.mutate({ id: agent.id, body }, { onSuccess: onClose })
    else create.mutate(body, { onSuccess: onClose })
  }

  return (
    <Dialog title={agent ? `Edit ${agent.name}` : 'Add agent'} onClose={onClose} wide>
      <form className="form form-2col" onSubmit={submit} noValidate>
        <Field label="Name" error={errors.name}>
          <input value={form.name} onChange={(e) => set('name', e.target.value)} placeholder="Ada" />
        </Field>
        <Field label="Role" error={errors.role} hint="Pick one or type your own (lowercase).">
          <input list="agent-roles" value={form.role} onChange={(e) => set('role', e.target.value)} />
        </Field>
        <datalist id="agent-roles">
          {knownRoles.map((r) => (
            <option key={r} value={r} />
          ))}
        </datalist>
        <Field label="Specialization" error={errors.specialization}>
          <input
            value={form.specialization}
            onChange={(e) => set('specialization', e.target.value)}
            placeholder="TypeScript APIs"
          />
        </Field>
        <Field
          label="Provider"
          error={errors.llm_provider}
          hint={
            form.llm_provider === 'script'
              ? 'Runs the task’s script; no model needed.'
              : (agentCliHint(form.llm_provider) ?? undefined)
          }
        >
          <select
            value={form.llm_provider}
            onChange={(e) => set('llm_provider', e.target.value as typeof form.llm_provider)}
          >
            {llmProviders.map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        </Field>
        <Field
          label="Model"
          error={errors.llm_model}
          hint={
            needsModel(form.llm_provider)
              ? 'e.g. gpt-5, claude-sonnet-4-5, qwen3-coder'
              : 'Optional for this provider.'
          }
        >
          <input value={form.llm_model} onChange={(e) => set('llm_model', e.target.value)} />
        </Field>
        <label className="check field-inline">
          <input
            type="checkbox"
            checked={form.is_active}
            onChange={(e) => set('is_active', e.target.checked)}
          />
          Active (takes tasks)
        </label>
        <div className="span-2">
          <Field label="System prompt" error={errors.system_prompt}>
            <textarea
              rows={6}
              value={form.system_prompt}
              onChange={(e) => set('system_prompt', e.target.value)}
            />
          </Field>
        </div>
        <div className="span-2">
          <InlineError error={mutation.error} />
        </div>
        <div className="form-actions span-2">
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="primary" busy={mutation.isPending}>
            {agent ? 'Save agent' : 'Add agent'}
          </Button>
        </div>
      </form>
    </Dialog>
  )
}
