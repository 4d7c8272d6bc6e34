import { SecretName } from '@agent-squad/contract'
import { useState } from 'react'
import { usePutSecret, useSecrets } from '../../shared/api/secrets.ts'
import { Button } from '../../shared/ui/Button.tsx'
import { Field } from '../../shared/ui/Field.tsx'
import { InlineError } from '../../shared/ui/States.tsx'

type SecretSelectProps = {
  squadId: string
  label: string
  value: string
  onChange: (name: string) => void
  error?: string | undefined
  /** The name offered when a new secret is stored from here. */
  suggestedName: string
  /** What the secret holds, for the hint. */
  purpose: string
  optional?: boolean
  /** A key file (pem, ssh) rather than a one-line token. */
  multiline?: boolean
}

/**
 * Picks one of the squad's secrets by name (repositories refer to credentials by name, never by
 * value), or stores a new one on the spot, which is then picked.
 */
export function SecretSelect(props: SecretSelectProps) {
  const { squadId, label, value, onChange, error, suggestedName, purpose, optional, multiline } = props
  const secrets = useSecrets(squadId)
  const put = usePutSecret(squadId)
  const [adding, setAdding] = useState(false)
  const [newName, setNewName] = useState(suggestedName)
  const [newValue, setNewValue] = useState('')
  const [newErrors, setNewErrors] = useState<{ name?: string; value?: string }>({})
  const names = secrets.data?.items.map((s) => s.name) ?? []
  const options = value && !names.includes(value) ? [...names, value] : names
  const blank = optional
    ? 'None'
    : secrets.isPending
      ? 'Loading secrets…'
      : names.length
        ? 'Choose a secret…'
        : 'No secrets yet: store one below'

  const store = () => {
    const name = SecretName.safeParse(newName.trim())
    const found = {
      ...(name.success ? {} : { name: name.error.issues[0]?.message ?? 'Invalid name' }),
      ...(newValue.trim() ? {} : { value: 'Paste the value to store' }),
    }
    setNewErrors(found)
    if (!name.success || Object.keys(found).length) return
    put.mutate(
      { name: name.data, value: newValue },
      {
        onSuccess: (secret) => {
          onChange(secret.name)
          setAdding(false)
          setNewValue('')
        },
      },
    )
  }
  // Enter stores the secret rather than submitting the repository form around it.
  const onEnter = (event: React.KeyboardEvent) => {
    if (event.key !== 'Enter') return
    event.preventDefault()
    store()
  }

  return (
    <div className="secret-select">
      <Field
        label={label}
        error={error}
        hint={
          <>
            A squad secret holding {purpose}. Store one here, or from a terminal:{' '}
            <code>
              squad secret set {squadId} {suggestedName}
            </code>
            {secrets.isError ? ' (the list of secrets could not be loaded)' : null}
          </>
        }
      >
        <select value={value} onChange={(e) => onChange(e.target.value)}>
          <option value="">{blank}</option>
          {options.map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
      </Field>
      {adding ? (
        <fieldset className="secret-new">
          <legend>New secret</legend>
          <Field label="Secret name" error={newErrors.name}>
            <input value={newName} onChange={(e) => setNewName(e.target.value)} onKeyDown={onEnter} />
          </Field>
          <Field
            label="Secret value"
            error={newErrors.value}
            hint="Stored encrypted on the server; it is never shown again"
          >
            {multiline ? (
              <textarea
                className="mono"
                rows={4}
                value={newValue}
                onChange={(e) => setNewValue(e.target.value)}
                spellCheck={false}
              />
            ) : (
              <input
                type="password"
                autoComplete="off"
                value={newValue}
                onChange={(e) => setNewValue(e.target.value)}
                onKeyDown={onEnter}
              />
            )}
          </Field>
          <InlineError error={put.error} />
          <div className="form-actions">
            <Button size="sm" onClick={() => setAdding(false)}>
              Cancel
            </Button>
            <Button size="sm" variant="primary" onClick={store} busy={put.isPending}>
              Store secret
            </Button>
          </div>
        </fieldset>
      ) : (
        <Button size="sm" variant="ghost" className="secret-add" onClick={() => setAdding(true)}>
          Store a new secret…
        </Button>
      )}
    </div>
  )
}
