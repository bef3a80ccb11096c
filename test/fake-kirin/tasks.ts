/**
 * The fake's task store: task records, their status over time (computed from the creation time,
 * so no timer drives a task), the Task JSON the API returns, and look-up by `external_task_id`.
 */
import { randomBytes } from 'node:crypto';

import { ERROR_KIND_DESCRIPTIONS, costUsd, type FakeModelSpec, type FakeModelId } from './models';
import { parsePromptMagic } from './magic';
import { videoFileName } from './videos';

/** Task status values the fake reports (the API's canonical four). */
export type TaskStatus = 'pending' | 'processing' | 'completed' | 'failed';

/**
 * The API's task envelope, as the fake returns it and POSTs it to callbacks. `output` and `usage`
 * only when completed; `error` is `null` unless failed; `external_task_id` only when the create
 * body carried one. Times are ISO 8601 strings; `usage.cost` is USD as a string.
 */
export interface KirinTask {
	task_id: string;
	external_task_id?: string;
	model: string;
	status: TaskStatus;
	created_at: string;
	updated_at: string;
	output?: Array<{ content: Array<{ type: 'video'; url: string }> }>;
	usage?: { cost: string; discount: number };
	error: { code: string; error_message: string } | null;
	metadata: Record<string, unknown>;
}

/**
 * One task as the fake stores it (`fake.tasks`). Times are ms since the epoch; `generationMs` is
 * this task's total time to its final status, of which the first 10 % is `pending`.
 */
export interface FakeTaskRecord {
	taskId: string;
	externalTaskId?: string;
	model: FakeModelId;
	/** The create body without `model`, as received. */
	params: Record<string, unknown>;
	createdAtMs: number;
	generationMs: number;
	/** Final status, or `never` for `[never]`. */
	outcome: 'completed' | 'failed' | 'never';
	/** Set when `outcome` is `failed`. */
	error?: { code: string; error_message: string };
	/** Number of video files of a completed task. */
	videos: number;
	/** Size in bytes of each video file. */
	videoBytes: number;
	/** `usage.cost` in USD once completed. */
	costUsd: string;
	callbackUrl?: string;
}

/** Share of a task's generation time spent `pending` (the rest until `generationMs` is `processing`). */
export const PENDING_SHARE = 0.1;

/** Status of a task at time `nowMs` (ms since the epoch), computed from its creation time. */
export function statusAt(task: FakeTaskRecord, nowMs: number): TaskStatus {
	const elapsed = nowMs - task.createdAtMs;
	if (elapsed < task.generationMs * PENDING_SHARE) return 'pending';
	if (task.outcome === 'never' || elapsed < task.generationMs) return 'processing';
	return task.outcome;
}

/**
 * The status changes of a task as `[status, ms after creation]`: `pending` at 0, `processing` at
 * {@link PENDING_SHARE} of the generation time, and the final status (none for `[never]`).
 */
export function statusTimeline(task: FakeTaskRecord): Array<[TaskStatus, number]> {
	const events: Array<[TaskStatus, number]> = [
		['pending', 0],
		['processing', Math.floor(task.generationMs * PENDING_SHARE)],
	];
	if (task.outcome !== 'never') events.push([task.outcome, task.generationMs]);
	return events;
}

/** Tasks by id and by external id; builds each task's JSON with video URLs on `publicBase()`. */
export class TaskStore {
	/** All tasks by `task_id`. */
	readonly tasks = new Map<string, FakeTaskRecord>();
	private readonly byExternalId = new Map<string, string>();

	/**
	 * @param publicBase the base URL (no trailing slash) video URLs start with
	 * @param defaults generation time (ms) and video size (bytes) of tasks without prompt magic;
	 *   `generationMs` may be changed later for tasks created from then on
	 */
	constructor(
		private readonly publicBase: () => string,
		readonly defaults: { generationMs: number; videoBytes: number },
	) {}

	/** The id of the task created with `externalTaskId`, or undefined. */
	idOfExternal(externalTaskId: string): string | undefined {
		return this.byExternalId.get(externalTaskId);
	}

	/**
	 * Creates a task from a validated create body (without `model`): prompt magic sets its outcome,
	 * time, video count and size; `costUsd` prices it. The caller has checked that
	 * `external_task_id` is unused.
	 */
	create(model: FakeModelSpec, params: Record<string, unknown>): FakeTaskRecord {
		const magic = parsePromptMagic(params.prompt);
		const videos = magic.videos ?? 1;
		const externalTaskId = params.external_task_id as string | undefined;
		const task: FakeTaskRecord = {
			taskId: `tsk_${randomBytes(6).toString('hex')}`,
			externalTaskId,
			model: model.id,
			params,
			createdAtMs: Date.now(),
			generationMs: magic.generationMs ?? this.defaults.generationMs,
			outcome: magic.never ? 'never' : magic.fail ? 'failed' : 'completed',
			videos,
			videoBytes: magic.sizeBytes ?? this.defaults.videoBytes,
			costUsd: costUsd(model.id, params, videos),
			callbackUrl: params.callback_url as string | undefined,
		};
		if (magic.fail && !magic.never) {
			task.error = {
				code: `${model.errorPrefix}${magic.fail}`,
				error_message: ERROR_KIND_DESCRIPTIONS[magic.fail],
			};
		}
		this.tasks.set(task.taskId, task);
		if (externalTaskId !== undefined) this.byExternalId.set(externalTaskId, task.taskId);
		return task;
	}

	/** The Task JSON of a task as a GET would return it now, or undefined for an unknown id. */
	json(taskId: string): KirinTask | undefined {
		const task = this.tasks.get(taskId);
		return task && this.toJson(task, statusAt(task, Date.now()));
	}

	/** The Task JSON of a task in `status`, with `updated_at` the time it reached that status. */
	toJson(task: FakeTaskRecord, status: TaskStatus): KirinTask {
		const changedAt =
			status === 'pending'
				? task.createdAtMs
				: status === 'processing'
					? task.createdAtMs + Math.floor(task.generationMs * PENDING_SHARE)
					: task.createdAtMs + task.generationMs;
		const json: KirinTask = {
			task_id: task.taskId,
			...(task.externalTaskId !== undefined ? { external_task_id: task.externalTaskId } : {}),
			model: task.model,
			status,
			created_at: new Date(task.createdAtMs).toISOString(),
			updated_at: new Date(changedAt).toISOString(),
			error: null,
			metadata: {},
		};
		if (status === 'completed') {
			const content = Array.from({ length: task.videos }, (_, i) => ({
				type: 'video' as const,
				url: `${this.publicBase()}/files/${videoFileName(task.taskId, i)}`,
			}));
			json.output = [{ content }];
			json.usage = { cost: task.costUsd, discount: 0 };
		}
		if (status === 'failed' && task.error) json.error = { ...task.error };
		return json;
	}
}
