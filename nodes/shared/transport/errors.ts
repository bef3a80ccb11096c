import { NodeApiError, type INode, type JsonObject } from 'n8n-workflow';

import { describeErrorCode } from '../../Kirin/catalog/errorCodes';
import type { Exchange } from './http';

/** What a failed exchange was for, for the error's message. */
export interface FailedCall {
	/** The call in words, e.g. `Getting the task`. */
	what: string;
	/** How many times the request was sent. */
	attempts: number;
	/** The task the call was about, named in the message and the description. */
	taskId?: string;
	itemIndex?: number;
}

function apiErrorOf(body: unknown): { message?: string; code?: string } {
	const error = (body as { error?: { message?: unknown; code?: unknown } } | undefined)?.error;
	if (!error || typeof error !== 'object') return {};
	return {
		message: typeof error.message === 'string' ? error.message : undefined,
		code:
			typeof error.code === 'string' || typeof error.code === 'number'
				? String(error.code)
				: undefined,
	};
}

/** The message for an HTTP status, as the API's documented HTTP errors describe them. */
function statusMessage(status: number, call: FailedCall, detail: string | undefined): string {
	const forTask = call.taskId ? ` (task ${call.taskId})` : '';
	if (status === 401 || status === 403) return `Kirin refused the API key (${status})`;
	if (status === 402) return 'The Kirin account has insufficient balance (402)';
	if (status === 404) return `${call.what}: not found (404)${forTask}`;
	if (status === 400 || status === 422) {
		return `Kirin rejected the request (${status}): ${detail ?? 'invalid parameters'}`;
	}
	if (status >= 200 && status < 300) return `${call.what}: the API's answer has no task${forTask}`;
	return `${call.what} failed after ${call.attempts} attempts: HTTP ${status}${forTask}`;
}

/**
 * The error for an exchange that did not give what the call needed. Built from the API's own
 * message only, never from the request, so the API key cannot leak into it. A Kirin error code in
 * the body (nine digits, e.g. `002014099`) is kept as the error's code with its meaning from the
 * model pages; otherwise the code is the HTTP status, or the network error code.
 *
 * @returns a NodeApiError with `httpCode` (the status as a string) for HTTP answers
 */
export function apiError(node: INode, failed: Exchange, call: FailedCall): NodeApiError {
	const forTask = call.taskId ? ` (task ${call.taskId})` : '';
	if (failed.kind !== 'response') {
		const message = `${call.what} failed after ${call.attempts} attempts${forTask}: ${failed.message}`;
		const code = failed.kind === 'network' ? failed.code : 'EBADJSON';
		const error = new NodeApiError(node, { message, code } as JsonObject, {
			message,
			description: call.taskId
				? `The task keeps running. Fetch it later with the Get Task operation (task ID ${call.taskId}); that costs nothing.`
				: 'Check the Base URL of the Kirin API credential and the network, then try again.',
			itemIndex: call.itemIndex,
		});
		// NodeApiError swaps the message for a generic text when the code is a Node.js network code
		// (ECONNRESET, ETIMEDOUT...), which would drop the task id and the attempts: keep ours.
		error.message = message;
		return error;
	}
	const { status, body } = failed;
	const api = apiErrorOf(body);
	const meaning = describeErrorCode(api.code);
	const message = statusMessage(status, call, api.message);
	let description = api.message;
	if (status === 401 || status === 403) {
		description = `Check the API key in the Kirin API credential.${api.message ? ` The API said: ${api.message}` : ''}`;
	} else if (meaning) {
		description = `${meaning} (${api.code})${api.message ? `: ${api.message}` : ''}`;
	}
	const response: JsonObject = { message };
	if (api.message) response.detail = api.message;
	if (meaning && api.code) {
		response.code = api.code;
		response.meaning = meaning;
	}
	return new NodeApiError(node, response, {
		message,
		description,
		httpCode: String(status),
		itemIndex: call.itemIndex,
	});
}

/**
 * Whether an error from the transport will not go away by asking again: the API answered with
 * 400, 401, 402, 403, 404 or 422. Network failures, 429 and 5xx that outlasted the retries are
 * transient: a poll loop keeps polling after them until its deadline.
 */
export function isPermanentFailure(error: unknown): boolean {
	const httpCode = (error as { httpCode?: unknown } | undefined)?.httpCode;
	return typeof httpCode === 'string' && /^4\d\d$/.test(httpCode) && httpCode !== '429';
}
