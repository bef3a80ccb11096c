import type {
	IDataObject,
	INodeExecutionData,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';

import { markFieldsNotSent, settleItem } from '../../../shared/items';
import type { Task } from '../../../shared/task';
import { mapLimited } from '../../concurrency';
import { runSettingsFrom } from '../../settings';
import { lookUpEnded } from './confirm';
import type { WakeMessage } from './wake';
import { replyWith } from '../../../shared/webhookReply';

/**
 * Batches this process resumed (`<execution id>|<batch key>`, oldest first, at most
 * {@link MAX_RESUMED}), so that a second wake of a batch in the same process changes nothing.
 */
const resumed = new Set<string>();
const MAX_RESUMED = 1000;

function rememberResumed(key: string): void {
	resumed.add(key);
	if (resumed.size > MAX_RESUMED) resumed.delete(resumed.values().next().value as string);
}

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

/** Whether one of `items` (index in the batch, external task id) is one of the stored items. */
function holdsAny(stored: INodeExecutionData[], items: WakeMessage['anchors']): boolean {
	return items.some(
		({ itemIndex, externalTaskId }) => stored[itemIndex]?.json?.externalTaskId === externalTaskId,
	);
}

/**
 * Whether the waiting node waits for the task of item `itemIndex` with external task id
 * `externalTaskId`, that is for the batch a callback names (an execution can wait several times,
 * at one resume URL: two Kirin nodes, or a loop). Reads the node's stored items (`$input.all()`).
 */
export function waitsFor(
	context: IWebhookFunctions,
	itemIndex: number,
	externalTaskId: string,
): boolean {
	return holdsAny(storedItems(context), [{ itemIndex, externalTaskId }]);
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
	// Downloads (Download Video) run Max Concurrency at a time, so that the resume request ends well
	// before n8n's wait limit and the waking process's request timeout.
	return await mapLimited(stored, settings.maxConcurrency, async (item, index) => {
		const task = ended.get(index);
		if (!task || waitingTaskId(item) === undefined) return unfinishedItem(item, index);
		const notSent = item.json.fieldsNotSent;
		return markFieldsNotSent(
			await settleItem(context, { kind: 'task', task }, index, output, true),
			Array.isArray(notSent) ? notSent.map(String) : undefined,
		);
	});
}

/**
 * Handles a wake (or, in resume-URL mode, the end of a batch this process saw whole) inside the
 * waiting execution: takes the tasks the message brings (confirmed by the process that sent it)
 * and, for a sweep, asks the API about every other task. Resumes when every task has
 * ended, or at the deadline with what has ended (the rest as timeout items); otherwise answers
 * `{resumed: false}` and keeps waiting. A wake none of whose `anchors` is a waiting item is of
 * another batch of this execution: answered 409. A batch this process resumed already is answered
 * `{resumed: true}` again without resuming twice.
 */
export async function resumeIfEnded(
	context: IWebhookFunctions,
	message: WakeMessage,
): Promise<IWebhookResponseData> {
	const key = `${context.getExecutionId()}|${message.batch}`;
	// Resumed here already (n8n has not marked the execution running yet): the batch has resumed.
	if (resumed.has(key)) return { webhookResponse: { received: true, resumed: true } };
	const stored = storedItems(context);
	if (!holdsAny(stored, message.anchors))
		return replyWith(context)(409, { error: 'This execution is not waiting for that batch' });
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
	if (message.reason === 'sweep')
		for (const [itemIndex, task] of await lookUpEnded(context, pending)) ended.set(itemIndex, task);
	const unfinished = pending.filter((entry) => !ended.has(entry.itemIndex)).length;
	if (unfinished > 0 && Date.now() < message.deadline) {
		return { webhookResponse: { received: true, resumed: false, unfinished } };
	}
	if (resumed.has(key)) return { webhookResponse: { received: true, resumed: true } };
	rememberResumed(key);
	const output = await resumeOutput(context, stored, ended);
	return { workflowData: [output], webhookResponse: { received: true, resumed: true } };
}
