import type { IWebhookFunctions } from 'n8n-workflow';

/** API keys by credential id that checked a callback secret here, newest first (at most 3 each). */
const recentKeys = new Map<string, string[]>();
const MAX_CREDENTIALS = 100;
const KEYS_PER_CREDENTIAL = 3;

/**
 * The node's Kirin API key, read and decrypted by n8n from the `kirinApi` credential
 * (`IWebhookFunctions.getCredentials`).
 *
 * @returns the key, `''` when the credential has none
 * @throws when n8n cannot read the credential (missing, or not shared with the workflow)
 */
export async function loadApiKey(context: IWebhookFunctions): Promise<string> {
	const credentials = await context.getCredentials('kirinApi');
	return String(credentials.apiKey ?? '');
}

function remember(credentialId: string, apiKey: string): void {
	const keys = [apiKey, ...(recentKeys.get(credentialId) ?? []).filter((key) => key !== apiKey)];
	recentKeys.delete(credentialId);
	recentKeys.set(credentialId, keys.slice(0, KEYS_PER_CREDENTIAL));
	if (recentKeys.size > MAX_CREDENTIALS) recentKeys.delete(recentKeys.keys().next().value!);
}

/**
 * Checks a request's secret (an HMAC keyed with the API key, see `shared/secrets.ts`) with the node's API key, sparing n8n a credential read for most
 * callbacks of a batch: the keys that checked a secret of this credential before are tried first,
 * and only when none does is the credential read (a first callback, a rotated key, a forged one).
 *
 * @param check returns what the secret protects when it matches the key, else undefined
 * @returns that value and the key that matched it, or undefined when even the credential's current
 *   key does not match
 * @throws when n8n cannot read the credential
 */
export async function checkWithApiKey<T>(
	context: IWebhookFunctions,
	check: (apiKey: string) => T | undefined,
): Promise<{ value: T; apiKey: string } | undefined> {
	const credentialId = context.getNode().credentials?.kirinApi?.id ?? '';
	for (const apiKey of credentialId ? (recentKeys.get(credentialId) ?? []) : []) {
		const value = check(apiKey);
		if (value !== undefined) return { value, apiKey };
	}
	const apiKey = await loadApiKey(context);
	const value = check(apiKey);
	if (value === undefined) return undefined;
	if (credentialId) remember(credentialId, apiKey);
	return { value, apiKey };
}
