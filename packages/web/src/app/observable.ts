import { useEffect, useState } from "preact/hooks";

/** A value that views subscribe to; `set` replaces it and re-renders subscribers. */
export class Observable<T> {
  private readonly subs = new Set<(v: T) => void>();
  constructor(private value: T) {}
  get(): T {
    return this.value;
  }
  set(next: T): void {
    this.value = next;
    for (const fn of this.subs) fn(next);
  }
  update(fn: (v: T) => T): void {
    this.set(fn(this.value));
  }
  subscribe(fn: (v: T) => void): () => void {
    this.subs.add(fn);
    return () => this.subs.delete(fn);
  }
}

export function useObservable<T>(o: Observable<T>): T {
  const [v, setV] = useState(o.get());
  useEffect(() => {
    setV(o.get());
    return o.subscribe(setV);
  }, [o]);
  return v;
}
