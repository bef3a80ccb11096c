/**
 * The owner account of a fresh n8n, created through n8n's REST API (`POST /rest/owner/setup`), as
 * the setup page does.
 */

/** The owner's sign-in for the local n8n the UI checks and `npm run dev` start. */
export const OWNER = {
	email: 'owner@kirin.test',
	password: 'Kirin-Passw0rd',
	firstName: 'Kirin',
	lastName: 'Owner',
} as const;

/**
 * Creates the owner of a fresh n8n and returns its session cookie (`n8n-auth=...`).
 *
 * @param baseUrl n8n's address, e.g. `http://127.0.0.1:5678`
 * @param browserId the `browser-id` header the session is bound to
 * @throws Error when n8n refuses (e.g. an owner exists already)
 */
export async function createOwner(baseUrl: string, browserId = 'kirin-ui'): Promise<string> {
	const response = await fetch(`${baseUrl}/rest/owner/setup`, {
		method: 'POST',
		headers: { 'content-type': 'application/json', 'browser-id': browserId },
		body: JSON.stringify(OWNER),
	});
	const cookie = response.headers.get('set-cookie')?.split(';')[0];
	if (response.status !== 200 || !cookie)
		throw new Error(
			`owner setup answered ${response.status}: ${(await response.text()).slice(0, 300)}`,
		);
	return cookie;
}
