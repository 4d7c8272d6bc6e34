import { Suspense, useState } from 'react'
import { Link, Outlet } from 'react-router'
import { useTheme } from '../shared/hooks/useTheme.ts'
import { KeyIcon, MoonIcon, SunIcon } from '../shared/ui/icons.tsx'
import { Loading } from '../shared/ui/States.tsx'
import { TokenDialog } from '../shared/ui/TokenDialog.tsx'

export function Layout() {
  const [theme, toggleTheme] = useTheme()
  const [tokenOpen, setTokenOpen] = useState(false)
  return (
    <div className="app">
      <header className="topbar">
        <Link to="/" className="brand">
          <img src="/favicon.svg" alt="" width={22} height={22} />
          Agent Squad
        </Link>
        <nav className="topbar-nav" aria-label="Main">
          <Link to="/">Squads</Link>
        </nav>
        <div className="topbar-actions">
          <button
            type="button"
            className="icon-btn"
            title="Access token"
            aria-label="Access token"
            onClick={() => setTokenOpen(true)}
          >
            <KeyIcon />
          </button>
          <button
            type="button"
            className="icon-btn"
            onClick={toggleTheme}
            aria-label={theme === 'dark' ? 'Switch to light theme' : 'Switch to dark theme'}
            title={theme === 'dark' ? 'Light theme' : 'Dark theme'}
          >
            {theme === 'dark' ? <SunIcon /> : <MoonIcon />}
          </button>
        </div>
      </header>
      <main className="content">
        <Suspense fallback={<Loading />}>
          <Outlet />
        </Suspense>
      </main>
      {tokenOpen ? <TokenDialog onClose={() => setTokenOpen(false)} /> : null}
    </div>
  )
}
