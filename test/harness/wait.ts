/** Waiting for a condition instead of sleeping a fixed time. */

/** Options of {@link waitFor}: how long to wait in total and between checks (ms), and what for. */
export interface WaitOptions {
	/** Give up after this many ms; default 3000. */
	timeoutMs?: number;
	/** Check again after this many ms; default 5. */
	intervalMs?: number;
	/** What is awaited, for the timeout error; default "condition". */
	what?: string;
}

/** Resolves after `ms` milliseconds. For windows in which something must NOT happen only. */
export function sleep(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Calls `probe` until it returns something other than `undefined` or `false` (it may be async), and
 * resolves with that value.
 *
 * @throws Error `"<what> not met within <timeoutMs> ms"` when the time runs out
 */
export async function waitFor<T>(
	probe: () => T | undefined | false | Promise<T | undefined | false>,
	options: WaitOptions = {},
): Promise<T> {
	const { timeoutMs = 3000, intervalMs = 5, what = 'condition' } = options;
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await probe();
		if (value !== undefined && value !== false) return value;
		if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms`);
		await sleep(intervalMs);
	}
}
