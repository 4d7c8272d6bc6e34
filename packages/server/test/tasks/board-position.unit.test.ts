import { describe, expect, it } from 'vitest'
import { planMove } from '../../src/tasks/board-position.ts'
import { likePattern } from '../../src/tasks/list-tasks.ts'

describe('planMove', () => {
  const from = { status: 'todo', position: 2 } as const

  it('moves to the end of another column when only status is given', () => {
    expect(planMove(from, { status: 'done' }, 4)).toEqual({ status: 'done', position: 4 })
  })

  it('is not a move when status is unchanged and no position is given', () => {
    expect(planMove(from, { status: 'todo' }, 5)).toBeNull()
    expect(planMove(from, {}, 5)).toBeNull()
  })

  it('clamps the position to the target column and skips a move to the same slot', () => {
    expect(planMove(from, { position: 99 }, 3)).toEqual({ status: 'todo', position: 3 })
    expect(planMove(from, { position: 2 }, 3)).toBeNull()
    expect(planMove(from, { status: 'done', position: 7 }, 0)).toEqual({ status: 'done', position: 0 })
  })
})

describe('likePattern', () => {
  it('escapes LIKE wildcards and the escape character', () => {
    expect(likePattern('50%_off\\')).toBe('%50\\%\\_off\\\\%')
  })
})
