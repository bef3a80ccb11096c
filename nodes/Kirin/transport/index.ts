import {
	NodeApiError,
	type IDataObject,
	type IExecuteFunctions,
	type IHttpRequestMethods,
	type IHttpRequestOptions,
	type IWebhookFunctions,
	type JsonObject,
} from 'n8n-workflow';

import { parseTask, type Task } from '../task';
import { backoffMs, DEFAULT_RETRY_POLICY, pause, retryAfterMs, type RetryPolicy } from './retry';

/** The n8n contexts that call the Kirin API: the node's execute() and webhook(). */
export type KirinContext = IExecuteFunctions | IWebhookFunctions;

/** What one HTTP exchange gave: a response (any status), or a failure before one arrived. */
type Outcome =
	| { kind: 'response'; status: number; body: unknown; headers: IDataObject }
	| { kind: 'network'; code: string; message: string };

const CREDENTIAL = 'kirinApi';
const RETRYABLE_STATUS = new Set([500, 502, 503, 504]);

function errorCodeOf(error: unknown): string | undefined {
	let current = error as { code?: unknown; cause?: unknown } | undefined;
	for (let depth = 0; current && depth < 4; depth++) {
		if (typeof current.code === 'string' && /^E[A-Z_]+$/.test(current.code)) return current.code;
		current = current.cause as typeof current;
	}
	return undefined;
}

function apiMessage(body: unknown): string | undefined {
	const error = (body as { error?: { message?: unknown; code?: unknown } } | undefined)?.error;
	if (error && typeof error.message === 'string') return error.message;
	return undefined;
}

/**
 * The only caller of the Kirin API. Every request goes through n8n's
 * `helpers.httpRequestWithAuthentication` with the `kirinApi` credential, the execution's cancel
 * signal and a per-request timeout, and is retried by the {@link RetryPolicy}: 429 after
 * `Retry-After`; 500/502/503/504, network errors and unreadable JSON with exponential backoff;
 * 400/401/402/403/404/409/422 never. Errors it throws are `NodeApiError`s built from the API's own
 * message, never from the request (so the API key cannot leak into an error).
 */
export class KirinTransport {
	private baseUrl: string | undefined;

	/**
	 * @param context the node's execute or webhook context (`this` in n8n's methods)
	 * @param policy retry limits; defaults to {@link DEFAULT_RETRY_POLICY}
	 * @param signal the execution's cancel signal; stopping the execution ends waits and requests
	 */
	constructor(
		private readonly context: KirinContext,
		readonly policy: RetryPolicy = DEFAULT_RETRY_POLICY,
		readonly signal?: AbortSignal,
	) {}

	private async base(): Promise<string> {
		if (this.baseUrl === undefined) {
			const credentials = await this.context.getCredentials(CREDENTIAL);
			this.baseUrl = String(credentials.baseUrl ?? '').replace(/\/+$/, '');
		}
		return this.baseUrl;
	}

	/** One HTTP exchange, no retries. Never throws for HTTP statuses or network failures. */
	private async send(
		method: IHttpRequestMethods,
		path: string,
		options: { body?: IDataObject; qs?: IDataObject } = {},
	): Promise<Outcome> {
		const request: IHttpRequestOptions = {
			method,
			url: `${await this.base()}${path}`,
			json: true,
			returnFullResponse: true,
			ignoreHttpStatusErrors: true,
			timeout: this.policy.requestTimeoutMs,
			...(options.body ? { body: options.body } : {}),
			...(options.qs ? { qs: options.qs } : {}),
			...(this.signal ? { abortSignal: this.signal } : {}),
		};
		try {
			const response = (await this.context.helpers.httpRequestWithAuthentication.call(
				this.context,
				CREDENTIAL,
				request,
			)) as { statusCode: number; body: unknown; headers: IDataObject };
			let body = response.body;
			if (typeof body === 'string' && body.length > 0) {
				try {
					body = JSON.parse(body);
				} catch {
					return {
						kind: 'network',
						code: 'EBADJSON',
						message: 'The API answered with malformed JSON',
					};
				}
			}
			return {
				kind: 'response',
				status: response.statusCode,
				body,
				headers: response.headers ?? {},
			};
		} catch (error) {
			this.signal?.throwIfAborted();
			if (error instanceof SyntaxError) {
				return {
					kind: 'network',
					code: 'EBADJSON',
					message: 'The API answered with malformed JSON',
				};
			}
			const code = errorCodeOf(error) ?? 'ENETWORK';
			const message =
				code === 'ECONNABORTED' || code === 'ETIMEDOUT'
					? `No answer within ${this.policy.requestTimeoutMs / 1000} s`
					: 'The connection to the API failed';
			return { kind: 'network', code, message };
		}
	}

