import type { Page } from '@agent-squad/contract'

type WithId = { id: string }

/** Inserts or replaces an item of a cached page (kept in creation order: new ones go last). */
export const upsertInPage = <T extends WithId>(page: Page<T> | undefined, item: T): Page<T> | undefined => {
  if (!page) return page
  const exists = page.items.some((x) => x.id === item.id)
  return {
    ...page,
    items: exists ? page.items.map((x) => (x.id === item.id ? item : x)) : [...page.items, item],
  }
}

export const removeFromPage = <T extends WithId>(
  page: Page<T> | undefined,
  id: string,
): Page<T> | undefined => (page ? { ...page, items: page.items.filter((x) => x.id !== id) } : page)
