import type { AnyRoute } from '../route.ts'

export const repositoryRoutes: AnyRoute[] = []
