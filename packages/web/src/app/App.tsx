import { QueryClientProvider } from '@tanstack/react-query'
import { lazy, Suspense, useState } from 'react'
import { BrowserRouter, Route, Routes } from 'react-router'
import { SquadLayout } from '../features/squads/SquadLayout.tsx'
import { SquadsPage } from '../features/squads/SquadsPage.tsx'
import { Loading } from '../shared/ui/States.tsx'
import { ToastProvider } from '../shared/ui/Toast.tsx'
import { Layout } from './Layout.tsx'
import { NotFound } from './NotFound.tsx'
import { createQueryClient } from './query-client.ts'

// Each page's code loads when it is opened (the board's drag and drop, xterm.js, the diff views), so
// no single script evaluation holds up the first paint.
const BoardPage = lazy(() =>
  import('../features/board/BoardPage.tsx').then((m) => ({ default: m.BoardPage })),
)
const SquadSettingsPage = lazy(() =>
  import('../features/squads/SquadSettingsPage.tsx').then((m) => ({ default: m.SquadSettingsPage })),
)
const WorkPage = lazy(() => import('../features/work/WorkPage.tsx').then((m) => ({ default: m.WorkPage })))
const PullsPage = lazy(() =>
  import('../features/pulls/PullsPage.tsx').then((m) => ({ default: m.PullsPage })),
)
const PullDetailPage = lazy(() =>
  import('../features/pulls/PullDetailPage.tsx').then((m) => ({ default: m.PullDetailPage })),
)

export function App() {
  const [client] = useState(createQueryClient)
  return (
    <QueryClientProvider client={client}>
      <ToastProvider>
        <BrowserRouter>
          <Suspense fallback={<Loading />}>
            <Routes>
              <Route element={<Layout />}>
                <Route index element={<SquadsPage />} />
                <Route path="squads/:squadId" element={<SquadLayout />}>
                  <Route index element={<BoardPage />} />
                  <Route path="board" element={<BoardPage />} />
                  <Route path="tasks/:taskId" element={<BoardPage />} />
                  <Route path="pulls" element={<PullsPage />} />
                  <Route path="settings" element={<SquadSettingsPage />} />
                </Route>
                <Route path="executions/:executionId" element={<WorkPage />} />
                <Route path="repositories/:repositoryId/pulls/:number" element={<PullDetailPage />} />
                <Route path="*" element={<NotFound />} />
              </Route>
            </Routes>
          </Suspense>
        </BrowserRouter>
      </ToastProvider>
    </QueryClientProvider>
  )
}
