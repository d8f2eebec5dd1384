/**
 * A circuit breaker per downstream host, its state in KV so every isolate and workflow step sees
 * it. After `threshold` consecutive failures it opens: calls fail fast (without touching the
 * host) until `resetMs` has passed; then one trial call is let through (half-open). A success
 * closes it; a failed trial opens it again. KV is eventually consistent across locations, so the
 * count is approximate there; that is fine for shedding load from a failing host.
 */
export interface BreakerOptions {
  threshold: number;
  resetMs: number;
}

interface BreakerState {
  failures: number;
  openedAt: number | null;
}

export type BreakerView = { state: "closed" | "half-open" } | { state: "open"; retryInMs: number };

export class CircuitOpenError extends Error {
  override name = "CircuitOpenError";
  constructor(
    readonly host: string,
    readonly retryInMs: number,
  ) {
    super(`circuit open for ${host}: too many recent failures, next try in ${Math.ceil(retryInMs / 1000)} s`);
  }
}

export class CircuitBreaker {
  constructor(
    private readonly kv: KVNamespace,
    private readonly options: BreakerOptions,
    private readonly now: () => number = Date.now,
  ) {}

  private key(host: string) {
    return `breaker:${host}`;
  }

  private async read(host: string): Promise<BreakerState> {
    return (await this.kv.get<BreakerState>(this.key(host), "json")) ?? { failures: 0, openedAt: null };
  }

  async view(host: string): Promise<BreakerView> {
    const s = await this.read(host);
    if (s.openedAt === null) return { state: "closed" };
    const retryInMs = s.openedAt + this.options.resetMs - this.now();
    return retryInMs > 0 ? { state: "open", retryInMs } : { state: "half-open" };
  }

  /** Throws CircuitOpenError while the circuit is open; lets calls (or the half-open trial) through otherwise. */
  async check(host: string): Promise<void> {
    const v = await this.view(host);
    if (v.state === "open") throw new CircuitOpenError(host, v.retryInMs);
  }

  async success(host: string): Promise<void> {
    const s = await this.read(host);
    if (s.failures > 0 || s.openedAt !== null) await this.kv.delete(this.key(host));
  }

  async failure(host: string): Promise<void> {
    const s = await this.read(host);
    const failures = s.failures + 1;
    const open = failures >= this.options.threshold;
    await this.kv.put(this.key(host), JSON.stringify({ failures, openedAt: open ? this.now() : null } satisfies BreakerState));
  }

  /** Runs `fn` through the breaker: fails fast when open, counts `isFailure` errors. */
  async run<T>(host: string, fn: () => Promise<T>, isFailure: (err: unknown) => boolean): Promise<T> {
    await this.check(host);
    try {
      const result = await fn();
      await this.success(host);
      return result;
    } catch (err) {
      if (isFailure(err)) await this.failure(host);
      throw err;
    }
  }
}
