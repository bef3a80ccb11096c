/**
 * `sleepUnlessAborted` ends a wait as soon as the execution is stopped, also with the `sleep` of
 * n8n-workflow before 2.34, which ignores its abort signal; and it leaves no abort listener behind.
 */
import { getEventListeners } from 'events';
import { sleep as n8nSleep } from 'n8n-workflow';

import { sleepUnlessAborted, type Sleep } from '../nodes/shared/sleep';

/** n8n-workflow's `sleep` before 2.34: takes no signal, always waits the full time. */
const sleepIgnoringSignal: Sleep = async (ms) =>
	await new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/** How a promise settles within `ms`: its value, its error, or 'pending'. */
async function settledWithin(
	promise: Promise<unknown>,
	ms: number,
): Promise<{ resolved: unknown } | { rejected: unknown } | 'pending'> {
	let timer: NodeJS.Timeout | undefined;
	const pending = new Promise<'pending'>((done) => {
		timer = setTimeout(() => done('pending'), ms);
	});
	try {
		return await Promise.race([
			promise.then(
				(resolved) => ({ resolved }),
				(rejected: unknown) => ({ rejected }),
			),
			pending,
		]);
	} finally {
		clearTimeout(timer);
	}
}

const abortListeners = (signal: AbortSignal) => getEventListeners(signal, 'abort').length;

describe('sleepUnlessAborted', () => {
	it('ends at once on abort, with the signal reason, when the underlying sleep ignores the signal', async () => {
		const controller = new AbortController();
		const reason = new Error('execution stopped');
		const started = Date.now();
		const waiting = sleepUnlessAborted(60_000, controller.signal, sleepIgnoringSignal);
		setTimeout(() => controller.abort(reason), 20);
		const outcome = await settledWithin(waiting, 2_000);
		expect(outcome).toEqual({ rejected: reason });
		expect(Date.now() - started).toBeLessThan(1_000);
		expect(abortListeners(controller.signal)).toBe(0);
	});

	it('ends at once on abort with the signal reason with the sleep of n8n-workflow 2.41 too', async () => {
		const controller = new AbortController();
		// Not an Error: that sleep would reject with an Error wrapping it, this helper with the reason.
		const reason = 'execution stopped';
		const unhandled: unknown[] = [];
		const onUnhandled = (error: unknown) => unhandled.push(error);
		process.on('unhandledRejection', onUnhandled);
		try {
			const waiting = sleepUnlessAborted(60_000, controller.signal, n8nSleep);
			setTimeout(() => controller.abort(reason), 20);
			expect(await settledWithin(waiting, 2_000)).toEqual({ rejected: reason });
			await new Promise((done) => setTimeout(done, 50));
			expect(unhandled).toEqual([]);
			expect(abortListeners(controller.signal)).toBe(0);
		} finally {
			process.off('unhandledRejection', onUnhandled);
		}
	});

	it('waits the full time, passing the milliseconds and the signal on, and removes its listener', async () => {
		const controller = new AbortController();
		const calls: Array<[number, AbortSignal | undefined]> = [];
		const recording: Sleep = async (ms, signal) => {
			calls.push([ms, signal]);
			await sleepIgnoringSignal(ms);
		};
		const started = Date.now();
		await sleepUnlessAborted(60, controller.signal, recording);
		expect(Date.now() - started).toBeGreaterThanOrEqual(55);
		expect(calls).toEqual([[60, controller.signal]]);
		expect(abortListeners(controller.signal)).toBe(0);
	});

	it('keeps no listener on a signal that lives through thousands of waits', async () => {
		const controller = new AbortController();
		const instant: Sleep = async () => await Promise.resolve();
		for (let wait = 0; wait < 5_000; wait++)
			await sleepUnlessAborted(10, controller.signal, instant);
		expect(abortListeners(controller.signal)).toBe(0);
	});

	it('rejects with the reason of a signal already aborted, without sleeping', async () => {
		const controller = new AbortController();
		const reason = new Error('stopped before');
		controller.abort(reason);
		const underlying = jest.fn(sleepIgnoringSignal);
		await expect(sleepUnlessAborted(1_000, controller.signal, underlying)).rejects.toBe(reason);
		expect(underlying).not.toHaveBeenCalled();
		expect(abortListeners(controller.signal)).toBe(0);
	});

	it('rethrows an error of the underlying sleep when the signal did not abort', async () => {
		const controller = new AbortController();
		const broken = new Error('broken timer');
		const failing: Sleep = async () => await Promise.reject(broken);
		await expect(sleepUnlessAborted(10, controller.signal, failing)).rejects.toBe(broken);
		expect(abortListeners(controller.signal)).toBe(0);
	});

	it('with Infinity starts no timer and ends on abort', async () => {
		const controller = new AbortController();
		const underlying = jest.fn(sleepIgnoringSignal);
		const waiting = sleepUnlessAborted(Number.POSITIVE_INFINITY, controller.signal, underlying);
		expect(await settledWithin(waiting, 50)).toBe('pending');
		controller.abort(new Error('stopped'));
		expect(await settledWithin(waiting, 1_000)).toEqual({ rejected: new Error('stopped') });
		expect(underlying).not.toHaveBeenCalled();
		expect(abortListeners(controller.signal)).toBe(0);
	});

	it('without a signal just sleeps', async () => {
		const underlying = jest.fn(sleepIgnoringSignal);
		await sleepUnlessAborted(5, undefined, underlying);
		expect(underlying).toHaveBeenCalledWith(5);
	});
});
