import { CreateRepositoryBody } from '@agent-squad/contract'
import { useState } from 'react'
import { useCreateRepository } from '../../shared/api/repositories.ts'
import { Button } from '../../shared/ui/Button.tsx'
import { Dialog } from '../../shared/ui/Dialog.tsx'
import { Field, fieldErrors } from '../../shared/ui/Field.tsx'
import { InlineError } from '../../shared/ui/States.tsx'

export function RepositoryFormDialog({ squadId, onClose }: { squadId: string; onClose: () => void }) {
  const [kind, setKind] = useState<'local' | 'remote'>('local')
  const [name, setName] = useState('')
  const [url, setUrl] = useState('')
  const [branch, setBranch] = useState('main')
  const [errors, setErrors] = useState<Record<string, string>>({})
  const create = useCreateRepository(squadId)

  const submit = (event: React.FormEvent) => {
    event.preventDefault()
    const parsed = CreateRepositoryBody.safeParse({
      name,
      default_branch: branch,
      ...(kind === 'remote' ? { url } : {}),
    })
    if (!parsed.success) return setErrors(fieldErrors(parsed.error.issues))
    if (kind === 'remote' && !url.trim()) return setErrors({ url: 'Enter the repository URL' })
    setErrors({})
    create.mutate(parsed.data, { onSuccess: onClose })
  }

  return (
    <Dialog title="Add repository" onClose={onClose}>
      <form className="form" onSubmit={submit} noValidate>
        <fieldset className="segmented">
          <legend className="sr-only">Where the repository lives</legend>
          <label>
            <input type="radio" name="kind" checked={kind === 'local'} onChange={() => setKind('local')} />
            Local forge
          </label>
          <label>
            <input type="radio" name="kind" checked={kind === 'remote'} onChange={() => setKind('remote')} />
            Remote URL
          </label>
        </fieldset>
        <p className="muted small">
          {kind === 'local'
            ? 'A bare repository served by this server over git; pull requests live here too.'
            : 'An existing repository (https://, ssh:// or git@host:path). Store its token as a secret, never in the URL.'}
        </p>
        <Field label="Name" error={errors.name}>
          <input value={name} onChange={(e) => setName(e.target.value)} placeholder="webshop" />
        </Field>
        {kind === 'remote' ? (
          <Field label="URL" error={errors.url}>
            <input
              value={url}
              onChange={(e) => setUrl(e.target.value)}
              placeholder="https://github.com/acme/webshop.git"
            />
          </Field>
        ) : null}
        <Field label="Default branch" error={errors.default_branch}>
          <input value={branch} onChange={(e) => setBranch(e.target.value)} />
        </Field>
        <InlineError error={create.error} />
        <div className="form-actions">
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="primary" busy={create.isPending}>
            Add repository
          </Button>
        </div>
      </form>
    </Dialog>
  )
}
