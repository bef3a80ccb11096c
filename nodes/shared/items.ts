import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { imagesOf, videosOf, type Task } from './task';
import { asNodeError, errorToJson, taskFailedError, taskTimeoutError } from './taskErrors';
import { describeErrorCode } from '../Kirin/catalog/errorCodes';
import { downloadFiles, type DownloadContext, type DownloadSettings } from './transport/download';

/**
 * How one item's task ended, as every completion strategy, Get Task and the Kirin Trigger report it:
 * - `task`: the API's current view of the task (created, completed or failed: the item shows it;
 *   a failed task is the item's error);
 * - `timeout`: the wait ended before the task did (`waitedMs`, the last status seen);
 * - `error`: a request failed for good (the error, and the task id when one exists).
 */
export type TaskOutcome =
	| { kind: 'task'; task: Task }
	| { kind: 'timeout'; taskId: string; waitedMs: number; lastStatus?: string }
	| { kind: 'error'; error: unknown; taskId?: string };

/** What the output item carries besides the task's JSON. */
export interface OutputSettings {
	/** Whether completed tasks' videos are downloaded as binary data. */
	download: boolean;
	/** The first binary property name (`data`). */
	binaryPropertyOutput: string;
	downloadSettings: DownloadSettings;
}

/**
 * The JSON of an output item for a task, the same everywhere: `taskId`, `externalTaskId`, `model`,
 * `status`, `videoUrl` (the first video), `videos` and `images` (`[{url, type, size?}]`), `costUsd`
 * (number, USD, from `usage.cost`), `discount`, `metadata`, `createdAt`, `updatedAt`; and for a
 * failed task `error` (`code`, `message`, `meaning`). Fields the API did not send are left out.
 */
export function taskToJson(task: Task): IDataObject {
	const videos = videosOf(task).map((video) => ({ ...video }));
	const images = imagesOf(task).map((picture) => ({ ...picture }));
	const json: IDataObject = {
		taskId: task.taskId,
		externalTaskId: task.externalTaskId,
		model: task.model,
		status: task.status,
		videoUrl: videos[0]?.url,
		videos,
		images: images.length > 0 ? images : undefined,
		costUsd: task.costUsd,
		discount: task.discount,
		metadata: task.metadata,
		createdAt: task.createdAt,
		updatedAt: task.updatedAt,
	};
	if (task.status === 'failed') {
		json.error = {
			code: task.error?.code,
			message: task.error?.message,
			meaning: describeErrorCode(task.error?.code),
		};
	}
	for (const key of Object.keys(json)) if (json[key] === undefined) delete json[key];
	return json;
}

/**
 * The item for an outcome: the task's JSON, with the videos as binary data when asked and the task
 * completed.
 *
 * @throws the item's error: NodeApiError for a failed task, NodeOperationError for a timeout or a
 *   failed download (naming the task id), or the request's error
 */
export async function outcomeToItem(
	context: DownloadContext,
	outcome: TaskOutcome,
	itemIndex: number,
	output: OutputSettings,
): Promise<INodeExecutionData> {
	if (outcome.kind === 'error') throw outcome.error;
	if (outcome.kind === 'timeout') {
		throw taskTimeoutError(
			context.getNode(),
			outcome.taskId,
			outcome.waitedMs,
			itemIndex,
			outcome.lastStatus,
		);
	}
	const { task } = outcome;
	if (task.status === 'failed') throw taskFailedError(context.getNode(), task, itemIndex);
	return await taskItem(context, task, itemIndex, output);
}

/**
 * The item that shows a task as it is (any status, a failed task with its `error`), with the videos
 * of a completed task as binary data when asked.
 *
 * @throws NodeOperationError naming the task id when a download fails
 */
export async function taskItem(
	context: DownloadContext,
	task: Task,
	itemIndex: number,
	output: OutputSettings,
): Promise<INodeExecutionData> {
	const item: INodeExecutionData = { json: taskToJson(task), pairedItem: { item: itemIndex } };
	if (output.download && task.status === 'completed') {
		item.binary = await downloadFiles(
			context,
			task,
			videosOf(task),
			output.binaryPropertyOutput,
			itemIndex,
			output.downloadSettings,
		);
	}
	return item;
}

/**
 * Names on an item the fields its input set that its model does not take (`fieldsNotSent`, display
 * names), so that nobody wonders why a value had no effect.
 *
 * @returns the same item, changed in place
 */
export function markFieldsNotSent(
	item: INodeExecutionData,
	names: string[] | undefined,
): INodeExecutionData {
	if (names && names.length > 0) {
		item.json.fieldsNotSent = [...names];
	}
	return item;
}

/** The task id an outcome is about, when there is one. */
export function taskIdOf(outcome: TaskOutcome): string | undefined {
	return outcome.kind === 'task' ? outcome.task.taskId : outcome.taskId;
}

/**
 * The one rule for Continue On Fail: the outcome's item, or, when it fails, an `{error}` item
 * (`errorToJson`, with the task id) if `continueOnFail` is set, else the error, thrown as a node
 * error carrying the item index. Stopping the execution always throws.
 *
 * @param continueOnFail the node's setting; a resumed callback batch passes true, since n8n
 *   resumes a waiting execution with data and cannot fail the node there
 */
export async function settleItem(
	context: DownloadContext,
	outcome: TaskOutcome,
	itemIndex: number,
	output: OutputSettings,
	continueOnFail: boolean,
	signal?: AbortSignal,
): Promise<INodeExecutionData> {
	try {
		return await outcomeToItem(context, outcome, itemIndex, output);
	} catch (error) {
		signal?.throwIfAborted();
		if (!continueOnFail) throw asNodeError(context.getNode(), error, itemIndex);
		return { json: errorToJson(error, taskIdOf(outcome)), pairedItem: { item: itemIndex } };
	}
}
