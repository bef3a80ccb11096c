import { NodeApiError } from 'n8n-workflow';

import type { KirinApi } from '../../../shared/transport/api';
import { isPermanentFailure } from '../../../shared/transport/errors';
import { encodeBody } from '../../catalog/binaryImage';
import type { CreatedTask } from '../../completion/types';
import type { Plan } from './plan';
import { acceptTakenId, createdBefore, rememberRequest, requestFingerprint } from './takenIds';

/** How many fresh tasks a re-run may create for an item whose earlier tasks failed. */
const MAX_FRESH_TRIES = 5;

/**
 * Creates an item's task, or adopts the one an earlier run of the same step created (or, with the
 * reuse option, a task created for the same input within the window). A task that failed is not
 * adopted when the node derived its id: a re-run (n8n's Retry On Fail) is a new try, so a fresh task
 * is created under the next id (`<id>-r1`, `-r2`...). A failed task has no cost. A binary image is
 * read from n8n's binary data only here, after the look-ups of the reuse option and once for all
 * retries, and the encoded image is released when this returns; the plan's body is dropped once
 * the task exists.
 *
 * @throws NodeApiError from the API when the task cannot be created; InputRuleError when a binary
 *   image changed since it was checked
 */
export async function createOrAdopt(api: KirinApi, plan: Plan): Promise<CreatedTask> {
	const created = (task: CreatedTask['task'], adopted: boolean): CreatedTask => {
		plan.body = {};
		return {
			itemIndex: plan.itemIndex,
			externalTaskId: plan.externalTaskId,
			task,
			adopted,
			startedAt: Date.now(),
			notSent: plan.notSent,
		};
	};
	if (plan.reuse) {
		for (const candidate of plan.reuse.candidates) {
			const earlier = await api.findTask(candidate, plan.itemIndex);
			const createdAt = earlier?.createdAt ? Date.parse(earlier.createdAt) : Number.NaN;
			const fresh = Number.isNaN(createdAt) || Date.now() - createdAt <= plan.reuse.windowMs;
			if (earlier && earlier.status !== 'failed' && fresh) return created(earlier, true);
		}
	}
	let body = plan.body;
	// A binary image is read here into the request's bytes, once for every attempt; only this local
	// holds it (the body keeps a stand-in, see BinaryImage).
	let request = await encodeBody(body);
	const fingerprint = requestFingerprint(body);
	const sentAt = Date.now();
	for (let attempt = 0; ; attempt++) {
		const { task, adopted, conflict } = await api.createTask(request, plan.itemIndex);
		// A user's External Task ID taken by an earlier task (a 409, or a task found after an unclear
		// answer that is older than this request): returned only when it is this request's own task
		// or the user asked for existing tasks; otherwise the item fails naming it.
		const taken = conflict || (adopted && createdBefore(task, sentAt));
		const existingReturned =
			taken && plan.takenIdPolicy !== undefined
				? acceptTakenId(api.node, body, fingerprint, task, plan.takenIdPolicy, plan.itemIndex)
				: false;
		if (!existingReturned) rememberRequest(String(body.external_task_id), fingerprint);
		if (!adopted || task.status !== 'failed' || !plan.derivedId || attempt >= MAX_FRESH_TRIES) {
			return { ...created(task, adopted), existingReturned: existingReturned || undefined };
		}
		body = { ...plan.body, external_task_id: `${plan.externalTaskId}-r${attempt + 1}` };
		request = await encodeBody(body);
	}
}

/**
 * Creates the planned tasks with at most `limit` requests in flight. When `onFailure` throws (a
 * create failed for good and Continue On Fail is off) or the execution is stopped, no new task is
 * started; creates already in flight are awaited, so every task that exists is in `created` when
 * the error is rethrown.
 *
 * @param onCreated called with each task as soon as it exists
 * @param onFailure called with a create's error; throw to stop the batch
 * @param onUnknown called for a plan whose create ended without a task although Kirin may have
 *   made one: it was cut off by the stop, or ran out of retries after answers that do not tell (a
 *   5xx, a lost or unreadable answer, a timeout). Such a task can only be found by its external id
 * @throws the first error `onFailure` threw, or the cancel signal's reason
 */
export async function createAll(
	api: KirinApi,
	plans: Plan[],
	limit: number,
	onCreated: (created: CreatedTask) => void,
	onFailure: (error: unknown, plan: Plan) => void,
	signal?: AbortSignal,
	onUnknown?: (plan: Plan) => void,
): Promise<void> {
	let next = 0;
	let stop: { error: unknown } | undefined;
	const lane = async (): Promise<void> => {
		while (!stop && next < plans.length) {
			if (signal?.aborted) {
				stop ??= { error: signal.reason };
				return;
			}
			const plan = plans[next++];
			try {
				onCreated(await createOrAdopt(api, plan));
			} catch (error) {
				if (signal?.aborted || (error instanceof NodeApiError && !isPermanentFailure(error))) {
					onUnknown?.(plan);
				}
				try {
					signal?.throwIfAborted();
					onFailure(error, plan);
				} catch (fatal) {
					stop ??= { error: fatal };
				}
			}
		}
	};
	const lanes = Math.max(1, Math.min(Math.floor(limit) || 1, plans.length));
	await Promise.all(Array.from({ length: lanes }, lane));
	if (stop) throw stop.error;
}
