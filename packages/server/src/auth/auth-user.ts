/** Who is making a request. Every squad-scoped query filters on `id`. */
export type AuthUser = { id: string; name: string; isAdmin: boolean }

/** How requests are authenticated: `none` means the implicit local user (loopback only, by default). */
export type AuthMode = 'none' | 'token'
