/**
 * The check runner the end-to-end scripts share: each check prints `ok <name>` or `FAIL <name>: why`,
 * and the script closes with the counts.
 */

/** One check's outcome. */
export interface CheckResult {
	name: string;
	/** Passed, or failed as a known gap says it does. */
	ok: boolean;
	detail?: string;
	/** Set when the check failed for the known reason it was run with (see {@link check}). */
	knownGap?: string;
}

/** Every check run so far, in order. */
export const results: CheckResult[] = [];

/**
 * Runs one check, records and prints its outcome; a failure does not stop the script.
 *
 * @param name what the check shows, as printed
 * @param body throws to fail
 * @param knownGap why this check is expected to fail where it runs (an older n8n that lacks what
 *   it needs) and the failure message that shows it: a failure whose message matches `symptom` is
 *   printed as `KNOWN` with the reason and recorded as ok with `knownGap` set; any other failure
 *   fails as usual; a pass is printed with a note that the gap no longer shows
 */
export async function check(
	name: string,
	body: () => Promise<void>,
	knownGap?: { why: string; symptom: RegExp },
): Promise<void> {
	const started = Date.now();
	try {
		await body();
		results.push({ name, ok: true });
		const note = knownGap ? ` [passes despite the known gap: ${knownGap.why}]` : '';
		console.log(`ok   ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)${note}`);
	} catch (error) {
		const detail = error instanceof Error ? error.message : String(error);
		if (knownGap && knownGap.symptom.test(detail)) {
			results.push({ name, ok: true, detail, knownGap: knownGap.why });
			console.log(`KNOWN ${name}: ${knownGap.why}. Got: ${detail}`);
		} else {
			results.push({ name, ok: false, detail });
			console.log(`FAIL ${name}: ${detail}`);
		}
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

/**
 * Waits until the n8n at `baseUrl` serves the production webhook `POST /webhook/<path>`, without
 * calling it: a GET gets "not registered for GET requests. Did you mean to make a POST request?"
 * once n8n has registered it (after start, a published workflow's webhooks come a little later).
 *
 * @throws Error after 120 s
 */
export async function waitForPostWebhook(baseUrl: string, path: string): Promise<void> {
	await waitFor(
		`the webhook ${path}`,
		async () => {
			const response = await fetch(`${baseUrl}/webhook/${path}`).catch(() => undefined);
			const text = response ? await response.text() : '';
			return /Did you mean to make a POST request/.test(text) ? true : undefined;
		},
		120_000,
		500,
	);
}
