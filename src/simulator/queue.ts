// A binary min-heap of timed events: ordered by time, then by class (what happens first at the
// same instant), then by insertion order. Deterministic: no two entries compare equal.

export interface Timed { readonly t: number; readonly cls: number; seq: number }

export class EventQueue<T extends Timed> {
  private readonly heap: T[] = [];
  private nextSeq = 0;

  get size(): number { return this.heap.length; }

  push(e: T): void {
    e.seq = this.nextSeq++;
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  peek(): T | undefined { return this.heap[0]; }

  pop(): T | undefined {
    const h = this.heap;
    if (h.length === 0) return undefined;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1, r = l + 1;
        let m = i;
        if (l < h.length && less(h[l]!, h[m]!)) m = l;
        if (r < h.length && less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}

function less(a: Timed, b: Timed): boolean {
  return a.t !== b.t ? a.t < b.t : a.cls !== b.cls ? a.cls < b.cls : a.seq < b.seq;
}
