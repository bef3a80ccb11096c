/**
 * Timers of one fake server, all cancelled when it closes, so that no timer outlives the server
 * (a test process with a pending timer does not exit).
 */

/** The largest delay `setTimeout` accepts (2^31-1 ms); longer waits are taken in steps. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** Runs callbacks later, until {@link Scheduler.close} cancels every pending one. */
export class Scheduler {
	private readonly timers = new Set<NodeJS.Timeout>();
	private isClosed = false;

	/** True once {@link close} ran. */
	get closed(): boolean {
		return this.isClosed;
	}

	/** Runs `fn` after `ms` (negative counts as 0) unless the scheduler closes first. */
	later(ms: number, fn: () => void): void {
		if (this.isClosed) return;
		const step = Math.min(Math.max(0, ms), MAX_TIMEOUT_MS);
		const timer = setTimeout(() => {
			this.timers.delete(timer);
			if (this.isClosed) return;
			if (ms > MAX_TIMEOUT_MS) this.later(ms - MAX_TIMEOUT_MS, fn);
			else fn();
		}, step);
		this.timers.add(timer);
	}

	/** Resolves after `ms`; never resolves once the scheduler closed. */
	sleep(ms: number): Promise<void> {
		return new Promise((resolve) => this.later(ms, resolve));
	}

	/** Cancels every pending timer; later calls do nothing. */
	close(): void {
		this.isClosed = true;
		for (const timer of this.timers) clearTimeout(timer);
		this.timers.clear();
	}
}
