// GitHub Enterprise Server's address layout: the REST API under /api/v3, web pages and git at the root.

export type Urls = {
  /** The web root, e.g. http://127.0.0.1:PORT */
  web: string
  /** The REST API root (Octokit's baseUrl), e.g. http://127.0.0.1:PORT/api/v3 */
  api: string
  repoApi(fullName: string): string
  repoWeb(fullName: string): string
  /** Smart HTTP clone address, `${web}/owner/name.git`. */
  clone(fullName: string): string
  userApi(login: string): string
  userWeb(login: string): string
}

export function makeUrls(web: string): Urls {
  const api = `${web}/api/v3`
  return {
    web,
    api,
    repoApi: (fullName) => `${api}/repos/${fullName}`,
    repoWeb: (fullName) => `${web}/${fullName}`,
    clone: (fullName) => `${web}/${fullName}.git`,
    userApi: (login) => `${api}/users/${encodeURIComponent(login)}`,
    userWeb: (login) => `${web}/${encodeURIComponent(login)}`,
  }
}

/** GitHub's timestamp format: ISO 8601 in UTC, whole seconds. */
export function isoNow(at: Date = new Date()): string {
  return at.toISOString().replace(/\.\d{3}Z$/, 'Z')
}

/** A global node id, shaped like GitHub's legacy ones (base64 of "<length>:<Type><id>"). */
export function nodeId(type: string, id: number): string {
  const text = `${type}${id}`
  return Buffer.from(`0${String(text.length).padStart(2, '0')}:${text}`)
    .toString('base64')
    .replace(/=+$/, '')
}
