import { type ReactNode, useEffect, useId, useRef } from 'react'
import { createPortal } from 'react-dom'

export type DialogProps = {
  title: string
  onClose: () => void
  children: ReactNode
  footer?: ReactNode
  wide?: boolean
}

/** Open dialogs, innermost last: Escape closes only the innermost (a confirmation over a task). */
const open: object[] = []

/** A modal dialog: Escape or the backdrop closes it, focus moves in on open and back on close. */
export function Dialog({ title, onClose, children, footer, wide }: DialogProps) {
  const titleId = useId()
  const panel = useRef<HTMLDivElement>(null)
  const close = useRef(onClose)
  close.current = onClose

  useEffect(() => {
    const me = {}
    open.push(me)
    const previous = document.activeElement as HTMLElement | null
    const first = panel.current?.querySelector<HTMLElement>(
      'input, textarea, select, button:not(.dialog-close)',
    )
    ;(first ?? panel.current)?.focus()
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape' && open.at(-1) === me) close.current()
    }
    document.addEventListener('keydown', onKey)
    return () => {
      document.removeEventListener('keydown', onKey)
      open.splice(open.indexOf(me), 1)
      previous?.focus?.()
    }
  }, [])

  return createPortal(
    // biome-ignore lint/a11y/noStaticElementInteractions: a click outside closes it; Escape does the same from the keyboard.
    <div className="dialog-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div
        ref={panel}
        className={`dialog${wide ? ' dialog-wide' : ''}`}
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        tabIndex={-1}
      >
        <header className="dialog-header">
          <h2 id={titleId}>{title}</h2>
          <button type="button" className="dialog-close" aria-label="Close" onClick={onClose}>
            ×
          </button>
        </header>
        <div className="dialog-body">{children}</div>
        {footer ? <footer className="dialog-footer">{footer}</footer> : null}
      </div>
    </div>,
    document.body,
  )
}
