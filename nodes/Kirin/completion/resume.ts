import { createHash } from 'crypto';
import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	IWebhookDescription,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';

import { runSettingsFrom } from '../actions/settings';
import { errorToJson, formatDuration, taskFailedError, taskToJson } from '../output';
import { deriveSecret, secretMatches } from '../secrets';
import { isFinished, parseTask, type Task } from '../task';
import { KirinTransport } from '../transport';
import { downloadVideos } from '../transport/download';

/**
 * Completion by callback: the node creates every task with `callback_url` set to this execution's
 * resume URL (n8n's restart webhook, as the Wait node uses it), puts the execution to wait, and
 * resumes it once, when every task of the batch has ended. n8n keeps no state between two calls of a
 * waiting execution's webhook, so what the batch is travels with the execution (the waiting node's
 * input items, see {@link waitForCallbacks}) and in the callback URL (batch key, item index, secret).
 */

/**
 * The restart webhook that receives the callbacks: POST to `$execution.resumeUrl` (path '').
 * Kept in a constant, as n8n's own send-and-wait nodes do.
 */
export const CALLBACK_WEBHOOKS: IWebhookDescription[] = [
	{
		name: 'default',
		httpMethod: 'POST',
		responseMode: 'onReceived',
		path: '',
		restartWebhook: true,
	},
];

/** Query parameters the node adds to the resume URL. */
const QUERY = { batch: 'kirinBatch', item: 'kirinItem', secret: 'kirinSecret' } as const;

/** The error code of the items a wait limit leaves behind. */
export const TIMEOUT_CODE = 'TIMEOUT';

/** A batch of tasks waiting for callbacks: its key and the secret its callback URLs carry. */
export interface CallbackBatch {
	key: string;
	secret: string;
}

/**
 * The batch of one node run: the key is derived from the execution, the node and the run index; the
 * secret is an HMAC of the key with the API key (`secrets.ts`), which the webhook recomputes.
 */
export function callbackBatch(
	context: IExecuteFunctions,
	runIndex: number,
	apiKey: string,
): CallbackBatch {
	const node = context.getNode();
	const key = createHash('sha256')
		.update([context.getExecutionId(), node.id ?? node.name, runIndex].join('|'))
		.digest('hex')
		.slice(0, 16);
	return { key, secret: deriveSecret(apiKey, 'callback', key) };
}

/**
 * The callback URL of one item's task: the execution's resume URL (which carries n8n's own
 * signature) plus the batch key, the item index and the batch secret.
 *
 * @param resumeUrl `$execution.resumeUrl`
 */
export function callbackUrlFor(resumeUrl: string, batch: CallbackBatch, itemIndex: number): string {
	const url = new URL(resumeUrl);
	url.searchParams.set(QUERY.batch, batch.key);
	url.searchParams.set(QUERY.item, String(itemIndex));
	url.searchParams.set(QUERY.secret, batch.secret);
	return url.toString();
}

/**
 * The item an item's task leaves if no callback completes the batch before the wait limit: an error
 * item naming the task id and how to fetch the result later.
 */
export function waitLimitItem(
	task: Task,
	itemIndex: number,
	timeoutMs: number,
): INodeExecutionData {
	return {
		json: {
			error: {
				code: TIMEOUT_CODE,
				message: `Task ${task.taskId} did not finish within ${formatDuration(timeoutMs)}`,
				description: `No callback reported the end of the task in time. Fetch its result later with the Get Task operation and task ID ${task.taskId}; that does not pay again.`,
				taskId: task.taskId,
			},
		},
		pairedItem: { item: itemIndex },
	};
}

/**
 * Puts the execution to wait for the batch's callbacks. The waiting node's input items are replaced
 * by `prepared` (one per input item, in order): the wait-limit item of each created task
 * ({@link waitLimitItem}) and the error item of each item that failed before creation. That is how
 * the batch reaches the webhook (n8n hands it the waiting node's input), and it is what n8n outputs
 * if the wait limit passes first: n8n then resumes the execution with the node's input, unchanged.
 *
 * @param prepared one item per input item
 * @param timeoutMs the wait limit in milliseconds
 * @returns the node's output for n8n to record while the execution waits
 */
export async function waitForCallbacks(
	context: IExecuteFunctions,
	prepared: INodeExecutionData[],
	timeoutMs: number,
): Promise<INodeExecutionData[][]> {
	context.getExecuteData().data = { main: [prepared] };
	await context.putExecutionToWait(new Date(Date.now() + timeoutMs));
	return [prepared];
}

/** What the node process remembers of a batch between two callbacks. */
interface BatchMemory {
	/** Items this process has had any callback for. */
	seen: Set<number>;
	finished: Map<number, Task>;
	resumed: boolean;
	touchedAt: number;
}

const MAX_BATCHES = 1000;
const BATCH_TTL_MS = 48 * 60 * 60 * 1000;
const batches = new Map<string, BatchMemory>();

/**
 * What this process has seen of a batch's callbacks. It spares status requests: a task this process
 * has had a callback for will call back again when it ends, so only tasks it has heard nothing of
 * (their callbacks went to another n8n process, or came before a restart) are asked of the API.
 * Bounded: at most 1000 batches, none older than 48 hours.
 */
