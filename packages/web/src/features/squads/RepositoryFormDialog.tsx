import { CreateRepositoryBody } from '@agent-squad/contract'
import { useState } from 'react'
import { issuesOf } from '../../shared/api/client.ts'
import { useCreateRepository } from '../../shared/api/repositories.ts'
import { Button } from '../../shared/ui/Button.tsx'
import { Dialog } from '../../shared/ui/Dialog.tsx'
import { Field } from '../../shared/ui/Field.tsx'
import { GitHubIcon } from '../../shared/ui/icons.tsx'
import { InlineError } from '../../shared/ui/States.tsx'
import { SecretSelect } from './SecretSelect.tsx'

type Mode = 'github' | 'remote' | 'local'
type AuthKind = 'token' | 'app'

const modeHints: Record<Mode, string> = {
  github:
    'A repository on GitHub or GitHub Enterprise: agents push branches there and open pull requests; reviews and merges happen on GitHub.',
  remote:
    'Any git remote (https:// or ssh://, git@host:path). Runs end with their branch pushed; there are no pull requests.',
  local: 'A bare repository served by this server over git; pull requests live here too.',
}

/** The name a repository gets when none is typed: the last part of its GitHub name or URL. */
export function suggestedName(mode: Mode, githubRepo: string, url: string): string {
  const source = mode === 'github' ? githubRepo : mode === 'remote' ? url : ''
  const last = source.trim().replace(/\/+$/, '').split(/[/:]/).pop() ?? ''
  return last.replace(/\.git$/, '')
}

/** The form's fields, by the dotted path the API names them with in a 422's `details.issues`. */
function visibleFields(mode: Mode, auth: AuthKind): string[] {
  const common = ['name', 'default_branch']
  if (mode === 'local') return common
  if (mode === 'remote') return ['url', 'credential_secret', ...common]
  const credential =
    auth === 'token' ? ['github.auth.secret'] : ['github.auth.app_id', 'github.auth.private_key_secret']
  return ['github.repo', 'github.base_url', ...credential, ...common]
}

/**
 * Places each issue next to the field it is about: its exact path, else the first field below it
 * (`github.auth` → the secret), else the field above it. Issues that fit no shown field are returned
 * in `rest`, for the top of the form.
 */
export function placeIssues(issues: readonly { path: string; message: string }[], fields: readonly string[]) {
  const errors: Record<string, string> = {}
  const rest: string[] = []
  for (const { path, message } of issues) {
    const field =
      fields.find((f) => f === path) ??
      fields.find((f) => f.startsWith(`${path}.`)) ??
      fields.find((f) => path.startsWith(`${f}.`))
    if (field) errors[field] ??= message
    else rest.push(path && path !== '(body)' ? `${path}: ${message}` : message)
  }
  return { errors, rest }
}

