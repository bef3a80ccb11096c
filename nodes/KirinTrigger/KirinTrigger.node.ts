import { NodeConnectionTypes } from 'n8n-workflow';
import type { IDataObject, IHookFunctions, INodeExecutionData, INodeType } from 'n8n-workflow';
import type { INodeTypeDescription, IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';

import {
	allowPrivateDownloadsField,
	binaryOutputField,
	downloadVideoField,
	KIRIN_ICON,
} from '../shared/fields';
import { taskItem, taskToJson } from '../shared/items';
import { errorToJson } from '../shared/taskErrors';
import { deriveSecret, secretMatches } from '../shared/secrets';
import { isFinished, parseTask, type Task } from '../shared/task';
import { KirinApi } from '../shared/transport/api';
import { DEFAULT_RETRY_POLICY } from '../shared/transport/retry';
import { replyWith } from '../shared/webhookReply';

/** How many recent task/status pairs the trigger remembers to drop repeated callbacks. */
const DEDUP_MEMORY = 500;

type TriggerEvent = 'completed' | 'failed' | 'statusChange';

function wanted(task: Task, events: TriggerEvent[]): boolean {
	if (events.includes('statusChange')) return true;
	if (task.status === 'completed') return events.includes('completed');
	if (task.status === 'failed') return events.includes('failed');
	return false;
}

/** Task/status pairs this process has claimed, so that two deliveries racing here start one run. */
const claimed = new Map<string, number>();
const CLAIM_MEMORY = 10_000;

/** Gives a claim back, when the task/status turned out not to be confirmed by the API. */
function release(key: string, staticData: IDataObject): void {
	claimed.delete(key);
	const seen = Array.isArray(staticData.seen) ? (staticData.seen as string[]) : [];
	staticData.seen = seen.filter((entry) => entry !== key);
}

/**
 * Claims a task/status for this trigger before anything slow happens: in this process's memory
 * (immediately, so a repeat arriving a moment later sees it) and in the workflow's static data
 * (saved by n8n after the call, for other processes and restarts).
 *
 * @returns false when the pair was claimed before
 */
function claim(key: string, staticData: IDataObject): boolean {
	const seen = Array.isArray(staticData.seen) ? (staticData.seen as string[]) : [];
	if (claimed.has(key) || seen.includes(key)) return false;
	claimed.set(key, Date.now());
	if (claimed.size > CLAIM_MEMORY) claimed.delete(claimed.keys().next().value as string);
	staticData.seen = [...seen, key].slice(-DEDUP_MEMORY);
	return true;
}

/**
 * Kirin Trigger: starts a workflow when Kirin calls back about a task. The user pastes the trigger's
 * Production URL as the Kirin node's Callback URL (Generate Video with Completion "Don't Wait"); the
 * API then POSTs the task at every status change (its callbacks are delivered at least once,
 * possibly repeated and out of order, unsigned). The trigger checks a secret in the URL's query
 * (`?secret=`), filters by event, drops repeats of the same task and status (the last 500 pairs, in
 * the workflow's static data), and emits the same item as the Kirin node.
 */
export class KirinTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Kirin Trigger',
		name: 'kirinTrigger',
		icon: KIRIN_ICON,
		group: ['trigger'],
		version: 1,
		subtitle: '={{ "On " + ($parameter["events"] || []).join(", ") }}',
		description: 'Starts the workflow when a Kirin video task finishes or changes status',
		defaults: { name: 'Kirin Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'kirinApi', required: true }],
		webhooks: [
			{
				name: 'default',
				httpMethod: 'POST',
				responseMode: 'onReceived',
				path: 'callback',
			},
		],
		properties: [
			{
				displayName:
					'Paste this node\'s Production URL (under Webhook URLs above) into the Kirin node: Generate Video > Options > Callback URL, with Completion "Don\'t Wait". When both nodes use the same Kirin credential, the Kirin node adds the secret to the URL itself. Any other sender must add ?secret= followed by the Secret below.',
				name: 'notice',
				type: 'notice',
				default: '',
			},
			{
				displayName: 'Events',
				name: 'events',
				type: 'multiOptions',
				default: ['completed'],
				description: 'Which task updates start the workflow. Defaults to completed tasks only.',
				options: [
					{ name: 'Task Completed', value: 'completed', description: 'The video is ready' },
					{
						name: 'Task Failed',
						value: 'failed',
						description: 'The task ended with an error code',
					},
					{
						name: 'Every Status Change',
						value: 'statusChange',
						description: 'Pending, processing, completed and failed',
					},
				],
			},
			{
				displayName: 'Secret',
				name: 'secret',
				type: 'string',
				typeOptions: { password: true },
				default: '',
				description:
					'The value callers must send as ?secret= in the URL. Leave empty to use the secret derived from the Kirin credential, which the Kirin node adds to the Callback URL by itself.',
			},
			downloadVideoField('the videos of a completed task'),
			{ ...binaryOutputField, displayOptions: { show: { downloadVideo: [true] } } },
			{ ...allowPrivateDownloadsField, displayOptions: { show: { downloadVideo: [true] } } },
		],
	};

	webhookMethods = {
		default: {
			// Nothing is registered with the API: the user pastes the URL into the Kirin node.
			async checkExists(this: IHookFunctions): Promise<boolean> {
				return true;
			},
			async create(this: IHookFunctions): Promise<boolean> {
				return true;
			},
			async delete(this: IHookFunctions): Promise<boolean> {
				return true;
			},
		},
	};

	/**
	 * One callback: checks the secret (401), reads the body (400), filters by event, claims the task
	 * and status (a repeat is answered and starts nothing), confirms the task with the API (the body
	 * is a hint: the item is the API's view), answers the caller, then downloads the videos when
	 * asked and starts one execution.
	 */
	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		const reply = replyWith(this);
		const configured = String(this.getNodeParameter('secret', '') ?? '');
		let expected = configured;
		if (!expected) {
			const credentials = await this.getCredentials('kirinApi');
			expected = deriveSecret(
				String(credentials.apiKey),
				'trigger',
				this.getNode().webhookId ?? '',
			);
		}
		const query = this.getQueryData() as IDataObject;
		if (!secretMatches(query.secret, expected))
			return reply(401, { error: 'Missing or wrong secret' });
		const hint = parseTask(this.getBodyData());
		if (!hint) return reply(400, { error: 'The body is not a Kirin task' });

		const events = this.getNodeParameter('events', ['completed']) as TriggerEvent[];
		if (!wanted(hint, events)) return { webhookResponse: { received: true, started: false } };
		const workflow = this.getWorkflow();
		const staticData = this.getWorkflowStaticData('node');
		const claimKey = `${workflow.id ?? ''}|${this.getNode().id ?? ''}|${hint.taskId}:${hint.status}`;
		if (!claim(claimKey, staticData)) {
			return { webhookResponse: { received: true, started: false, duplicate: true } };
		}
		let task: Task;
		try {
			task = await new KirinApi(this, { ...DEFAULT_RETRY_POLICY, maxRetries: 2 }).getTask(
				hint.taskId,
			);
		} catch {
			release(claimKey, staticData);
			return reply(404, { error: `The API does not know task ${hint.taskId}` });
		}
		if (isFinished(hint) && task.status !== hint.status) {
			// An end the API does not confirm (forged, or not yet visible): nothing starts.
			release(claimKey, staticData);
			return reply(409, { error: `The API reports task ${task.taskId} as ${task.rawStatus}` });
		}
		if (!isFinished(hint)) {
			// An intermediate status is the event itself: the API confirmed the task exists, and
			// the item carries no result until the task ends.
			task = {
				...task,
				status: hint.status,
				rawStatus: hint.rawStatus,
				contents: [],
				costUsd: undefined,
			};
		}
		this.getResponseObject().status(200).json({ received: true, started: true });
		const output = {
			download: Boolean(this.getNodeParameter('downloadVideo', false)),
			binaryPropertyOutput: String(this.getNodeParameter('binaryPropertyOutput', 'data') || 'data'),
			downloadSettings: {
				retry: DEFAULT_RETRY_POLICY,
				allowPrivateAddresses: this.getNodeParameter('allowPrivateDownloads', false) === true,
			},
		};
		let item: INodeExecutionData;
		try {
			item = await taskItem(this, task, 0, output);
		} catch (error) {
			// The run starts anyway, with the reason: the video was paid for and Get Task fetches it.
			item = { json: { ...taskToJson(task), ...errorToJson(error, task.taskId) } };
		}
		delete item.pairedItem;
		return { workflowData: [[item]], noWebhookResponse: true };
	}
}
