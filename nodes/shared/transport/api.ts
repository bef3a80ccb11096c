import type { IDataObject, IHttpRequestMethods, INode } from 'n8n-workflow';

import type { SerializedBody } from '../../Kirin/catalog/binaryImage';
import { parseTask, type Task } from '../task';
import { apiError, type FailedCall } from './errors';
import { classify, exchange, type Exchange, type KirinContext } from './http';
import {
	DEFAULT_RETRY_POLICY,
	retryAfterMs,
	withRetries,
	type RetryPolicy,
	type Try,
} from './retry';

/** What a create gave: the task, and whether it existed already (see {@link KirinApi.createTask}). */
export interface CreateResult {
	task: Task;
	adopted: boolean;
	conflict: boolean;
}

/**
 * The Kirin API's three calls: create a task (`POST /v1/videos/generations`), get a task by id
 * (`GET /v1/tasks/{task_id}`) and by the caller's id (`GET /v1/tasks?external_task_id=`). Every
 * request goes through {@link exchange} (n8n's authenticated request helper, the cancel signal, a
 * per-request timeout) and {@link withRetries}: 429 after `Retry-After`, 5xx, network errors and
 * unreadable bodies with exponential backoff, every other status never.
 */
export class KirinApi {
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

	/** The node the requests are made for (for errors that name it). */
	get node(): INode {
		return this.context.getNode();
	}

	private async url(path: string): Promise<string> {
		if (this.baseUrl === undefined) {
			const credentials = await this.context.getCredentials('kirinApi');
			this.baseUrl = String(credentials.baseUrl ?? '').replace(/\/+$/, '');
		}
		return `${this.baseUrl}${path}`;
	}

	private async send(
		method: IHttpRequestMethods,
		path: string,
		options: { body?: IDataObject | Buffer; qs?: IDataObject } = {},
	): Promise<Exchange> {
		return await exchange(this.context, method, await this.url(path), {
			...options,
			timeoutMs: this.policy.requestTimeoutMs,
			signal: this.signal,
		});
	}

	/** A retry step for an exchange: done unless it is worth asking again. */
	private step(result: Exchange): Try<Exchange> {
		const verdict = classify(result);
		if (verdict === 'rateLimited' && result.kind === 'response') {
			return { retry: result, delayMs: retryAfterMs(result.headers['retry-after'], this.policy) };
		}
		return verdict === 'transient' ? { retry: result } : { done: result };
	}

	private fail(result: unknown, call: Omit<FailedCall, 'attempts'>): Error {
		return apiError(this.context.getNode(), result as Exchange, {
			...call,
			attempts: this.policy.maxRetries + 1,
		});
	}

	/** Sends with retries; gives the last exchange (which may be a 4xx) or throws after the last try. */
	private async request(
		method: IHttpRequestMethods,
		path: string,
		call: Omit<FailedCall, 'attempts'>,
		options: { qs?: IDataObject } = {},
	): Promise<Exchange> {
		return await withRetries(
			this.policy,
			this.signal,
			async () => this.step(await this.send(method, path, options)),
			(last) => this.fail(last, call),
		);
	}

	/**
	 * Fetches a task by the API's id: `GET /v1/tasks/{task_id}`.
	 *
	 * @returns the task
	 * @throws NodeApiError when the task does not exist (404), the key is refused, or the retries ran
	 *   out; the message names the task id
	 */
	async getTask(taskId: string, itemIndex?: number): Promise<Task> {
		const call = { what: 'Getting the task', taskId, itemIndex };
		const result = await this.request('GET', `/v1/tasks/${encodeURIComponent(taskId)}`, call);
		const task =
			classify(result) === 'ok' && result.kind === 'response' ? parseTask(result.body) : undefined;
		if (task) return task;
		throw this.fail(result, call);
	}

	/**
	 * Looks up a task by the caller's own id: `GET /v1/tasks?external_task_id=...`.
	 *
	 * @returns the task, or undefined when the API has none with that id (404)
	 * @throws NodeApiError for any other failure, after retries
	 */
	async findTask(externalTaskId: string, itemIndex?: number): Promise<Task | undefined> {
		const call = { what: `Looking up the task with external ID "${externalTaskId}"`, itemIndex };
		const result = await this.request('GET', '/v1/tasks', call, {
			qs: { external_task_id: externalTaskId },
		});
		if (result.kind === 'response' && result.status === 404) return undefined;
		const task =
			classify(result) === 'ok' && result.kind === 'response' ? parseTask(result.body) : undefined;
		if (task) return task;
		throw this.fail(result, call);
	}

	/**
	 * Creates a task at most once per `external_task_id`, so that a lost response never turns into a
	 * second paid task:
	 * - 429: waits for `Retry-After` and sends again (the API did not take the request);
	 * - 5xx, network failure, timeout or an unreadable answer: the request may have reached the API,
	 *   so the task is looked up by its external id first, adopted when found, sent again if not;
	 * - 409: the external id is taken; the existing task (`error.task_id`) is returned as `existing`,
	 *   for the caller to decide whether it may be adopted.
	 *
	 * @param request the request body, which must carry `external_task_id`; or the body serialized
	 *   already (one with a large image, see `encodeBody`), sent as it is on every attempt
	 * @returns the created task, or the existing one (`adopted`: found after an unclear answer;
	 *   `conflict`: the API answered 409)
	 * @throws NodeApiError for 400/401/402/403/422, or when the retries ran out
	 */
	async createTask(
		request: IDataObject | SerializedBody,
		itemIndex?: number,
	): Promise<CreateResult> {
		const serialized = Buffer.isBuffer(request.serialized);
		const body = serialized ? (request.serialized as Buffer) : (request as IDataObject);
		const externalTaskId = String(
			serialized ? request.externalTaskId : (request as IDataObject).external_task_id,
		);
		const call = { what: `Creating the task (external ID "${externalTaskId}")`, itemIndex };
		return await withRetries<CreateResult>(
			this.policy,
			this.signal,
			async () => {
				const result = await this.send('POST', '/v1/videos/generations', { body });
				const verdict = classify(result);
				if (verdict === 'ok' && result.kind === 'response') {
					return { done: { task: parseTask(result.body)!, adopted: false, conflict: false } };
				}
				if (result.kind === 'response' && result.status === 409) {
					const existing = (result.body as { error?: { task_id?: unknown } } | undefined)?.error
						?.task_id;
					const task = existing
						? await this.getTask(String(existing), itemIndex)
						: await this.findTask(externalTaskId, itemIndex);
					if (task) return { done: { task, adopted: true, conflict: true } };
				}
				if (verdict === 'final') throw this.fail(result, call);
				if (verdict === 'rateLimited') {
					const wait = this.step(result);
					return 'retry' in wait ? wait : { retry: result };
				}
				// The request may have created the task even though no usable answer came back.
				const found = await this.findTask(externalTaskId, itemIndex);
				if (found) return { done: { task: found, adopted: true, conflict: false } };
				return { retry: result };
			},
			(last) => this.fail(last, call),
		);
	}
}