	/**
	 * Whether an outcome is worth retrying: 5xx, network failures and unreadable bodies, which may
	 * also have reached the API (see {@link createTask}), and 429, which did not.
	 */
	private static retryable(outcome: Outcome): boolean {
		return (
			outcome.kind === 'network' ||
			outcome.status === 429 ||
			RETRYABLE_STATUS.has(outcome.status) ||
			(outcome.status >= 200 && outcome.status < 300 && parseTask(outcome.body) === undefined)
		);
	}

	private async waitBeforeRetry(outcome: Outcome, attempt: number): Promise<void> {
		const ms =
			outcome.kind === 'response' && outcome.status === 429
				? retryAfterMs(outcome.headers['retry-after'], this.policy)
				: backoffMs(this.policy, attempt);
		await pause(ms, this.signal);
	}

	/** Sends with retries; returns the final outcome (possibly still a failure). */
	private async sendWithRetries(
		method: IHttpRequestMethods,
		path: string,
		options: { body?: IDataObject; qs?: IDataObject } = {},
	): Promise<Outcome> {
		let outcome = await this.send(method, path, options);
		for (
			let attempt = 0;
			attempt < this.policy.maxRetries && KirinTransport.retryable(outcome);
			attempt++
		) {
			await this.waitBeforeRetry(outcome, attempt);
			outcome = await this.send(method, path, options);
		}
		return outcome;
	}

	private error(
		outcome: Outcome,
		what: string,
		itemIndex: number | undefined,
		taskId?: string,
	): NodeApiError {
		const node = this.context.getNode();
		const forTask = taskId ? ` (task ${taskId})` : '';
		if (outcome.kind === 'network') {
			const message = `${what} failed after ${this.policy.maxRetries + 1} attempts${forTask}: ${outcome.message}`;
			const networkError = new NodeApiError(node, { message, code: outcome.code } as JsonObject, {
				message,
				description: taskId
					? `The task keeps running. Fetch it later with the Get Task operation (task ID ${taskId}); that costs nothing.`
					: 'Check the Base URL of the Kirin API credential and the network, then try again.',
				itemIndex,
			});
			// NodeApiError swaps the message for a generic text when the code is a Node.js network
			// code (ECONNRESET, ECONNABORTED, ETIMEDOUT...), which would drop the task id and the
			// attempts: keep ours.
			networkError.message = message;
			return networkError;
		}
		const { status, body } = outcome;
		const detail = apiMessage(body);
		let message: string;
		let description: string | undefined = detail;
		if (status === 401 || status === 403) {
			message = `Kirin refused the API key (${status})`;
			description = `Check the API key in the Kirin API credential.${detail ? ` The API said: ${detail}` : ''}`;
		} else if (status === 402) {
			message = 'The Kirin account has insufficient balance (402)';
		} else if (status === 404) {
			message = `${what}: not found (404)${forTask}`;
		} else if (status === 400 || status === 422) {
			message = `Kirin rejected the request (${status}): ${detail ?? 'invalid parameters'}`;
		} else if (status >= 200 && status < 300) {
			message = `${what}: the API's answer has no task${forTask}`;
		} else {
			message = `${what} failed after ${this.policy.maxRetries + 1} attempts: HTTP ${status}${forTask}`;
		}
		return new NodeApiError(node, { message, ...(detail ? { detail } : {}) } as JsonObject, {
			message,
			description,
			httpCode: String(status),
			itemIndex,
		});
	}

