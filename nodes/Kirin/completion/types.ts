import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import type { TaskOutcome } from '../../shared/items';
import type { Task } from '../../shared/task';
import type { KirinApi } from '../../shared/transport/api';
import type { RunSettings } from '../settings';

/** A task to create for one item: its request body and external task id. */
export interface PlannedTask {
	itemIndex: number;
	/**
	 * The request body; a binary image is in it as a `BinaryImage`, read only when the task is
	 * created. Dropped once the task exists.
	 */
	body: IDataObject;
	externalTaskId: string;
	/**
	 * Display names of the fields the item set that its model's page does not list, so they were not
	 * sent (e.g. `['Image URL']` for a text to video row); shown on the output item.
	 */
	notSent?: string[];
}

/** A created (or adopted) task of one item. */
export interface CreatedTask {
	itemIndex: number;
	externalTaskId: string;
	task: Task;
	/** When the task was created or adopted, in milliseconds since the epoch. */
	startedAt: number;
	/** Whether an earlier run created the task (its callbacks, if any, go to that run). */
	adopted: boolean;
	/** The plan's {@link PlannedTask.notSent}. */
	notSent?: string[];
	/**
	 * Whether the task existed under the user's External Task ID and was returned because Options >
	 * When External Task ID Is Taken says so (the item is marked `existingTask: true`).
	 */
	existingReturned?: boolean;
}

/** What a strategy needs from the run: the node's context, its settings and the API client. */
export interface CompletionRun {
	context: IExecuteFunctions;
	settings: RunSettings;
	api: KirinApi;
	signal?: AbortSignal;
	/** The node's run index in this execution (`$runIndex`). */
	runIndex: number;
	/** The credential's API key, for the secrets of callback URLs. */
	apiKey: string;
}

/**
 * How Generate Video learns that its tasks ended, chosen by the Completion field. Every strategy
 * reports one {@link TaskOutcome} per created task through `report`, or hands the batch to n8n to
 * wait (callback), in which case its `complete` returns the node's output for n8n to store.
 */
export interface CompletionStrategy {
	/** Adds what the strategy needs to each request body before the tasks are created. */
	prepare?(run: CompletionRun, planned: PlannedTask[], itemCount: number): Promise<void> | void;
	/**
	 * Waits for the created tasks.
	 *
	 * @param report called once per task as soon as its outcome is known; if it throws, the wait
	 *   stops and rethrows (Continue On Fail off)
	 * @param output the items so far (one slot per input item), for a strategy that puts the
	 *   execution to wait
	 * @returns `done`, or the output to return while the execution waits
	 */
	complete(
		run: CompletionRun,
		created: CreatedTask[],
		report: (itemIndex: number, outcome: TaskOutcome) => Promise<void>,
		output: Array<INodeExecutionData | undefined>,
	): Promise<'done' | INodeExecutionData[][]>;
}
