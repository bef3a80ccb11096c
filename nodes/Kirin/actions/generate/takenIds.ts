import { createHash } from 'crypto';
import { NodeOperationError, type IDataObject, type INode } from 'n8n-workflow';

import type { Task } from '../../../shared/task';

/** What to do when the API answers 409 for an External Task ID the user gave (Options). */
export type TakenIdPolicy = 'error' | 'adopt';

/** How many requests {@link rememberRequest} keeps, oldest dropped first. */
const REMEMBERED = 10_000;

/**
 * Fingerprints of the requests this process created tasks with, by external task id: a 409 for an
 * id this process sent with the same request (Retry On Fail, a retried create whose answer was
 * lost) is the same task, whatever the policy.
 */
const sent = new Map<string, string>();

/** How far the API's clock may be behind ours, in milliseconds, when telling old tasks from new. */
const CLOCK_SKEW_MS = 10 * 60_000;

/**
 * Whether the API says a task was created before a request sent at `sentAt` (milliseconds since
 * the epoch), allowing 10 minutes of clock skew: a task found by its external id after an unclear
 * answer is then an earlier request's, not this one's. A task without `created_at` counts as new.
 */
export function createdBefore(task: Task, sentAt: number): boolean {
	const createdAt = task.createdAt ? Date.parse(task.createdAt) : Number.NaN;
	return !Number.isNaN(createdAt) && createdAt < sentAt - CLOCK_SKEW_MS;
}

/**
 * A fingerprint of a request body: SHA-256 of its JSON without `callback_url` (it holds this run's
 * resume URL) and `external_task_id`.
 */
export function requestFingerprint(body: IDataObject): string {
	const { callback_url: _callback, external_task_id: _id, ...request } = body;
	return createHash('sha256').update(JSON.stringify(request)).digest('hex');
}

/** Notes that a task exists for `externalTaskId`, made from the request with `fingerprint`. */
export function rememberRequest(externalTaskId: string, fingerprint: string): void {
	sent.delete(externalTaskId);
	sent.set(externalTaskId, fingerprint);
	if (sent.size > REMEMBERED) sent.delete(sent.keys().next().value as string);
}

/**
 * Decides about an existing task that the API named for a user's External Task ID (409): the same
 * request sent by this process is adopted; a task of another model is never this item's; otherwise
 * the API cannot tell whether the task was made from this item's request, so, unless the user chose
 * to get existing tasks back (`adopt`), the item fails naming the task. Nothing new is created or
 * paid either way.
 *
 * @param body the request body of this item (with `model` and `external_task_id`)
 * @param fingerprint {@link requestFingerprint} of the body as sent
 * @returns true when the existing task is returned because the user asked for it (the item is
 *   marked), false when it is this request's own task
 * @throws NodeOperationError naming the External Task ID, the existing task and what to do
 */
export function acceptTakenId(
	node: INode,
	body: IDataObject,
	fingerprint: string,
	existing: Task,
	policy: TakenIdPolicy,
	itemIndex: number,
): boolean {
	const externalTaskId = String(body.external_task_id);
	if (sent.get(externalTaskId) === fingerprint) return false;
	const otherModel = existing.model !== undefined && existing.model !== body.model;
	if (policy === 'adopt' && !otherModel) return true;
	const made = [
		existing.model ? `model ${existing.model}` : undefined,
		`status ${existing.status}`,
		existing.createdAt ? `created ${existing.createdAt}` : undefined,
	]
		.filter(Boolean)
		.join(', ');
	const why = otherModel
		? `It was made with another model than this item's ${String(body.model)}, so it is not this item's video.`
		: "Kirin keeps one task per External Task ID and cannot tell whether that task was made from this item's request, so the node does not return it as this item's video.";
	throw new NodeOperationError(
		node,
		`External Task ID "${externalTaskId}" is already used by task ${existing.taskId} (${made}) [item ${itemIndex}]`,
		{
			description: `${why} Nothing new was created or paid. Give this item a new External Task ID to generate its video, fetch the existing task with Get Task${otherModel ? '' : ", or set Options > When External Task ID Is Taken to 'Return the Existing Task'"}.`,
			itemIndex,
		},
	);
}