	/**
	 * Fetches a task by the API's id: `GET /v1/tasks/{task_id}`, retried as above.
	 *
	 * @returns the task
	 * @throws NodeApiError when the task does not exist (404), the key is refused, or the retries ran
	 *   out; the message names the task id
	 */
	async getTask(taskId: string, itemIndex?: number): Promise<Task> {
		const outcome = await this.sendWithRetries('GET', `/v1/tasks/${encodeURIComponent(taskId)}`);
		const task =
			outcome.kind === 'response' && outcome.status < 300 ? parseTask(outcome.body) : undefined;
		if (task) return task;
		throw this.error(outcome, 'Getting the task', itemIndex, taskId);
	}

	/**
	 * Looks up a task by the caller's own id: `GET /v1/tasks?external_task_id=...`.
	 *
	 * @returns the task, or undefined when the API has none with that id (404)
	 * @throws NodeApiError for any other failure, after retries
	 */
	async findTask(externalTaskId: string, itemIndex?: number): Promise<Task | undefined> {
		const outcome = await this.sendWithRetries('GET', '/v1/tasks', {
			qs: { external_task_id: externalTaskId },
		});
		if (outcome.kind === 'response' && outcome.status === 404) return undefined;
		const task =
			outcome.kind === 'response' && outcome.status < 300 ? parseTask(outcome.body) : undefined;
		if (task) return task;
		throw this.error(
			outcome,
			`Looking up the task with external ID "${externalTaskId}"`,
			itemIndex,
		);
	}

	/**
	 * Creates a task (`POST /v1/videos/generations`) at most once per `external_task_id`, so that a
	 * lost response never turns into a second paid task:
	 * - 429: waits for `Retry-After` and sends again (the API did not take the request);
	 * - 5xx, network failure, timeout or an unreadable answer: the request may have reached the API,
	 *   so the task is looked up by its external id first, adopted when found, created again if not;
	 * - 409: the external id is taken, so the existing task (`error.task_id`) is adopted.
	 *
	 * @param body the request body; must carry `external_task_id`
	 * @returns the created or adopted task and whether it was adopted
	 * @throws NodeApiError for 400/401/402/403/422, or when the retries ran out
	 */
	async createTask(
		body: IDataObject,
		itemIndex?: number,
	): Promise<{ task: Task; adopted: boolean }> {
		const externalTaskId = String(body.external_task_id);
		let outcome: Outcome = { kind: 'network', code: 'ENOTSENT', message: 'not sent' };
		for (let attempt = 0; attempt <= this.policy.maxRetries; attempt++) {
			if (attempt > 0) await this.waitBeforeRetry(outcome, attempt - 1);
			outcome = await this.send('POST', '/v1/videos/generations', { body });
			if (outcome.kind === 'response') {
				const created = outcome.status < 300 ? parseTask(outcome.body) : undefined;
				if (created) return { task: created, adopted: false };
				if (outcome.status === 409) {
					const existing = (outcome.body as { error?: { task_id?: unknown } } | undefined)?.error
						?.task_id;
					const task = existing
						? await this.getTask(String(existing), itemIndex)
						: await this.findTask(externalTaskId, itemIndex);
					if (task) return { task, adopted: true };
				}
				if (outcome.status === 429) continue;
				if (!KirinTransport.retryable(outcome)) break;
			}
			// The request may have created the task even though no usable answer came back.
			const found = await this.findTask(externalTaskId, itemIndex);
			if (found) return { task: found, adopted: true };
		}
		throw this.error(outcome, `Creating the task (external ID "${externalTaskId}")`, itemIndex);
	}
}

/**
 * Whether an error from {@link KirinTransport} will not go away by asking again: the API answered
 * with 400, 401, 402, 403, 404 or 422. Network failures, 429 and 5xx that outlasted the retries are
 * transient: a poll loop keeps polling after them until its deadline.
 */
export function isPermanentFailure(error: unknown): boolean {
	const httpCode = (error as { httpCode?: unknown } | undefined)?.httpCode;
	return typeof httpCode === 'string' && /^4\d\d$/.test(httpCode) && httpCode !== '429';
}
