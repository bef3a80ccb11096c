import type {
	IDataObject,
	INodeExecutionData,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';

import { markFieldsNotSent, settleItem } from '../../../shared/items';
import type { Task } from '../../../shared/task';
import { runSettingsFrom } from '../../settings';
import { lookUpEnded } from './confirm';
import type { WakeMessage } from './wake';

/** Executions this process resumed, so that a second wake in the same process changes nothing. */
const resumed = new Set<string>();

/**
 * The task an item of the waiting batch waits for: the `taskId` of the item the node stored (items
 * that failed before creation have none).
 */
function waitingTaskId(item: INodeExecutionData): string | undefined {
	const taskId = item.json?.taskId;
	return typeof taskId === 'string' ? taskId : undefined;
}

function storedItems(context: IWebhookFunctions): INodeExecutionData[] {
	const items = context.evaluateExpression(
		'{{ $input.all() }}',
		0,
	) as unknown as INodeExecutionData[];
	return Array.isArray(items) ? items : [];
}

/** The stored item of an item whose task did not end: what n8n outputs at the wait limit. */
function unfinishedItem(item: INodeExecutionData, index: number): INodeExecutionData {
	return { json: item.json, pairedItem: { item: index } };
}

/**
 * The resumed node's output: one item per input item, in order, with `pairedItem`: the task's
 * item as in poll mode (binary videos when Download Video is on) for each task that ended; for a
 * failed task, a failed download or a task still running at the deadline, an `{error}` item naming
 * the task id. n8n resumes a waiting execution with data only, so these are error items whatever
 * Continue On Fail says.
 */
async function resumeOutput(
	context: IWebhookFunctions,
	stored: INodeExecutionData[],
	ended: Map<number, Task>,
): Promise<INodeExecutionData[]> {
	const settings = runSettingsFrom(context.getNodeParameter('options', {}) as IDataObject);
	const output = {
		download: Boolean(context.getNodeParameter('downloadVideo', false)),
		binaryPropertyOutput: settings.binaryPropertyOutput,
		downloadSettings: settings.download,
	};
	const items: INodeExecutionData[] = [];
	for (const [index, item] of stored.entries()) {
		const task = ended.get(index);
		if (task && waitingTaskId(item) !== undefined) {
			const notSent = item.json.fieldsNotSent;
			items.push(
				markFieldsNotSent(
					await settleItem(context, { kind: 'task', task }, index, output, true),
					Array.isArray(notSent) ? notSent.map(String) : undefined,
				),
			);
		} else {
			items.push(unfinishedItem(item, index));
		}
	}
	return items;
}

/**
 * Handles a wake (or, in resume-URL mode, the end of a batch this process saw whole) inside the
 * waiting execution: takes the tasks the message brings, confirms with the API those only known
 * by id and, for a sweep, asks about every task nobody reported. Resumes when every task has
 * ended, or at the deadline with what has ended (the rest as timeout items); otherwise answers
 * `{resumed: false}` and keeps waiting.
 */
export async function resumeIfEnded(
	context: IWebhookFunctions,
	message: WakeMessage,
): Promise<IWebhookResponseData> {
	const executionId = context.getExecutionId();
	if (resumed.has(executionId)) return { webhookResponse: { received: true, resumed: false } };
	const stored = storedItems(context);
	const ended = new Map<number, Task>();
	for (const { itemIndex, task } of message.results) {
		const parsed = task as unknown as Task;
		if (waitingTaskId(stored[itemIndex] ?? { json: {} }) === parsed.taskId)
			ended.set(itemIndex, parsed);
	}
	const pending = stored
		.map((item, itemIndex) => ({ itemIndex, taskId: waitingTaskId(item) }))
		.filter(
			(entry): entry is { itemIndex: number; taskId: string } =>
				entry.taskId !== undefined && !ended.has(entry.itemIndex),
		);
	const knownIds = new Set(message.known.map((entry) => entry.itemIndex));
	const toAsk =
		message.reason === 'sweep' ? pending : pending.filter((entry) => knownIds.has(entry.itemIndex));
	for (const [itemIndex, task] of await lookUpEnded(context, toAsk)) ended.set(itemIndex, task);
	const unfinished = pending.filter((entry) => !ended.has(entry.itemIndex)).length;
	if (unfinished > 0 && Date.now() < message.deadline) {
		return { webhookResponse: { received: true, resumed: false, unfinished } };
	}
	if (resumed.has(executionId)) return { webhookResponse: { received: true, resumed: false } };
	resumed.add(executionId);
	const output = await resumeOutput(context, stored, ended);
	return { workflowData: [output], webhookResponse: { received: true, resumed: true } };
}
