import type { AnyRoute } from '../route.ts'

export const executionRoutes: AnyRoute[] = []
