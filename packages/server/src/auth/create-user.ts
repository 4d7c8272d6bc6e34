import type { CreateUserBody, User } from '@agent-squad/contract'
import type { Executor } from '../db/database.ts'
import { users } from '../db/schema.ts'
import { newId } from '../domain/ids.ts'
import { toUserDto } from './user-dto.ts'

export async function createUser(options: { db: Executor; input: CreateUserBody }): Promise<User> {
  const [row] = await options.db
    .insert(users)
    .values({ id: newId(), name: options.input.name, isAdmin: options.input.is_admin })
    .returning()
  if (!row) throw new Error('insert returned no row')
  return toUserDto(row)
}
