import { taskStatuses } from '@agent-squad/contract'

/**
 * happy-dom lays nothing out, and dnd-kit's keyboard dragging moves by measured rectangles: this
 * gives each column and card of the board a rectangle, as a browser would (columns side by side,
 * cards stacked), and everything else an empty one.
 */
export function fakeBoardLayout() {
  const original = Element.prototype.getBoundingClientRect
  Element.prototype.getBoundingClientRect = function (this: Element) {
    const rect = (left: number, top: number, width: number, height: number) =>
      ({
        left,
        top,
        width,
        height,
        right: left + width,
        bottom: top + height,
        x: left,
        y: top,
        toJSON: () => ({}),
      }) as DOMRect
    // The drag overlay starts where the dragged card is (dnd-kit moves it with a transform).
    const source = this.matches('.task-card-overlay') ? document.querySelector('li.task-card-dragging') : this
    if (source && source !== this) return source.getBoundingClientRect()
    const column = this.closest('section.column')
    if (!column) return rect(0, 0, 0, 0)
    const col =
      taskStatuses.indexOf(column.getAttribute('data-status') as (typeof taskStatuses)[number]) * 300
    if (this.matches('li.task-card')) {
      const index = [...(this.parentElement?.children ?? [])].indexOf(this)
      return rect(col + 10, 60 + index * 100, 260, 90)
    }
    // Columns are as tall as their cards (an empty one keeps a drop area), as in the app's CSS.
    const cards = column.querySelectorAll('li.task-card').length
    const height = Math.max(100, 20 + cards * 100)
    if (this.matches('ul.column-tasks')) return rect(col, 50, 280, height)
    return rect(col, 0, 280, height + 50)
  }
  return () => {
    Element.prototype.getBoundingClientRect = original
  }
}
