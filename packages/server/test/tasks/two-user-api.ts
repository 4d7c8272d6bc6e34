import { CreatedToken, ErrorBody, Squad, Task, User } from '@agent-squad/contract'
import { expect } from 'vitest'
import { startTestServer, type TestServer } from '../helpers/test-server.ts'

export type Response = { status: number; json: unknown }

/**
 * A token-auth server with two users, so every test can check that the other user's squads and
 * tasks answer 404. `req` speaks as the owner unless given the stranger's token.
 */
export async function startTwoUserApi() {
  const server: TestServer = await startTestServer({ auth: 'token' })
  const owner = server.bootstrapToken ?? ''
  const req = (method: string, path: string, body?: unknown, token = owner): Promise<Response> =>
    server.request(method, `/api/v1${path}`, { body, token })
  const user = User.parse((await req('POST', '/users', { name: 'stranger' })).json)
  const created = await req('POST', '/tokens', { name: 'stranger', user_id: user.id })
  const stranger = CreatedToken.parse(created.json).token

  const newSquad = async (token = owner) => {
    const res = await req('POST', '/squads', { name: 'squad' }, token)
    expect(res.status).toBe(201)
    return Squad.parse(res.json).id
  }
  const create = async (body: Record<string, unknown>, squadId: string) => {
    const res = await req('POST', `/squads/${squadId}/tasks`, { title: 'task', ...body })
    expect(res.status, JSON.stringify(res.json)).toBe(201)
    return Task.parse(res.json)
  }
  const patch = async (id: string, body: Record<string, unknown>) => {
    const res = await req('PATCH', `/tasks/${id}`, body)
    expect(res.status, JSON.stringify(res.json)).toBe(200)
    return Task.parse(res.json)
  }
  return { server, owner, stranger, req, newSquad, create, patch }
}

/** Asserts the one error shape with its status and code; returns the message for further checks. */
export function expectError(res: Response, status: number, code: string): string {
  expect(res.status, JSON.stringify(res.json)).toBe(status)
  const body = ErrorBody.parse(res.json)
  expect(body.error.code).toBe(code)
  return body.error.message
}
