import type { Repository } from '@agent-squad/contract'
import { QueryClientProvider } from '@tanstack/react-query'
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react'
import { MemoryRouter } from 'react-router'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createQueryClient } from '../src/app/query-client.ts'
import { RepositoriesSection } from '../src/features/squads/RepositoriesSection.tsx'
import {
  placeIssues,
  RepositoryFormDialog,
  suggestedName,
} from '../src/features/squads/RepositoryFormDialog.tsx'
import { ToastProvider } from '../src/shared/ui/Toast.tsx'
import { fakeApi, HttpError, type Route } from './helpers/fake-api.ts'
import { later, squadId } from './helpers/fixtures.ts'

const repoId = '00000000-0000-7000-8000-000000000077'

const repository = (over: Partial<Repository> = {}): Repository => ({
  id: repoId,
  squad_id: squadId,
  name: 'webshop',
  kind: 'github',
  url: 'https://github.com/acme/webshop.git',
  clone_url: 'https://github.com/acme/webshop.git',
  default_branch: 'main',
  credential_secret: null,
  github: {
    repo: 'acme/webshop',
    auth: { kind: 'token', secret: 'GITHUB_TOKEN' },
    base_url: null,
    html_url: 'https://github.com/acme/webshop',
  },
  check: {
    reachable: true,
    default_branch: 'main',
    head: '0123456789abcdef0123456789abcdef01234567',
    permissions: ['contents:write', 'pull_requests:write'],
    checked_at: later(0),
  },
  created_at: later(0),
  updated_at: later(0),
  ...over,
})

const secretsRoute = (names = ['GITHUB_TOKEN', 'GITHUB_APP_KEY']): Route => ({
  method: 'GET',
  path: /\/secrets$/,
  handler: () => ({
    items: names.map((name) => ({ name, created_at: later(0), updated_at: later(0) })),
    next_cursor: null,
  }),
})

function renderForm(routes: Route[]) {
  const calls = fakeApi([secretsRoute(), ...routes])
  const onClose = vi.fn()
  render(
    <QueryClientProvider client={createQueryClient()}>
      <RepositoryFormDialog squadId={squadId} onClose={onClose} />
    </QueryClientProvider>,
  )
  return { calls, onClose }
}

const created: Route = {
  method: 'POST',
  path: /\/squads\/[^/]+\/repositories$/,
  handler: () => repository(),
}
const type = (label: string, value: string) =>
  fireEvent.change(screen.getByLabelText(label), { target: { value } })
const posted = (calls: { method: string; body: unknown }[]) => calls.find((c) => c.method === 'POST')?.body
/** The secret names offered once the squad's list has loaded. */
const secretsLoaded = () =>
  waitFor(() => expect(screen.getAllByRole('option', { name: 'GITHUB_TOKEN' }).length).toBeGreaterThan(0))

afterEach(() => {
  cleanup()
  vi.unstubAllGlobals()
})

