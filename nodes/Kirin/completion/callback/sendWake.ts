import type { IDataObject, IWebhookFunctions } from 'n8n-workflow';

import { sleepUnlessAborted } from '../../../shared/sleep';
import type { BatchParams } from './params';

/*
 * Sending a wake (`wake.ts`) to a batch's resume URL from the process that saw the batch end or
 * sweeps it, and reading n8n's answer.
 */

/**
 * What a resume URL answered a wake: the HTTP status (0 when no answer came), whether the batch
 * resumed, and whether n8n refused it only because the execution is running (409 "is running
 * already": not saved as waiting yet, or resuming), so that it is worth sending again.
 */
export interface WakeAnswer {
	status: number;
	resumed: boolean;
	running: boolean;
}

/**
 * How one process posts to a resume URL (n8n's `helpers.httpRequest`, captured from a webhook).
 */
export type Post = (url: string, body: IDataObject) => Promise<WakeAnswer>;

/**
 * Whether a wake's answer ends this process's part in the batch: it resumed, the execution is gone
 * (404), running, finished or waiting for another batch (409; {@link sendWake} has sent a wake
 * refused as "running" again for a few seconds first), or the wake was refused (401, 403: the API
 * key changed). Anything else (2xx without a resume, 5xx, no answer) leaves the batch to a later
 * sweep.
 */
export function settled(answer: WakeAnswer): boolean {
	if (answer.resumed) return true;
	return [401, 403, 404, 409].includes(answer.status);
}

/** How often a wake refused as "running" is sent (about 8 s with the backoff). */
const RUNNING_TRIES = 5;

/**
 * Sends a wake to the batch's resume URL, retrying with backoff (250 ms doubling to 10 s, 12
 * attempts, until a minute past the deadline) n8n's own refusals under load (5xx, no answer), and
 * for a few seconds its 409 for an execution that is running (not saved as waiting yet).
 *
 * @returns the last answer (see {@link WakeAnswer})
 */
export async function sendWake(
	post: Post,
	params: BatchParams,
	body: IDataObject,
	signal?: AbortSignal,
): Promise<WakeAnswer> {
	let delay = 250;
	let last: WakeAnswer = { status: 0, resumed: false, running: false };
	let running = 0;
	for (let attempt = 0; attempt < 12; attempt++) {
		try {
			last = await post(params.resumeUrl, body);
		} catch {
			last = { status: 0, resumed: false, running: false };
		}
		// "Running" for longer than the few seconds n8n takes to save a new wait: resumed elsewhere.
		if (last.running && ++running >= RUNNING_TRIES) return last;
		if (last.status !== 0 && last.status < 500 && !last.running) return last;
		if (Date.now() > params.deadline + 60_000) return last;
		await sleepUnlessAborted(delay, signal);
		delay = Math.min(delay * 2, 10_000);
	}
	return last;
}

/** How long a wake waits for the resume URL's answer, in milliseconds (the resume's own work). */
export const WAKE_TIMEOUT_MS = 120_000;

/** Captures a webhook context's `helpers.httpRequest` as a {@link Post}. */
export function postWith(context: IWebhookFunctions): Post {
	const request = context.helpers.httpRequest;
	return async (url, body) => {
		const response = (await request({
			method: 'POST',
			url,
			body,
			json: true,
			returnFullResponse: true,
			ignoreHttpStatusErrors: true,
			timeout: WAKE_TIMEOUT_MS,
		})) as { statusCode: number; body?: { resumed?: unknown; message?: unknown } };
		return {
			status: response.statusCode,
			resumed: response.body?.resumed === true,
			// n8n's ConflictError: `The execution "<id>" is running already.`
			running:
				response.statusCode === 409 && /running already/i.test(String(response.body?.message)),
		};
	};
}
