import type { IWebhookFunctions } from 'n8n-workflow';

import { isFinished, parseTask, type Task } from '../../../shared/task';
import { KirinApi } from '../../../shared/transport/api';
import { DEFAULT_RETRY_POLICY } from '../../../shared/transport/retry';
import { mapLimited } from '../../concurrency';
import type { BatchParams } from './params';

/** Status requests in flight at once when the waiting execution looks tasks up. */
const LOOKUP_CONCURRENCY = 10;

/** Retries for the status requests of callback handling: fewer than a run's, the sender retries too. */
const CONFIRM_POLICY = { ...DEFAULT_RETRY_POLICY, maxRetries: 3, baseDelayMs: 500 };

/** What a callback body turned out to be, once the API was asked. */
export type Confirmation =
	| { kind: 'intermediate' }
	| { kind: 'confirmed'; task: Task }
	| { kind: 'refused'; status: number; message: string };

/**
 * Whether a task belongs to the item its callback URL names: its external task id is the item's, or
 * a fresh one the node created for it after an earlier task failed (`<id>-r1`, `-r2`...).
 */
function belongsTo(task: Task, externalTaskId: string): boolean {
	const id = task.externalTaskId;
	return (
		id === externalTaskId ||
		(id !== undefined &&
			new RegExp(`^${externalTaskId.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-r\\d+$`).test(id))
	);
}

/**
 * Turns a callback body into a fact: a body that reports an intermediate status is answered and
 * forgotten (no request); one that reports an end is confirmed with one status request, and counts
 * only if the API says the same task, of this item, has ended. The body's own result (video URLs,
 * cost) is never used.
 */
export async function confirmCallback(
	context: IWebhookFunctions,
	params: BatchParams,
): Promise<Confirmation> {
	const claimed = parseTask(context.getBodyData());
	if (!claimed) return { kind: 'refused', status: 400, message: 'The body is not a Kirin task' };
	if (!isFinished(claimed)) return { kind: 'intermediate' };
	const api = new KirinApi(context, CONFIRM_POLICY);
	let task: Task;
	try {
		task = await api.getTask(claimed.taskId);
	} catch {
		return {
			kind: 'refused',
			status: 404,
			message: `The API does not know task ${claimed.taskId}`,
		};
	}
	if (!belongsTo(task, params.externalTaskId)) {
		return {
			kind: 'refused',
			status: 403,
			message: `Task ${claimed.taskId} is not the task of this callback URL`,
		};
	}
	if (!isFinished(task)) {
		return {
			kind: 'refused',
			status: 409,
			message: `The API reports task ${task.taskId} as ${task.rawStatus}, not ended`,
		};
	}
	return { kind: 'confirmed', task };
}

/**
 * Looks up tasks with one status request each (a sweep in the waiting execution: the tasks the
 * sweeping process did not confirm).
 *
 * @returns the tasks that have ended, by item
 */
export async function lookUpEnded(
	context: IWebhookFunctions,
	wanted: Array<{ itemIndex: number; taskId: string }>,
): Promise<Map<number, Task>> {
	const api = new KirinApi(context, CONFIRM_POLICY);
	const ended = new Map<number, Task>();
	await mapLimited(wanted, LOOKUP_CONCURRENCY, async ({ itemIndex, taskId }) => {
		try {
			const task = await api.getTask(taskId, itemIndex);
			if (isFinished(task)) ended.set(itemIndex, task);
		} catch {
			// Not known to have ended: the next sweep or callback asks again.
		}
	});
	return ended;
}
