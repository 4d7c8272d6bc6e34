import {
  type Agent,
  CreateTaskBody,
  type Repository,
  type Task,
  type TaskStatus,
  taskPriorities,
  taskStatuses,
} from '@agent-squad/contract'
import { useState } from 'react'
import { useCreateTask, useDeleteTask, useUpdateTask } from '../../shared/api/tasks.ts'
import { Button } from '../../shared/ui/Button.tsx'
import { ConfirmDialog } from '../../shared/ui/ConfirmDialog.tsx'
import { Dialog } from '../../shared/ui/Dialog.tsx'
import { Field, fieldErrors } from '../../shared/ui/Field.tsx'
import { splitList } from '../../shared/ui/format.ts'
import { InlineError } from '../../shared/ui/States.tsx'
import { columnTitles } from './board-dnd.ts'
import { TaskRuns } from './TaskRuns.tsx'

type TaskDialogProps = {
  squadId: string
  task?: Task | undefined
  initialStatus?: TaskStatus | undefined
  agents: Agent[]
  repositories: Repository[]
  onClose: () => void
}

/** Creates a task, or edits one and shows its runs (start, retry, open the Agent Work page). */
export function TaskDialog({ squadId, task, initialStatus, agents, repositories, onClose }: TaskDialogProps) {
  const [form, setForm] = useState({
    title: task?.title ?? '',
    description: task?.description ?? '',
    status: task?.status ?? initialStatus ?? 'backlog',
    priority: task?.priority ?? 'medium',
    labels: task?.labels.join(', ') ?? '',
    // A stored task shows what is stored, "none" included; only a new one gets suggestions.
    assignee_id: task ? (task.assignee_id ?? '') : (agents.find((a) => a.is_active)?.id ?? ''),
    repository_id: task ? (task.repository_id ?? '') : (repositories[0]?.id ?? ''),
    script: task?.script ?? '',
  })
  const [errors, setErrors] = useState<Record<string, string>>({})
  const create = useCreateTask(squadId)
  const update = useUpdateTask()
  const remove = useDeleteTask(squadId)
  const mutation = task ? update : create
  const set = <K extends keyof typeof form>(key: K, value: (typeof form)[K]) =>
    setForm((f) => ({ ...f, [key]: value }))
  const assignee = agents.find((a) => a.id === form.assignee_id)
  const [showScript, setShowScript] = useState(Boolean(task?.script))
  const scriptVisible = showScript || assignee?.llm_provider === 'script'

  const submit = (event: React.FormEvent) => {
    event.preventDefault()
    const parsed = CreateTaskBody.safeParse({
      ...form,
      labels: splitList(form.labels),
      assignee_id: form.assignee_id || null,
      repository_id: form.repository_id || null,
      script: form.script.trim() ? form.script : null,
    })
    if (!parsed.success) return setErrors(fieldErrors(parsed.error.issues))
    setErrors({})
    const { parent_task_id: _parent, ...body } = parsed.data
    if (!task) return create.mutate(body, { onSuccess: onClose })
    const { status, ...rest } = body
    update.mutate({ id: task.id, body: status === task.status ? rest : body }, { onSuccess: onClose })
  }
  const [deleting, setDeleting] = useState(false)

  return (
    <Dialog title={task ? `Task #${task.number}` : 'New task'} onClose={onClose} wide>
      <form className="form form-2col" onSubmit={submit} noValidate>
        <div className="span-2">
          <Field label="Title" error={errors.title}>
            <input
              value={form.title}
              onChange={(e) => set('title', e.target.value)}
              placeholder="Add a health check endpoint"
            />
          </Field>
        </div>
        <div className="span-2">
          <Field
            label="Description"
            error={errors.description}
            hint="What done looks like; the agent reads this."
          >
            <textarea
              rows={4}
              value={form.description}
              onChange={(e) => set('description', e.target.value)}
            />
          </Field>
        </div>
        <Field label="Column" error={errors.status}>
          <select value={form.status} onChange={(e) => set('status', e.target.value as TaskStatus)}>
            {taskStatuses.map((s) => (
              <option key={s} value={s}>
                {columnTitles[s]}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Priority" error={errors.priority}>
          <select
            value={form.priority}
            onChange={(e) => set('priority', e.target.value as typeof form.priority)}
          >
            {taskPriorities.map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Assignee" error={errors.assignee_id}>
          <select value={form.assignee_id} onChange={(e) => set('assignee_id', e.target.value)}>
            <option value="">Unassigned</option>
            {agents.map((a) => (
              <option key={a.id} value={a.id}>
                {a.name} ({a.role}, {a.llm_provider}){a.is_active ? '' : ' – paused'}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Repository" error={errors.repository_id}>
          <select value={form.repository_id} onChange={(e) => set('repository_id', e.target.value)}>
            <option value="">None</option>
            {repositories.map((r) => (
              <option key={r.id} value={r.id}>
                {r.name}
              </option>
            ))}
          </select>
        </Field>
        <div className="span-2">
          <Field label="Labels" error={errors.labels} hint="Comma-separated.">
            <input
              value={form.labels}
              onChange={(e) => set('labels', e.target.value)}
              placeholder="api, good first issue"
            />
          </Field>
        </div>
        <div className="span-2">
          {scriptVisible ? (
            <Field
              label="Script"
              error={errors.script}
              hint="Shell commands a script agent runs in the repository's sandbox."
            >
              <textarea
                className="mono"
                rows={5}
                value={form.script}
                onChange={(e) => set('script', e.target.value)}
              />
            </Field>
          ) : (
            <button type="button" className="link-btn" onClick={() => setShowScript(true)}>
              Add a script (for script agents)
            </button>
          )}
        </div>
        <div className="span-2">
          <InlineError error={mutation.error} />
        </div>
        <div className="form-actions span-2">
          {task ? (
            <Button variant="danger" className="push-left" onClick={() => setDeleting(true)}>
              Delete
            </Button>
          ) : null}
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="primary" busy={mutation.isPending}>
            {task ? 'Save task' : 'Create task'}
          </Button>
        </div>
      </form>
      {task ? <TaskRuns task={task} /> : null}
      {task && deleting ? (
        <ConfirmDialog
          title={`Delete task #${task.number}?`}
          confirmLabel={`Delete #${task.number}`}
          danger
          busy={remove.isPending}
          error={remove.error}
          onCancel={() => setDeleting(false)}
          onConfirm={() => remove.mutate(task.id, { onSuccess: onClose })}
        >
          <p>Its runs and history go with it.</p>
        </ConfirmDialog>
      ) : null}
    </Dialog>
  )
}
