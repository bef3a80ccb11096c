import { createHmac, timingSafeEqual } from 'crypto';

/**
 * Secrets that let a receiver tell real Kirin callbacks from forged ones. The API signs nothing
 * (its callbacks carry no signature), so the secret travels in the callback URL's query. Both derive
 * from the Kirin API key, so the node that creates the task and the node that receives the callback
 * agree without the user copying anything, while nobody without the key can compute them. A rotated
 * API key therefore invalidates the callback URLs of tasks already under way.
 */

/**
 * An HMAC-SHA256 of `purpose` and `subject` keyed with the API key, base64url, 32 characters.
 *
 * @param apiKey the `kirinApi` credential's API key
 * @param purpose what the secret is for (`callback` for a waiting batch, `trigger` for a Kirin
 *   Trigger, `result` for the signed results a batch resumes with)
 * @param subject everything it is bound to, e.g. `<execution id>|<batch key>|<item index>`
 */
export function deriveSecret(apiKey: string, purpose: string, subject: string): string {
	return createHmac('sha256', apiKey)
		.update(`kirin-${purpose}:${subject}`)
		.digest('base64url')
		.slice(0, 32);
}

/**
 * Compares a received secret with the expected one in constant time. Any string is accepted as
 * input (non-ASCII too): the comparison is over UTF-8 bytes, so a wrong value never throws.
 */
export function secretMatches(received: unknown, expected: string): boolean {
	if (typeof received !== 'string') return false;
	const given = Buffer.from(received, 'utf8');
	const wanted = Buffer.from(expected, 'utf8');
	return given.length === wanted.length && timingSafeEqual(given, wanted);
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

/**
 * Adds a Kirin Trigger's secret to a callback URL, only when the URL points at a webhook of this
 * n8n instance (same origin as the instance's webhook base, e.g. `$execution.resumeUrl`) and has
 * no secret yet. The trigger derives the same secret from the same API key. A URL on another host
 * never receives a secret.
 *
 * @param callbackUrl the user's Callback URL
 * @param apiKey the credential's API key
 * @param ownWebhookBase any URL on this instance's webhook base (its origin is compared)
 * @returns the URL, with `secret` added where it belongs
 */
export function withTriggerSecret(
	callbackUrl: string | undefined,
	apiKey: string,
	ownWebhookBase: string | undefined,
): string | undefined {
	if (!callbackUrl || !ownWebhookBase) return callbackUrl;
	const webhookId = webhookIdOf(callbackUrl);
	let url: URL;
	let own: URL;
	try {
		url = new URL(callbackUrl);
		own = new URL(ownWebhookBase);
	} catch {
		return callbackUrl;
	}
	if (!webhookId || url.origin !== own.origin || url.searchParams.has('secret')) return callbackUrl;
	url.searchParams.set('secret', deriveSecret(apiKey, 'trigger', webhookId));
	return url.toString();
}
