// GitHub's page-number pagination: `per_page` (default 30, at most 100) and `page` (from 1), and a
// `Link` header with next/last/first/prev addresses that keep the request's other query parameters.

export function paginate(
  items: unknown[],
  query: Record<string, unknown>,
  base: string,
  original: URLSearchParams,
): { items: unknown[]; headers: Record<string, string> } {
  const perPage = Math.min(100, Math.max(1, Number(query.per_page ?? 30) || 30))
  const page = Math.max(1, Number(query.page ?? 1) || 1)
  const last = Math.max(1, Math.ceil(items.length / perPage))
  const slice = items.slice((page - 1) * perPage, page * perPage)
  const link = (target: number, rel: string) => {
    const params = new URLSearchParams(original)
    params.set('per_page', String(perPage))
    params.set('page', String(target))
    return `<${base}?${params}>; rel="${rel}"`
  }
  const links: string[] = []
  if (page > 1) links.push(link(page - 1, 'prev'))
  if (page < last) links.push(link(page + 1, 'next'), link(last, 'last'))
  if (page > 1) links.push(link(1, 'first'))
  return { items: slice, headers: links.length > 0 ? { link: links.join(', ') } : {} }
}
