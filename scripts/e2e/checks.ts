/**
 * The check runner the end-to-end scripts share: each check prints `ok <name>` or `FAIL <name>: why`,
 * and the script closes with the counts.
 */

/** One check's outcome. */
export interface CheckResult {
	name: string;
	ok: boolean;
	detail?: string;
}

/** Every check run so far, in order. */
export const results: CheckResult[] = [];

/**
 * Runs one check, records and prints its outcome; a failure does not stop the script.
 *
 * @param name what the check shows, as printed
 * @param body throws to fail
 */
export async function check(name: string, body: () => Promise<void>): Promise<void> {
	const started = Date.now();
	try {
		await body();
		results.push({ name, ok: true });
		console.log(`ok   ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
	} catch (error) {
		const detail = error instanceof Error ? error.message : String(error);
		results.push({ name, ok: false, detail });
		console.log(`FAIL ${name}: ${detail}`);
	}
}

/**
 * Fails the running check with `message` unless `condition` holds.
 *
 * @throws Error with the message
 */
export function expect(condition: unknown, message: string): void {
	if (!condition) throw new Error(message);
}

/**
 * Polls `probe` every `stepMs` until it returns a value.
 *
 * @param timeoutMs milliseconds before giving up (default 60 s)
 * @returns the first value the probe returned
 * @throws Error naming `what` after the timeout
 */
export async function waitFor<T>(
	what: string,
	probe: () => T | undefined | Promise<T | undefined>,
	timeoutMs = 60_000,
	stepMs = 250,
): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await probe();
		if (value !== undefined) return value;
		if (Date.now() > deadline) {
			throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
		}
		await new Promise((wake) => setTimeout(wake, stepMs));
	}
}
