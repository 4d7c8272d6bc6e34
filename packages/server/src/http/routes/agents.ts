import type { AnyRoute } from '../route.ts'

export const agentRoutes: AnyRoute[] = []
