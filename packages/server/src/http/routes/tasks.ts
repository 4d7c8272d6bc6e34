import type { AnyRoute } from '../route.ts'

export const taskRoutes: AnyRoute[] = []
