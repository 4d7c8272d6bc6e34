import { createContext, type ReactNode, useCallback, useContext, useMemo, useRef, useState } from 'react'

type ToastTone = 'info' | 'success' | 'error'
type ToastItem = { id: number; tone: ToastTone; text: string }
type Notify = (text: string, tone?: ToastTone) => void

const ToastContext = createContext<Notify>(() => {})

/** Short messages in a corner (errors stay until closed, others fade after a few seconds). */
export function ToastProvider({ children }: { children: ReactNode }) {
  const [items, setItems] = useState<ToastItem[]>([])
  const next = useRef(1)
  const dismiss = useCallback((id: number) => setItems((list) => list.filter((t) => t.id !== id)), [])
  const notify = useCallback<Notify>(
    (text, tone = 'info') => {
      const id = next.current++
      setItems((list) => [...list.slice(-4), { id, tone, text }])
      if (tone !== 'error') setTimeout(() => dismiss(id), 5000)
    },
    [dismiss],
  )
  const value = useMemo(() => notify, [notify])
  return (
    <ToastContext.Provider value={value}>
      {children}
      <div className="toasts" aria-live="polite">
        {items.map((t) => (
          <div key={t.id} className={`toast toast-${t.tone}`} role={t.tone === 'error' ? 'alert' : 'status'}>
            <span>{t.text}</span>
            <button type="button" aria-label="Dismiss" onClick={() => dismiss(t.id)}>
              ×
            </button>
          </div>
        ))}
      </div>
    </ToastContext.Provider>
  )
}

export const useToast = () => useContext(ToastContext)