describe('adding a repository: three kinds', () => {
  it('connects a GitHub repository with a token secret picked from the squad, named after the repository', async () => {
    const { calls, onClose } = renderForm([created])
    expect((screen.getByLabelText('GitHub') as HTMLInputElement).checked).toBe(true)
    type('GitHub repository', 'acme/webshop')
    await secretsLoaded()
    type('Token secret', 'GITHUB_TOKEN')
    expect((screen.getByLabelText('Name') as HTMLInputElement).placeholder).toBe('webshop')
    fireEvent.click(screen.getByRole('button', { name: 'Check and add' }))
    await waitFor(() => expect(onClose).toHaveBeenCalled())
    // No default branch: the server takes the repository's own.
    expect(posted(calls)).toEqual({
      name: 'webshop',
      github: { repo: 'acme/webshop', auth: { kind: 'token', secret: 'GITHUB_TOKEN' } },
    })
  })

  it('connects a GitHub Enterprise repository as a GitHub App', async () => {
    const { calls, onClose } = renderForm([created])
    type('GitHub repository', 'platform/api')
    fireEvent.click(screen.getByLabelText('GitHub App'))
    await secretsLoaded()
    type('App id', '4242')
    type('Private key secret', 'GITHUB_APP_KEY')
    type('GitHub Enterprise URL (optional)', 'https://ghe.example.com')
    type('Name', 'api')
    type('Default branch', 'develop')
    fireEvent.click(screen.getByRole('button', { name: 'Check and add' }))
    await waitFor(() => expect(onClose).toHaveBeenCalled())
    expect(posted(calls)).toEqual({
      name: 'api',
      default_branch: 'develop',
      github: {
        repo: 'platform/api',
        auth: { kind: 'app', app_id: 4242, private_key_secret: 'GITHUB_APP_KEY' },
        base_url: 'https://ghe.example.com',
      },
    })
  })

  it('connects a plain git URL with an optional credential secret', async () => {
    const { calls, onClose } = renderForm([created])
    fireEvent.click(screen.getByLabelText('Git URL'))
    type('URL', 'git@git.example.com:acme/shop.git')
    await secretsLoaded()
    type('Credential secret (optional)', 'GITHUB_TOKEN')
    fireEvent.click(screen.getByRole('button', { name: 'Check and add' }))
    await waitFor(() => expect(onClose).toHaveBeenCalled())
    expect(posted(calls)).toEqual({
      name: 'shop',
      url: 'git@git.example.com:acme/shop.git',
      credential_secret: 'GITHUB_TOKEN',
    })
  })

  it('creates a repository on the local forge by name alone', async () => {
    const { calls, onClose } = renderForm([created])
    fireEvent.click(screen.getByLabelText('Local forge'))
    expect(screen.queryByLabelText('URL')).toBeNull()
    expect(screen.queryByLabelText('GitHub repository')).toBeNull()
    type('Name', 'scratch')
    fireEvent.click(screen.getByRole('button', { name: 'Add repository' }))
    await waitFor(() => expect(onClose).toHaveBeenCalled())
    expect(posted(calls)).toEqual({ name: 'scratch' })
  })

  it('stores a new secret from the form and picks it', async () => {
    const stored: Route = {
      method: 'PUT',
      path: /\/secrets\/[A-Z_]+$/,
      handler: () => ({ name: 'ACME_TOKEN', created_at: later(1), updated_at: later(1) }),
    }
    const { calls } = renderForm([stored, created])
    await secretsLoaded()
    fireEvent.click(screen.getByRole('button', { name: 'Store a new secret…' }))
    expect((screen.getByLabelText('Secret name') as HTMLInputElement).value).toBe('GITHUB_TOKEN')
    type('Secret name', 'acme token')
    fireEvent.click(screen.getByRole('button', { name: 'Store secret' }))
    expect(screen.getByText(/must look like an environment variable/)).toBeTruthy()
    type('Secret name', 'ACME_TOKEN')
    type('Secret value', 'github_pat_123')
    fireEvent.click(screen.getByRole('button', { name: 'Store secret' }))
    await waitFor(() =>
      expect((screen.getByLabelText('Token secret') as HTMLSelectElement).value).toBe('ACME_TOKEN'),
    )
    expect(calls.find((c) => c.method === 'PUT')).toMatchObject({
      path: `/api/v1/squads/${squadId}/secrets/ACME_TOKEN`,
      body: { value: 'github_pat_123' },
    })
    // The repository form was not submitted by storing the secret.
    expect(calls.some((c) => c.method === 'POST')).toBe(false)
  })
})

describe('adding a repository: errors stay next to their fields', () => {
  it('asks for what is missing before sending anything', async () => {
    const { calls } = renderForm([created])
    fireEvent.click(screen.getByRole('button', { name: 'Check and add' }))
    expect(screen.getByText('Enter the repository as owner/name')).toBeTruthy()
    expect(screen.getByText('Choose the secret holding the token')).toBeTruthy()
    type('GitHub repository', 'not a repo')
    await secretsLoaded()
    type('Token secret', 'GITHUB_TOKEN')
    fireEvent.click(screen.getByRole('button', { name: 'Check and add' }))
    expect(screen.getByLabelText('GitHub repository').getAttribute('aria-invalid')).toBe('true')
    expect(screen.getByText(/must be "owner\/name"/)).toBeTruthy()
    expect(calls.some((c) => c.method === 'POST')).toBe(false)
  })

  it("puts the server's 422 issues next to their fields and keeps what was typed", async () => {
    const refused: Route = {
      method: 'POST',
      path: /\/repositories$/,
      handler: () => {
        throw new HttpError(
          422,
          'validation_failed',
          'Invalid request body: github.auth.secret: no such secret',
          {
            issues: [
              { path: 'github.auth.secret', message: 'no secret GITHUB_TOKEN in this squad', code: 'custom' },
              { path: 'name', message: 'already taken', code: 'custom' },
            ],
          },
        )
      },
    }
    const { onClose } = renderForm([refused])
    type('GitHub repository', 'acme/webshop')
    await secretsLoaded()
    type('Token secret', 'GITHUB_TOKEN')
    fireEvent.click(screen.getByRole('button', { name: 'Check and add' }))
    await screen.findByText('no secret GITHUB_TOKEN in this squad')
    expect(screen.getByLabelText('Token secret').getAttribute('aria-invalid')).toBe('true')
    expect(screen.getByText('already taken')).toBeTruthy()
    expect(screen.getByLabelText('Name').getAttribute('aria-invalid')).toBe('true')
    expect((screen.getByLabelText('GitHub repository') as HTMLInputElement).value).toBe('acme/webshop')
    expect((screen.getByLabelText('Token secret') as HTMLSelectElement).value).toBe('GITHUB_TOKEN')
    expect(onClose).not.toHaveBeenCalled()
  })

  it("shows a failed check's message at the top, the form untouched", async () => {
    const message =
      'Cannot connect acme/webshop: auth refused by GitHub (401 Bad credentials); store a valid token in GITHUB_TOKEN'
    const refused: Route = {
      method: 'POST',
      path: /\/repositories$/,
      handler: () => {
        throw new HttpError(422, 'validation_failed', message)
      },
    }
    renderForm([refused])
    type('GitHub repository', 'acme/webshop')
    await secretsLoaded()
    type('Token secret', 'GITHUB_TOKEN')
    type('Default branch', 'trunk')
    fireEvent.click(screen.getByRole('button', { name: 'Check and add' }))
    const alert = await screen.findByText(message)
    expect(alert.getAttribute('role')).toBe('alert')
    expect((screen.getByLabelText('Default branch') as HTMLInputElement).value).toBe('trunk')
    expect((screen.getByLabelText('GitHub repository') as HTMLInputElement).value).toBe('acme/webshop')
    // Another kind drops the complaint about this one, but not what was typed for it.
    fireEvent.click(screen.getByLabelText('Git URL'))
    expect(screen.queryByText(message)).toBeNull()
    fireEvent.click(screen.getByLabelText('GitHub'))
    expect((screen.getByLabelText('GitHub repository') as HTMLInputElement).value).toBe('acme/webshop')
    expect((screen.getByLabelText('Token secret') as HTMLSelectElement).value).toBe('GITHUB_TOKEN')
  })

  it('places issues by their dotted path, or returns them for the top', () => {
    const fields = ['github.repo', 'github.auth.secret', 'name']
    expect(
      placeIssues(
        [
          { path: 'github', message: 'give either url or github' },
          { path: 'github.auth', message: 'auth refused' },
          { path: 'github.auth.secret.x', message: 'deeper' },
          { path: 'url', message: 'not shown' },
        ],
        fields,
      ),
    ).toEqual({
      errors: { 'github.repo': 'give either url or github', 'github.auth.secret': 'auth refused' },
      rest: ['url: not shown'],
    })
    expect(suggestedName('remote', '', 'https://git.example.com/acme/shop.git/')).toBe('shop')
    expect(suggestedName('github', 'acme/web.site', '')).toBe('web.site')
  })
})

