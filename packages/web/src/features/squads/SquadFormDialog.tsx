import { CreateSquadBody, type Squad } from '@agent-squad/contract'
import { useState } from 'react'
import { useCreateSquad, useUpdateSquad } from '../../shared/api/squads.ts'
import { Button } from '../../shared/ui/Button.tsx'
import { Dialog } from '../../shared/ui/Dialog.tsx'
import { Field, fieldErrors } from '../../shared/ui/Field.tsx'
import { InlineError } from '../../shared/ui/States.tsx'

/** Creates a squad, or renames / re-describes `squad`. */
export function SquadFormDialog({
  squad,
  onClose,
  onSaved,
}: {
  squad?: Squad
  onClose: () => void
  onSaved?: (squad: Squad) => void
}) {
  const [name, setName] = useState(squad?.name ?? '')
  const [description, setDescription] = useState(squad?.description ?? '')
  const [errors, setErrors] = useState<Record<string, string>>({})
  const create = useCreateSquad()
  const update = useUpdateSquad(squad?.id ?? '')
  const mutation = squad ? update : create

  const submit = (event: React.FormEvent) => {
    event.preventDefault()
    const parsed = CreateSquadBody.safeParse({ name, description })
    if (!parsed.success) return setErrors(fieldErrors(parsed.error.issues))
    setErrors({})
    const body = { name: parsed.data.name, description: parsed.data.description }
    const done = {
      onSuccess: (saved: Squad) => {
        onSaved?.(saved)
        onClose()
      },
    }
    if (squad) update.mutate(body, done)
    else create.mutate(body, done)
  }

  return (
    <Dialog title={squad ? 'Edit squad' : 'New squad'} onClose={onClose}>
      <form onSubmit={submit} className="form" noValidate>
        <Field label="Name" error={errors.name}>
          <input
            value={name}
            onChange={(e) => setName(e.target.value)}
            maxLength={100}
            placeholder="Payments team"
          />
        </Field>
        <Field label="Description" error={errors.description} hint="What this squad works on (optional).">
          <textarea value={description} rows={3} onChange={(e) => setDescription(e.target.value)} />
        </Field>
        <InlineError error={mutation.error} />
        <div className="form-actions">
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="primary" busy={mutation.isPending}>
            {squad ? 'Save' : 'Create squad'}
          </Button>
        </div>
      </form>
    </Dialog>
  )
}
