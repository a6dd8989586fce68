// Seeded sampling for the resilience suite. `npm run test:resilience` runs a
// sample of each table chosen by KIT_RESILIENCE_SEED, and
// `npm run test:resilience:full` (KIT_RESILIENCE_FULL=1) runs every case.

/** Seed used when KIT_RESILIENCE_SEED is unset, so that CI samples are repeatable. */
export const DEFAULT_SEED = 20261204

/** Seed of this run: KIT_RESILIENCE_SEED, or DEFAULT_SEED. */
export function resilienceSeed(): number {
  const text = process.env.KIT_RESILIENCE_SEED
  if (text === undefined || text === '') return DEFAULT_SEED
  const seed = Number(text)
  if (!Number.isSafeInteger(seed)) {
    throw new Error(
      `KIT_RESILIENCE_SEED is '${text}', which is not an integer; set it to a whole number or unset it.`,
    )
  }
  return seed
}

/** True when KIT_RESILIENCE_FULL=1 requests every case of every table. */
export function isFullSweep(): boolean {
  return process.env.KIT_RESILIENCE_FULL === '1'
}

/** mulberry32: a small deterministic generator returning floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** FNV-1a hash of a label, so that each table draws its own sample from one seed. */
function hashLabel(label: string): number {
  let hash = 0x811c9dc5
  for (const char of label) {
    hash ^= char.codePointAt(0) ?? 0
    hash = Math.imul(hash, 0x01000193) >>> 0
  }
  return hash
}

/**
 * Returns `size` items of `items` chosen by the seed and `label`, in their
 * original order, or all items on a full sweep or when `size` covers them.
 * The items must be distinct, because the choice is kept in a Set.
 */
export function seededSample<T>(
  items: readonly T[],
  size: number,
  label: string,
): T[] {
  if (isFullSweep() || size >= items.length) return [...items]
  const random = seededRandom(resilienceSeed() ^ hashLabel(label))
  const pool = [...items]
  const chosen = new Set<T>()
  while (chosen.size < size) {
    const index = Math.floor(random() * pool.length)
    chosen.add(pool.splice(index, 1)[0] as T)
  }
  return items.filter((item) => chosen.has(item))
}
