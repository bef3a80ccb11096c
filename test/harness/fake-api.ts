/** Talking to a fake Kirin server directly, as another API client would, and reading its state. */
import { request } from 'undici';

import {
	startFakeKirin,
	type FakeKirin,
	type FakeKirinOptions,
	type KirinTask,
} from '../fake-kirin/server';
import { waitFor } from './wait';

/** An HTTP answer: status, headers, raw text and the text parsed as JSON (undefined if it is not). */
export interface ApiResponse {
	status: number;
	headers: Headers;
	text: string;
	// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary fields
	json: any;
}

/**
 * Sends a request to the fake with `fetch`: JSON body (when given) and `Authorization` (the fake's
 * key by default; `null` sends none).
 */
export async function apiRequest(
	fake: FakeKirin,
	method: string,
	path: string,
	body?: unknown,
	authorization: string | null = `Bearer ${fake.apiKey}`,
): Promise<ApiResponse> {
	const headers: Record<string, string> = { 'content-type': 'application/json' };
	if (authorization !== null) headers.authorization = authorization;
	const res = await fetch(`${fake.url}${path}`, {
		method,
		headers,
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	const text = await res.text();
	let json: unknown;
	try {
		json = JSON.parse(text);
	} catch {
		json = undefined;
	}
	return { status: res.status, headers: res.headers, text, json };
}

/** `POST /v1/videos/generations` with `body` and the fake's key. */
export function createOverHttp(
	fake: FakeKirin,
	body: Record<string, unknown>,
): Promise<ApiResponse> {
	return apiRequest(fake, 'POST', '/v1/videos/generations', body);
}

/**
 * Waits, reading the fake's state (no HTTP, so the ledger stays clean), until it reports the task
 * in `status`; resolves with the Task JSON.
 *
 * @throws when the task does not reach `status` within `timeoutMs`
 */
export function waitForTaskStatus(
	fake: FakeKirin,
	taskId: string,
	status: string,
	timeoutMs = 3000,
): Promise<KirinTask> {
	return waitFor(
		() => {
			const task = fake.taskJson(taskId);
			return task?.status === status ? task : undefined;
		},
		{ timeoutMs, what: `task ${taskId} ${status}` },
	);
}

/**
 * Waits until the final status of every task created since the last ledger reset (except `[never]`
 * tasks) was delivered to its callback URL with a 2xx answer.
 */
export async function waitForFinalCallbacks(fake: FakeKirin, timeoutMs = 5000): Promise<void> {
	const delivered = () =>
		fake.ledger.creates().every((entry) => {
			const task = fake.tasks.get(entry.createdTaskId!);
			if (!task?.callbackUrl || task.outcome === 'never') return true;
			return fake.ledger
				.callbacks(task.taskId)
				.some(
					(attempt) =>
						attempt.taskStatus === task.outcome &&
						attempt.httpStatus !== undefined &&
						attempt.httpStatus >= 200 &&
						attempt.httpStatus < 300,
				);
		});
	await waitFor(delivered, { timeoutMs, what: 'final callbacks delivered' });
}

/** Callbacks delivered once each, in order, immediately (the fake's defaults). */
export function resetCallbackOptions(fake: FakeKirin): void {
	fake.setCallbackOptions({
		duplicateCallbacks: false,
		shuffleCallbacks: 0,
		reverseCallbacks: false,
		loseFinalCallbacks: 0,
	});
}

/** POSTs `body` as JSON to `url`; resolves with the status and the response text. */
export async function postJson(
	url: string,
	body: unknown,
): Promise<{ status: number; body: string }> {
	const response = await request(url, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify(body),
	});
	return { status: response.statusCode, body: await response.body.text() };
}

/**
 * Starts a fake Kirin server for the test file (before all its tests, closed after them) with
 * `options`, and clears its faults and ledger before each test. Tasks stay between tests.
 *
 * @returns a getter for the running server (valid inside tests and hooks)
 */
export function useFakeKirin(options: FakeKirinOptions = {}): () => FakeKirin {
	let fake: FakeKirin | undefined;
	beforeAll(async () => {
		fake = await startFakeKirin(options);
	});
	afterAll(async () => {
		await fake?.close();
	});
	beforeEach(() => {
		fake?.clearFaults();
		fake?.ledger.reset();
	});
	return () => {
		if (!fake) throw new Error('the fake Kirin server is not running (use it inside a test)');
		return fake;
	};
}
