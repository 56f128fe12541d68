// A coarse "now" for relative times: ticks every 30 s so "5 min ago" stays true.
let now = $state(Date.now());
let timer: ReturnType<typeof setInterval> | null = null;

export const clock = {
  get now(): number {
    return now;
  },
  start(): void {
    if (timer === null) timer = setInterval(() => (now = Date.now()), 30_000);
  },
  /** Catch up at once, e.g. after data changed. */
  tick(): void {
    now = Date.now();
  },
};
