import type {
	IAuthenticateGeneric,
	Icon,
	ICredentialTestRequest,
	ICredentialType,
	INodeProperties,
} from 'n8n-workflow';

/**
 * The Kirin API credential (`kirinApi`): an API key sent as `Authorization: Bearer <key>` and the
 * API's base URL, which the provider pages leave to the account. A trailing slash on the base URL
 * is accepted.
 *
 * The credential test asks for a task id that cannot exist: a working key gets 404 (the key was
 * accepted, so the test passes), a wrong key gets 401 or 403 and a key without balance 402, which
 * n8n shows as a failed test with the rule's message (`ICredentialTestRequest` rules, n8n API).
 *
 * The rules read the answer's body, the one check every supported n8n version makes the same way:
 * with `ignoreHttpStatusErrors: true` no status throws, and n8n fails the test when the body's value
 * at a rule's `key` (a lodash path) equals its `value`. They match the `error.code` of the API's error
 * body `{"error": {"code", "message"}}` for those statuses (`unauthorized`, `insufficient_balance`,
 * `forbidden`); a 404's `not_found` matches none. Status rules (`responseCode`) would not do: n8n
 * checks them only on a thrown HTTP error, and n8n before 2.10 reads the narrower
 * `ignoreHttpStatusErrors: { ignore: true, except: [401, 402, 403] }` as plain `true`, so nothing
 * throws there and a wrong key passed.
 */
export class KirinApi implements ICredentialType {
	name = 'kirinApi';

	displayName = 'Kirin API';

	icon: Icon = { light: 'file:../icons/kirin.svg', dark: 'file:../icons/kirin.dark.svg' };

	documentationUrl = 'https://github.com/n8n-nodes-kirin/n8n-nodes-kirin#credentials';

	properties: INodeProperties[] = [
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: 'The API key from the Kirin API key management page',
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'https://api.example.com',
			description: 'The address of the Kirin API, without the /v1 path. A trailing slash is fine.',
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			headers: {
				Authorization: '=Bearer {{$credentials.apiKey}}',
			},
		},
	};

	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.baseUrl.replace(/\\/+$/, "")}}',
			url: '/v1/tasks/n8n-credential-test',
			method: 'GET',
			// A working key gets 404 for this made-up task id, which passes; the rules fail a refusal.
			ignoreHttpStatusErrors: true,
		},
		rules: [
			{
				type: 'responseSuccessBody',
				properties: {
					key: 'error.code',
					value: 'unauthorized',
					message: 'The API key was refused (401). Check the API key.',
				},
			},
			{
				type: 'responseSuccessBody',
				properties: {
					key: 'error.code',
					value: 'insufficient_balance',
					message: 'The API key works but the account has no balance left (402).',
				},
			},
			{
				type: 'responseSuccessBody',
				properties: {
					key: 'error.code',
					value: 'forbidden',
					message: 'The API key is not allowed to use this API (403). Check the API key.',
				},
			},
		],
	};
}
