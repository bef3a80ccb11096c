import { createHmac, timingSafeEqual } from 'crypto';

/**
 * Secrets that let a receiver tell real Kirin callbacks from forged ones. The API signs nothing
 * (`kirin-api.md`, "Callbacks"), so the secret travels in the callback URL's query. Both derive from
 * the Kirin API key, so the node that creates the task and the node that receives the callback agree
 * without the user copying anything, while nobody without the key can compute them.
 */

/**
 * An HMAC-SHA256 of `purpose` and `subject` keyed with the API key, base64url, 32 characters.
 *
 * @param apiKey the `kirinApi` credential's API key
 * @param purpose what the secret is for (`callback` for a waiting execution, `trigger` for a Kirin
 *   Trigger)
 * @param subject what it is bound to (a batch key, a trigger's webhook id)
 */
export function deriveSecret(apiKey: string, purpose: string, subject: string): string {
	return createHmac('sha256', apiKey)
		.update(`kirin-${purpose}:${subject}`)
		.digest('base64url')
		.slice(0, 32);
}

/** Compares a received secret with the expected one in constant time. */
export function secretMatches(received: unknown, expected: string): boolean {
	if (typeof received !== 'string' || received.length !== expected.length) return false;
	return timingSafeEqual(Buffer.from(received), Buffer.from(expected));
}

/**
 * The webhook id inside an n8n webhook URL (`.../webhook/<webhookId>/<path>` or
 * `.../webhook-test/<webhookId>/<path>`), which a Kirin Trigger's secret is bound to.
 *
 * @returns the id, or undefined when the URL is not an n8n webhook URL
 */
export function webhookIdOf(url: string): string | undefined {
	try {
		const match = /\/webhook(?:-test)?\/([^/?#]+)\/[^/?#]+\/?$/.exec(new URL(url).pathname);
		return match?.[1];
	} catch {
		return undefined;
	}
}