/** Adds a repository: on GitHub, at any git URL, or on the built-in local forge. */
export function RepositoryFormDialog({ squadId, onClose }: { squadId: string; onClose: () => void }) {
  const [mode, setMode] = useState<Mode>('github')
  const [name, setName] = useState('')
  const [branch, setBranch] = useState('')
  const [githubRepo, setGithubRepo] = useState('')
  const [baseUrl, setBaseUrl] = useState('')
  const [authKind, setAuthKind] = useState<AuthKind>('token')
  const [tokenSecret, setTokenSecret] = useState('')
  const [appId, setAppId] = useState('')
  const [privateKeySecret, setPrivateKeySecret] = useState('')
  const [url, setUrl] = useState('')
  const [credentialSecret, setCredentialSecret] = useState('')
  const [errors, setErrors] = useState<Record<string, string>>({})
  const [problems, setProblems] = useState<string[]>([])
  const create = useCreateRepository(squadId)
  const fields = visibleFields(mode, authKind)
  const placeholderName = suggestedName(mode, githubRepo, url)

  /** Another kind keeps what was typed in every field; only the complaints about the last one go. */
  const switchMode = (next: Mode) => {
    setMode(next)
    setErrors({})
    setProblems([])
    create.reset()
  }

  /** What the form asks for that the contract cannot say well (a blank select, a missing URL). */
  const missing = (): Record<string, string> => {
    const found: Record<string, string> = {}
    if (mode === 'github') {
      if (!githubRepo.trim()) found['github.repo'] = 'Enter the repository as owner/name'
      if (authKind === 'token' && !tokenSecret)
        found['github.auth.secret'] = 'Choose the secret holding the token'
      if (authKind === 'app') {
        if (!/^\d+$/.test(appId.trim()))
          found['github.auth.app_id'] = "Enter the App's numeric id (its settings page shows it)"
        if (!privateKeySecret)
          found['github.auth.private_key_secret'] = "Choose the secret holding the App's private key"
      }
    }
    if (mode === 'remote' && !url.trim()) found.url = 'Enter the repository URL'
    if (!(name.trim() || placeholderName)) found.name = 'Enter a name'
    return found
  }

  const body = () => ({
    name: name.trim() || placeholderName,
    ...(branch.trim() ? { default_branch: branch.trim() } : {}),
    ...(mode === 'remote'
      ? { url: url.trim(), ...(credentialSecret ? { credential_secret: credentialSecret } : {}) }
      : {}),
    ...(mode === 'github'
      ? {
          github: {
            repo: githubRepo.trim(),
            auth:
              authKind === 'token'
                ? { kind: 'token' as const, secret: tokenSecret }
                : {
                    kind: 'app' as const,
                    app_id: Number(appId.trim()),
                    private_key_secret: privateKeySecret,
                  },
            ...(baseUrl.trim() ? { base_url: baseUrl.trim() } : {}),
          },
        }
      : {}),
  })

  const submit = (event: React.FormEvent) => {
    event.preventDefault()
    const found = missing()
    if (Object.keys(found).length) {
      create.reset()
      setProblems([])
      return setErrors(found)
    }
    const parsed = CreateRepositoryBody.safeParse(body())
    if (!parsed.success) {
      create.reset()
      const placed = placeIssues(
        parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })),
        fields,
      )
      setProblems(placed.rest)
      return setErrors(placed.errors)
    }
    setErrors({})
    setProblems([])
    create.mutate(parsed.data, {
      onSuccess: onClose,
      // The form keeps everything typed; the server's complaints go next to their fields.
      onError: (error) => {
        const placed = placeIssues(issuesOf(error), fields)
        setErrors(placed.errors)
        setProblems(placed.rest)
      },
    })
  }

  // A refusal without per-field issues (the check: "auth refused…") is shown at the top as it came.
  const showServerMessage = Boolean(create.error) && issuesOf(create.error).length === 0

  return (
    <Dialog title="Add repository" onClose={onClose} wide>
      <form className="form" onSubmit={submit} noValidate>
        <fieldset className="segmented">
          <legend className="sr-only">Where the repository lives</legend>
          <label>
            <input
              type="radio"
              name="kind"
              checked={mode === 'github'}
              onChange={() => switchMode('github')}
            />
            <GitHubIcon /> GitHub
          </label>
          <label>
            <input
              type="radio"
              name="kind"
              checked={mode === 'remote'}
              onChange={() => switchMode('remote')}
            />
            Git URL
          </label>
          <label>
            <input type="radio" name="kind" checked={mode === 'local'} onChange={() => switchMode('local')} />
            Local forge
          </label>
        </fieldset>
        <p className="muted small">{modeHints[mode]}</p>
        {showServerMessage ? <InlineError error={create.error} /> : null}
        {problems.map((p) => (
          <p key={p} className="inline-error" role="alert">
            {p}
          </p>
        ))}

        {mode === 'github' ? (
          <>
            <Field label="GitHub repository" error={errors['github.repo']} hint="owner/name, as in its URL">
              <input
                value={githubRepo}
                onChange={(e) => setGithubRepo(e.target.value)}
                placeholder="acme/webshop"
                autoComplete="off"
              />
            </Field>
            <fieldset className="segmented">
              <legend className="sr-only">How the server signs in to GitHub</legend>
              <label>
                <input
                  type="radio"
                  name="auth"
                  checked={authKind === 'token'}
                  onChange={() => setAuthKind('token')}
                />
                Access token
              </label>
              <label>
                <input
                  type="radio"
                  name="auth"
                  checked={authKind === 'app'}
                  onChange={() => setAuthKind('app')}
                />
                GitHub App
              </label>
            </fieldset>
            {authKind === 'token' ? (
              <SecretSelect
                squadId={squadId}
                label="Token secret"
                value={tokenSecret}
                onChange={setTokenSecret}
                error={errors['github.auth.secret']}
                suggestedName="GITHUB_TOKEN"
                purpose="a fine-grained token with Contents, Pull requests and Issues (read and write), or a classic one with the repo scope"
              />
            ) : (
              <>
                <Field
                  label="App id"
                  error={errors['github.auth.app_id']}
                  hint="On the App's settings page, under About"
                >
                  <input
                    value={appId}
                    onChange={(e) => setAppId(e.target.value)}
                    inputMode="numeric"
                    placeholder="123456"
                  />
                </Field>
                <SecretSelect
                  squadId={squadId}
                  label="Private key secret"
                  value={privateKeySecret}
                  onChange={setPrivateKeySecret}
                  error={errors['github.auth.private_key_secret']}
                  suggestedName="GITHUB_APP_PRIVATE_KEY"
                  purpose="the private key of a GitHub App installed on this repository (the .pem file GitHub downloads)"
                  multiline
                />
              </>
            )}
            <Field
              label="GitHub Enterprise URL (optional)"
              error={errors['github.base_url']}
              hint="Only for GitHub Enterprise Server, like https://github.example.com; empty means github.com"
            >
              <input
                value={baseUrl}
                onChange={(e) => setBaseUrl(e.target.value)}
                placeholder="https://github.com"
                autoComplete="off"
              />
            </Field>
          </>
        ) : null}

        {mode === 'remote' ? (
          <>
            <Field
              label="URL"
              error={errors.url}
              hint="Store its token or ssh key as a secret, never in the URL"
            >
              <input
                value={url}
                onChange={(e) => setUrl(e.target.value)}
                placeholder="https://git.example.com/acme/webshop.git"
                autoComplete="off"
              />
            </Field>
            <SecretSelect
              squadId={squadId}
              label="Credential secret (optional)"
              value={credentialSecret}
              onChange={setCredentialSecret}
              error={errors.credential_secret}
              suggestedName="GIT_TOKEN"
              purpose="an https token, or an ssh private key for an ssh URL"
              optional
              multiline
            />
          </>
        ) : null}

        <div className="form form-2col">
          <Field label="Name" error={errors.name} hint="How tasks and the board name it">
            <input
              value={name}
              onChange={(e) => setName(e.target.value)}
              placeholder={placeholderName || 'webshop'}
            />
          </Field>
          <Field
            label="Default branch"
            error={errors.default_branch}
            hint={mode === 'local' ? 'main when empty' : "The repository's own default when empty"}
          >
            <input
              value={branch}
              onChange={(e) => setBranch(e.target.value)}
              placeholder={mode === 'local' ? 'main' : 'from the repository'}
            />
          </Field>
        </div>
        <div className="form-actions">
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="primary" busy={create.isPending}>
            {mode === 'local' ? 'Add repository' : create.isPending ? 'Checking…' : 'Check and add'}
          </Button>
        </div>
      </form>
    </Dialog>
  )
}
