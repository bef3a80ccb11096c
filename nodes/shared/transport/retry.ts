import { sleepUnlessAborted } from '../sleep';

/**
 * How the transport retries: 429 waits for `Retry-After`; 5xx, network errors and unreadable bodies
 * back off exponentially with jitter; other 4xx never retry (the API's documented HTTP errors).
 */
export interface RetryPolicy {
	/** Retries after the first attempt of one request (0 = no retry). */
	maxRetries: number;
	/** The first backoff in milliseconds; each further retry doubles it. */
	baseDelayMs: number;
	/** The longest backoff in milliseconds. */
	maxDelayMs: number;
	/** The longest wait for a `Retry-After` in milliseconds; a longer header is capped to this. */
	maxRetryAfterMs: number;
	/** How long one HTTP request may take, in milliseconds. */
	requestTimeoutMs: number;
}

/** Defaults: 5 retries, 1 s doubling to 30 s, `Retry-After` capped at 2 min, 60 s per request. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
	maxRetries: 5,
	baseDelayMs: 1000,
	maxDelayMs: 30_000,
	maxRetryAfterMs: 120_000,
	requestTimeoutMs: 60_000,
};

/**
 * The backoff before retry number `attempt` (0-based): `baseDelayMs * 2^attempt`, capped at
 * `maxDelayMs`, with jitter drawn from its upper half so that many items do not retry in step.
 *
 * @returns milliseconds
 */
export function backoffMs(policy: RetryPolicy, attempt: number): number {
	const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
	return Math.round(ceiling * (0.5 + Math.random() * 0.5));
}

/**
 * Reads a `Retry-After` header: delay seconds or an HTTP date (RFC 9110, 10.2.3).
 *
 * @param header the header's value, if any
 * @param now the current time in milliseconds since the epoch
 * @returns milliseconds to wait, capped at `policy.maxRetryAfterMs`; the policy's first backoff when
 *   the header is missing or unreadable
 */
export function retryAfterMs(header: unknown, policy: RetryPolicy, now = Date.now()): number {
	const value = Array.isArray(header) ? header[0] : header;
	let waitMs: number | undefined;
	if (typeof value === 'string' || typeof value === 'number') {
		const text = String(value).trim();
		if (/^\d+(\.\d+)?$/.test(text)) waitMs = Number(text) * 1000;
		else {
			const date = Date.parse(text);
			if (!Number.isNaN(date)) waitMs = Math.max(0, date - now);
		}
	}
	return Math.min(policy.maxRetryAfterMs, waitMs ?? backoffMs(policy, 0));
}

/**
 * Waits, unless the execution is stopped first (on every n8n version, see {@link sleepUnlessAborted}).
 *
 * @param ms milliseconds
 * @param signal the execution's cancel signal (n8n's `getExecutionCancelSignal()`)
 * @throws the signal's abort reason as soon as the execution is stopped
 */
export async function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
	signal?.throwIfAborted();
	if (ms > 0) await sleepUnlessAborted(ms, signal);
	signal?.throwIfAborted();
}

/** What one try of a retried operation gave: a result, or a reason to try again (after `delayMs`). */
export type Try<T> = { done: T } | { retry: unknown; delayMs?: number };

/**
 * The one retry loop of the package: runs `attempt` up to `policy.maxRetries + 1` times. A try that
 * asks for a retry waits `delayMs` (e.g. a `Retry-After`) or the exponential backoff of
 * {@link backoffMs}, honouring the execution's cancel signal.
 *
 * @param attempt one try; gets the 0-based attempt number
 * @returns the first result
 * @throws the cancel signal's reason when the execution is stopped; otherwise `giveUp(lastReason)`
 *   after the last try
 */
export async function withRetries<T>(
	policy: RetryPolicy,
	signal: AbortSignal | undefined,
	attempt: (attemptNumber: number) => Promise<Try<T>>,
	giveUp: (lastReason: unknown) => Error,
): Promise<T> {
	let reason: unknown;
	for (let number = 0; number <= policy.maxRetries; number++) {
		signal?.throwIfAborted();
		const result = await attempt(number);
		if ('done' in result) return result.done;
		reason = result.retry;
		if (number < policy.maxRetries) {
			await pause(result.delayMs ?? backoffMs(policy, number), signal);
		}
	}
	throw giveUp(reason);
}
