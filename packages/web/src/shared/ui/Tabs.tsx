import { type KeyboardEvent, useId } from 'react'

export type TabItem<K extends string> = { key: K; label: string; count?: number | undefined }

/** A tab list with arrow-key navigation; the caller renders the panel for `active`. */
export function Tabs<K extends string>({
  items,
  active,
  onChange,
  label,
}: {
  items: TabItem<K>[]
  active: K
  onChange: (key: K) => void
  label: string
}) {
  const id = useId()
  const onKeyDown = (event: KeyboardEvent) => {
    const index = items.findIndex((t) => t.key === active)
    const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0
    if (!step) return
    const next = items[(index + step + items.length) % items.length]
    if (next) {
      onChange(next.key)
      document.getElementById(`${id}-${next.key}`)?.focus()
    }
  }
  return (
    <div className="tabs" role="tablist" aria-label={label} onKeyDown={onKeyDown}>
      {items.map((t) => (
        <button
          key={t.key}
          id={`${id}-${t.key}`}
          type="button"
          role="tab"
          aria-selected={t.key === active}
          tabIndex={t.key === active ? 0 : -1}
          className="tab"
          onClick={() => onChange(t.key)}
        >
          {t.label}
          {t.count ? <span className="tab-count">{t.count}</span> : null}
        </button>
      ))}
    </div>
  )
}
