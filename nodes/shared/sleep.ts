import { sleep } from 'n8n-workflow';

/** A sleep with n8n-workflow's `sleep` signature: milliseconds and an optional abort signal. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/**
 * Waits `ms` milliseconds, or less: ends as soon as `signal` aborts, on every n8n version.
 *
 * n8n-workflow's `sleep(ms, signal)` honours the signal from n8n-workflow 2.34.0 (n8n 2.34) on;
 * earlier releases take no signal and always wait the full time, so *Stop* would wait out a poll
 * interval or a retry backoff. This races that `sleep` with the signal's `abort` event, and removes
 * its abort listener when the wait ends either way, so that a signal living through thousands of
 * waits keeps no listener of them. On n8n before 2.34 the timer of an aborted wait still runs out
 * on its own (nothing waits for it); from 2.34 on, `sleep` clears it.
 *
 * @param ms milliseconds to wait; `Infinity` waits for the abort alone, with no timer (and, without
 *   a signal, never ends)
 * @param signal ends the wait early; without one the wait takes the full time
 * @param sleepImpl the sleep to race (n8n-workflow's `sleep`; tests pass their own)
 * @returns resolves after `ms` milliseconds when the signal has not aborted
 * @throws the signal's abort reason (`signal.reason`) when it is already aborted, aborts during the
 *   wait or has aborted by the time the wait ends; the wait never resolves once aborted
 */
export async function sleepUnlessAborted(
	ms: number,
	signal?: AbortSignal,
	sleepImpl: Sleep = sleep,
): Promise<void> {
	const timed = ms !== Number.POSITIVE_INFINITY;
	if (!signal) {
		if (timed) return await sleepImpl(ms);
		return await new Promise<void>(() => undefined);
	}
	signal.throwIfAborted();
	// Listening before the sleep starts: on abort this listener runs first, so the race ends through
	// it (then `signal.reason` is thrown) also where `sleep` itself rejects on abort.
	let onAbort = (): void => undefined;
	const aborted = new Promise<void>((resolve) => {
		onAbort = () => resolve();
		signal.addEventListener('abort', onAbort, { once: true });
	});
	const waits = [aborted];
	if (timed) {
		const slept = sleepImpl(ms, signal);
		// Once the abort has won the race, a later rejection of `sleep` (n8n 2.34+) is of no interest.
		slept.catch(() => undefined);
		waits.push(slept);
	}
	try {
		await Promise.race(waits);
	} finally {
		signal.removeEventListener('abort', onAbort);
	}
	signal.throwIfAborted();
}