function remember(key: string): BatchMemory {
	const now = Date.now();
	let memory = batches.get(key);
	if (!memory) {
		for (const [oldKey, old] of batches) {
			if (batches.size < MAX_BATCHES && now - old.touchedAt < BATCH_TTL_MS) break;
			batches.delete(oldKey);
		}
		memory = { seen: new Set(), finished: new Map(), resumed: false, touchedAt: now };
		batches.set(key, memory);
	}
	memory.touchedAt = now;
	return memory;
}

function answer(
	context: IWebhookFunctions,
	status: number,
	body: IDataObject,
): IWebhookResponseData {
	context.getResponseObject().status(status).json(body);
	return { noWebhookResponse: true };
}

/** The task id a prepared item waits for, or undefined for an item that has no task. */
function waitingTaskId(item: INodeExecutionData): string | undefined {
	const error = item.json?.error as IDataObject | undefined;
	return error?.code === TIMEOUT_CODE && typeof error.taskId === 'string'
		? error.taskId
		: undefined;
}

/**
 * Handles one callback on the resume URL. It answers 403 to a request without the batch's secret
 * (n8n itself answers 401 to one without the execution's signature), 400 to a body that is no task,
 * and 200 to everything else. It resumes the execution only when this callback reports an end status
 * and every other task of the batch has ended too (known from earlier callbacks; a task never heard
 * from is asked of the API), and only once per batch in this process; repeated, out-of-order and intermediate callbacks
 * are answered and change nothing. On resume the output has one item per input item, in order, with
 * `pairedItem`: the task's item as in poll mode (binary videos when Download Video is on), or an
 * `{error}` item for a failed task.
 *
 * It never throws: n8n would resume the execution with its data lost.
 */
export async function handleCallback(this: IWebhookFunctions): Promise<IWebhookResponseData> {
	try {
		const query = this.getQueryData() as IDataObject;
		const key = String(query[QUERY.batch] ?? '');
		const credentials = await this.getCredentials('kirinApi');
		if (
			!key ||
			!secretMatches(query[QUERY.secret], deriveSecret(String(credentials.apiKey), 'callback', key))
		) {
			return answer(this, 403, { error: 'This callback does not carry the secret of its batch' });
		}
		const task = parseTask(this.getBodyData());
		if (!task) return answer(this, 400, { error: 'The body is not a Kirin task' });

		const prepared = this.evaluateExpression(
			'{{ $input.all() }}',
			0,
		) as unknown as INodeExecutionData[];
		const itemIndex = Number(query[QUERY.item]);
		if (
			!Array.isArray(prepared) ||
			waitingTaskId(prepared[itemIndex] ?? { json: {} }) !== task.taskId
		) {
			return answer(this, 400, { error: `Task ${task.taskId} is not part of this batch` });
		}
		const memory = remember(key);
		memory.seen.add(itemIndex);
		if (!isFinished(task)) return { webhookResponse: { received: true, resumed: false } };
		memory.finished.set(itemIndex, task);
		if (memory.resumed) return { webhookResponse: { received: true, resumed: false } };

		const options = this.getNodeParameter('options', {}) as IDataObject;
		const settings = runSettingsFrom(options);
		const transport = new KirinTransport(this, settings.retry);
		for (const [index, item] of prepared.entries()) {
			const taskId = waitingTaskId(item);
			if (taskId === undefined || memory.finished.has(index)) continue;
			// A task heard from before will call back when it ends; one never heard from is asked once.
			if (memory.seen.has(index)) return { webhookResponse: { received: true, resumed: false } };
			const current = await transport.getTask(taskId);
			memory.seen.add(index);
			if (!isFinished(current)) return { webhookResponse: { received: true, resumed: false } };
			memory.finished.set(index, current);
		}
		if (memory.resumed) return { webhookResponse: { received: true, resumed: false } };
		memory.resumed = true;

		const download = Boolean(this.getNodeParameter('downloadVideo', false));
		const output: INodeExecutionData[] = [];
		for (const [index, item] of prepared.entries()) {
			const finished = memory.finished.get(index);
			if (!finished || waitingTaskId(item) === undefined) {
				output.push({ json: item.json, pairedItem: { item: index } });
			} else if (finished.status === 'failed') {
				const error = taskFailedError(this.getNode(), finished, index);
				output.push({ json: errorToJson(error, finished.taskId), pairedItem: { item: index } });
			} else {
				const result: INodeExecutionData = {
					json: taskToJson(finished),
					pairedItem: { item: index },
				};
				if (download) {
					try {
						result.binary = await downloadVideos(
							this,
							finished,
							settings.binaryPropertyOutput,
							index,
							undefined,
							settings.retry,
						);
					} catch (error) {
						result.json = { ...result.json, ...errorToJson(error, finished.taskId) };
					}
				}
				output.push(result);
			}
		}
		return { workflowData: [output], webhookResponse: { received: true, resumed: true } };
	} catch (error) {
		return answer(this, 500, {
			error: (error as Error)?.message ?? 'Callback could not be handled',
		});
	}
}
