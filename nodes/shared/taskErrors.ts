import {
	NodeApiError,
	NodeOperationError,
	type IDataObject,
	type INode,
	type JsonObject,
} from 'n8n-workflow';

import { describeErrorCode, modelNameOfCode } from '../Kirin/catalog/errorCodes';
import type { Task } from './task';

/**
 * The error for a task the API reports as failed. Its message names the model, the error code and
 * the code's meaning from the model's page (e.g. `002014095`: "Kirin V2.6 - Text to Video: internal
 * generation error"), then the API's `error_message`.
 *
 * @returns a NodeApiError carrying the item index and the task id in its description
 */
export function taskFailedError(node: INode, task: Task, itemIndex: number): NodeApiError {
	const code = task.error?.code;
	const modelName = modelNameOfCode(task.error?.code, task.model);
	const meaning = describeErrorCode(code) ?? `${modelName}: generation failed`;
	const apiMessage = task.error?.message ? `: ${task.error.message}` : '';
	const message = `${meaning}${code ? ` (${code})` : ''}${apiMessage}`;
	return new NodeApiError(
		node,
		{ message, code: code ?? null, taskId: task.taskId } as JsonObject,
		{
			message,
			description: `Task ${task.taskId} ended with status "${task.rawStatus}". Its details stay available through the Get Task operation.`,
			itemIndex,
		},
	);
}

/**
 * A wait in words: seconds under a minute (`45 seconds`), minutes above (`15 minutes`).
 *
 * @param ms milliseconds
 */
export function formatDuration(ms: number): string {
	if (ms < 60_000) return `${Math.round(ms / 100) / 10} seconds`;
	return `${Math.round((ms / 60_000) * 100) / 100} minutes`;
}

/**
 * The error for a task that did not finish within the node's timeout. It names the task id and says
 * that Get Task can fetch the result later without paying again.
 */
export function taskTimeoutError(
	node: INode,
	taskId: string,
	timeoutMs: number,
	itemIndex: number,
	lastStatus?: string,
): NodeOperationError {
	return new NodeOperationError(
		node,
		`Task ${taskId} did not finish within ${formatDuration(timeoutMs)}${lastStatus ? ` (last status: ${lastStatus})` : ''}`,
		{
			description: `The task keeps running at Kirin. Fetch its result later with the Get Task operation and task ID ${taskId}; that does not pay again. To wait longer, raise Options > Timeout (Minutes).`,
			itemIndex,
		},
	);
}

/**
 * The JSON of an error item for Continue On Fail: `{error: {code, message, description, taskId}}`.
 * Only the error's own message and description are used, never a request, so no API key can leak.
 */
export function errorToJson(error: unknown, taskId?: string): IDataObject {
	const source = error as {
		message?: unknown;
		description?: unknown;
		httpCode?: unknown;
		errorResponse?: { code?: unknown };
	};
	const code = source.errorResponse?.code ?? source.httpCode ?? null;
	const json: IDataObject = {
		code: code === null || code === undefined ? null : String(code),
		message: typeof source.message === 'string' ? source.message : String(error),
		description: typeof source.description === 'string' ? source.description : null,
	};
	if (taskId) json.taskId = taskId;
	return { error: json };
}

/**
 * The error to throw for an item: n8n's own node errors as they are (they already carry the item
 * index and the API's detail), anything else wrapped once in a NodeOperationError.
 */
export function asNodeError(
	node: INode,
	error: unknown,
	itemIndex: number,
): NodeApiError | NodeOperationError {
	if (error instanceof NodeApiError || error instanceof NodeOperationError) return error;
	return new NodeOperationError(node, error as Error, { itemIndex });
}
