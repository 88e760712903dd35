/** A small seeded PRNG (mulberry32), so chaos runs are repeatable from their seed. */

/** Uniform numbers in [0, 1) from `seed`. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An integer in [min, max] from `random`. */
export function randomInt(random: () => number, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

/** The seed of this run: `CHAOS_SEED` when set, else `fallback`. */
export function chaosSeed(fallback: number): number {
  const value = Number(process.env.CHAOS_SEED);
  return Number.isInteger(value) ? value : fallback;
}

/** How many chaos rounds to run: `CHAOS_RUNS` when set, else `ciDefault`. */
export function chaosRuns(ciDefault: number): number {
  const value = Number(process.env.CHAOS_RUNS);
  return Number.isInteger(value) && value > 0 ? value : ciDefault;
}