describe('the repository list', () => {
  function renderList(routes: Route[]) {
    const calls = fakeApi(routes)
    render(
      <QueryClientProvider client={createQueryClient()}>
        <ToastProvider>
          <MemoryRouter>
            <RepositoriesSection squadId={squadId} />
          </MemoryRouter>
        </ToastProvider>
      </QueryClientProvider>,
    )
    return calls
  }
  const listed = (items: Repository[]): Route => ({
    method: 'GET',
    path: /\/repositories$/,
    handler: () => ({ items, next_cursor: null }),
  })

  it("shows a GitHub repository's badge, link and last check, and checks it again", async () => {
    const checked = repository({
      check: {
        reachable: true,
        default_branch: 'main',
        head: 'fedcba9876543210fedcba9876543210fedcba98',
        permissions: ['contents:write', 'pull_requests:write', 'checks:write'],
        checked_at: new Date().toISOString(),
      },
    })
    const calls = renderList([
      listed([repository()]),
      { method: 'POST', path: /\/repositories\/[^/]+\/check$/, handler: () => checked },
    ])
    const badge = await screen.findByRole('link', { name: /acme\/webshop/ })
    expect(badge.getAttribute('href')).toBe('https://github.com/acme/webshop')
    expect(badge.getAttribute('target')).toBe('_blank')
    expect(badge.getAttribute('rel')).toBe('noreferrer')
    const line = screen.getByTestId('repo-check')
    expect(line.textContent).toMatch(/reachable/)
    expect(line.textContent).toMatch(/default branch main at 01234567/)
    expect(within(line).getByText('pull_requests:write')).toBeTruthy()
    expect(line.textContent).toMatch(/checked /)

    fireEvent.click(screen.getByRole('button', { name: 'Check again' }))
    await waitFor(() => expect(screen.getByText('checks:write')).toBeTruthy())
    expect(calls.find((c) => c.method === 'POST')?.path).toBe(`/api/v1/repositories/${repoId}/check`)
    expect(screen.getByTestId('repo-check').textContent).toMatch(/at fedcba98.*checked just now/)
  })

  it("shows a failed check's message under its repository", async () => {
    renderList([
      listed([repository({ kind: 'remote', github: null, check: null, url: 'git@git.example.com:a/b.git' })]),
      {
        method: 'POST',
        path: /\/check$/,
        handler: () => {
          throw new HttpError(422, 'validation_failed', 'git.example.com refused the ssh key in GIT_KEY')
        },
      },
    ])
    expect(await screen.findByText('git remote')).toBeTruthy()
    expect(screen.getByText('Not checked yet.')).toBeTruthy()
    fireEvent.click(screen.getByRole('button', { name: 'Check again' }))
    expect((await screen.findByRole('alert')).textContent).toMatch(/refused the ssh key/)
  })

  it('a local repository has no check, but its pull requests', async () => {
    renderList([listed([repository({ kind: 'local', github: null, check: null, url: null })])])
    expect(await screen.findByText('local forge')).toBeTruthy()
    expect(screen.queryByRole('button', { name: 'Check again' })).toBeNull()
    expect(screen.getByRole('link', { name: 'Pull requests' })).toBeTruthy()
  })
})
