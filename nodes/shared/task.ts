import type { IDataObject } from 'n8n-workflow';

/**
 * A Kirin task as the nodes use it, read from the task object of a Kirin API answer or callback
 * body. Field names follow the API; `status` is normalised to the four statuses below.
 */

/** The four task statuses; the API's synonyms are mapped onto these by {@link normaliseStatus}. */
export type TaskStatus = 'pending' | 'processing' | 'completed' | 'failed';

/** One generated file: `type` is `video` or `image`, `size` as the API gives it. */
export interface TaskContent {
	type: string;
	url: string;
	size?: string;
}

/** A task as parsed from an API response or a callback body. */
export interface Task {
	taskId: string;
	externalTaskId?: string;
	model?: string;
	status: TaskStatus;
	/** The status string the API sent, before normalisation. */
	rawStatus: string;
	createdAt?: string;
	updatedAt?: string;
	/** Every content item of every output, in order. Empty unless completed. */
	contents: TaskContent[];
	/** `usage.cost` as a number in USD, when completed. */
	costUsd?: number;
	/** `usage.discount`, when completed. */
	discount?: number;
	/** `error.code` and `error.error_message`, when failed. */
	error?: { code?: string; message?: string };
	metadata?: IDataObject;
}

const SYNONYMS: Record<string, TaskStatus> = {
	pending: 'pending',
	queued: 'pending',
	submitted: 'pending',
	processing: 'processing',
	running: 'processing',
	in_progress: 'processing',
	completed: 'completed',
	succeed: 'completed',
	succeeded: 'completed',
	success: 'completed',
	failed: 'failed',
	fail: 'failed',
	error: 'failed',
	cancelled: 'failed',
};

/**
 * Maps a status the Kirin API sends to one of the four task statuses (the API documents synonyms
 * such as `queued`, `running`, `succeeded`, `cancelled`). Any other value counts as still in
 * progress.
 */
export function normaliseStatus(raw: unknown): TaskStatus {
	const key = String(raw ?? '').toLowerCase();
	// Own keys only: a status such as `constructor` or `__proto__` is not a known status.
	return Object.prototype.hasOwnProperty.call(SYNONYMS, key) ? SYNONYMS[key] : 'processing';
}

/** Whether a task has reached an end state (completed or failed). */
export function isFinished(task: Task): boolean {
	return task.status === 'completed' || task.status === 'failed';
}

function asObject(value: unknown): IDataObject | undefined {
	return value !== null && typeof value === 'object' && !Array.isArray(value)
		? (value as IDataObject)
		: undefined;
}

function readContents(output: unknown): TaskContent[] {
	const results = Array.isArray(output) ? output : output ? [output] : [];
	const contents: TaskContent[] = [];
	for (const result of results) {
		const content = asObject(result)?.content;
		for (const entry of Array.isArray(content) ? content : []) {
			const item = asObject(entry);
			if (!item || typeof item.url !== 'string') continue;
			contents.push({
				type: typeof item.type === 'string' ? item.type : 'video',
				url: item.url,
				...(item.size !== undefined ? { size: String(item.size) } : {}),
			});
		}
	}
	return contents;
}

/**
 * Reads a task envelope. `output` may be an array of results or one object with `content`;
 * `usage.cost` is a USD string turned into a number.
 *
 * @param body a parsed JSON response or callback body
 * @returns the task, or undefined when the body has no `task_id`
 */
export function parseTask(body: unknown): Task | undefined {
	const raw = asObject(body);
	if (!raw || (typeof raw.task_id !== 'string' && typeof raw.task_id !== 'number'))
		return undefined;
	const usage = asObject(raw.usage);
	const error = asObject(raw.error);
	const cost = usage?.cost !== undefined ? Number(usage.cost) : undefined;
	return {
		taskId: String(raw.task_id),
		externalTaskId: typeof raw.external_task_id === 'string' ? raw.external_task_id : undefined,
		model: typeof raw.model === 'string' ? raw.model : undefined,
		status: normaliseStatus(raw.status),
		rawStatus: String(raw.status ?? ''),
		createdAt: typeof raw.created_at === 'string' ? raw.created_at : undefined,
		updatedAt: typeof raw.updated_at === 'string' ? raw.updated_at : undefined,
		contents: readContents(raw.output),
		costUsd: cost !== undefined && Number.isFinite(cost) ? cost : undefined,
		discount: typeof usage?.discount === 'number' ? usage.discount : undefined,
		error: error
			? {
					code: error.code !== undefined ? String(error.code) : undefined,
					message:
						typeof error.error_message === 'string'
							? error.error_message
							: typeof error.message === 'string'
								? error.message
								: undefined,
				}
			: undefined,
		metadata: asObject(raw.metadata),
	};
}

/** The video contents of a task (contents of type `video`), in order. */
export function videosOf(task: Task): TaskContent[] {
	return task.contents.filter((content) => content.type === 'video');
}

/** The image contents of a task (contents of type `image`, e.g. a cover frame), in order. */
export function imagesOf(task: Task): TaskContent[] {
	return task.contents.filter((content) => content.type === 'image');
}
