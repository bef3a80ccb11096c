import type {
	IDataObject,
	IExecuteFunctions,
	IHttpRequestMethods,
	IHttpRequestOptions,
	IWebhookFunctions,
} from 'n8n-workflow';

import { parseTask } from '../task';

/** The n8n contexts that call the Kirin API: the nodes' execute() and webhook(). */
export type KirinContext = IExecuteFunctions | IWebhookFunctions;

/**
 * What one HTTP exchange with the API gave: a response with a readable body (any status), a
 * response whose body is not JSON, or a failure before any response arrived.
 */
export type Exchange =
	| { kind: 'response'; status: number; body: unknown; headers: IDataObject }
	| { kind: 'badBody'; status: number; message: string }
	| { kind: 'network'; code: string; message: string };

/**
 * How to treat an exchange:
 * - `ok`: a 2xx with a task in its body;
 * - `rateLimited`: 429, the API did not take the request; wait for `Retry-After`;
 * - `transient`: 500/502/503/504, network failures, timeouts, unreadable bodies and 2xx without a
 *   task: worth retrying, and the request may have reached the API;
 * - `final`: every other status (400, 401, 402, 403, 404, 409, 422...): asking again changes nothing.
 */
export type Verdict = 'ok' | 'rateLimited' | 'transient' | 'final';

const TRANSIENT_STATUS = new Set([500, 502, 503, 504]);

/** The one classification of exchanges, used by every retry decision. */
export function classify(exchange: Exchange): Verdict {
	if (exchange.kind !== 'response') return 'transient';
	const { status } = exchange;
	if (status === 429) return 'rateLimited';
	if (TRANSIENT_STATUS.has(status)) return 'transient';
	if (status >= 200 && status < 300) return parseTask(exchange.body) ? 'ok' : 'transient';
	return 'final';
}

function networkCodeOf(error: unknown): string | undefined {
	let current = error as { code?: unknown; cause?: unknown } | undefined;
	for (let depth = 0; current && depth < 4; depth++) {
		if (typeof current.code === 'string' && /^E[A-Z_]+$/.test(current.code)) return current.code;
		current = current.cause as typeof current;
	}
	return undefined;
}

const BAD_JSON = 'The API answered with malformed JSON';

/**
 * One HTTP exchange with the Kirin API through n8n's `helpers.httpRequestWithAuthentication` and the
 * `kirinApi` credential, no retries. Never throws for an HTTP status, a network failure or a body that
 * is not JSON; throws only the cancel signal's reason when the execution is stopped.
 *
 * @param url the full URL (the credential's base URL plus the path)
 * @param options body (an object, or JSON text already serialized as bytes) or query, the
 *   per-request timeout in milliseconds and the cancel signal
 */
export async function exchange(
	context: KirinContext,
	method: IHttpRequestMethods,
	url: string,
	options: {
		body?: IDataObject | Buffer;
		qs?: IDataObject;
		timeoutMs: number;
		signal?: AbortSignal;
	},
): Promise<Exchange> {
	const request: IHttpRequestOptions = {
		method,
		url,
		json: true,
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
		timeout: options.timeoutMs,
		...(options.body ? { body: options.body } : {}),
		...(Buffer.isBuffer(options.body) ? { headers: { 'content-type': 'application/json' } } : {}),
		...(options.qs ? { qs: options.qs } : {}),
		...(options.signal ? { abortSignal: options.signal } : {}),
	};
	let response: { statusCode: number; body: unknown; headers: IDataObject };
	try {
		response = (await context.helpers.httpRequestWithAuthentication.call(
			context,
			'kirinApi',
			request,
		)) as typeof response;
	} catch (error) {
		options.signal?.throwIfAborted();
		if (error instanceof SyntaxError) return { kind: 'badBody', status: 0, message: BAD_JSON };
		const code = networkCodeOf(error) ?? 'ENETWORK';
		const message =
			code === 'ECONNABORTED' || code === 'ETIMEDOUT'
				? `No answer within ${options.timeoutMs / 1000} s`
				: 'The connection to the API failed';
		return { kind: 'network', code, message };
	}
	let body = response.body;
	if (typeof body === 'string' && body.length > 0) {
		try {
			body = JSON.parse(body);
		} catch {
			return { kind: 'badBody', status: response.statusCode, message: BAD_JSON };
		}
	}
	return { kind: 'response', status: response.statusCode, body, headers: response.headers ?? {} };
}
