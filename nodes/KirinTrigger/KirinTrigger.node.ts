import {
	NodeConnectionTypes,
	type IDataObject,
	type IHookFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
	type IWebhookFunctions,
	type IWebhookResponseData,
} from 'n8n-workflow';

import { taskToJson } from '../Kirin/output';
import { deriveSecret, secretMatches } from '../Kirin/secrets';
import { parseTask, type Task } from '../Kirin/task';
import { downloadVideos } from '../Kirin/transport/download';

/** How many recent task/status pairs the trigger remembers to drop repeated callbacks. */
const DEDUP_MEMORY = 500;

type TriggerEvent = 'completed' | 'failed' | 'statusChange';

function wanted(task: Task, events: TriggerEvent[]): boolean {
	if (events.includes('statusChange')) return true;
	if (task.status === 'completed') return events.includes('completed');
	if (task.status === 'failed') return events.includes('failed');
	return false;
}

function reply(
	context: IWebhookFunctions,
	status: number,
	body: IDataObject,
): IWebhookResponseData {
	context.getResponseObject().status(status).json(body);
	return { noWebhookResponse: true };
}

/**
 * Kirin Trigger: starts a workflow when Kirin calls back about a task. The user pastes the trigger's
 * Production URL as the Kirin node's Callback URL (Generate Video with Completion "Don't Wait"); the
 * API then POSTs the task at every status change (`kirin-api.md`, "Callbacks": at least once,
 * possibly repeated and out of order, unsigned). The trigger checks a secret in the URL's query
 * (`?secret=`), filters by event, drops repeats of the same task and status (the last 500 pairs, in
 * the workflow's static data), and emits the same item as the Kirin node.
 */
export class KirinTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Kirin Trigger',
		name: 'kirinTrigger',
		icon: { light: 'file:../../icons/kirin.svg', dark: 'file:../../icons/kirin.dark.svg' },
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
			{
				displayName: 'Download Video',
				name: 'downloadVideo',
				type: 'boolean',
				default: false,
				description:
					'Whether to download the videos of a completed task into the item as binary data. Defaults to off.',
			},
			{
				displayName: 'Put Output File in Field',
				name: 'binaryPropertyOutput',
				type: 'string',
				default: 'data',
				hint: 'The name of the output binary field to put the video in',
				description:
					'The binary property that receives the video (data, data_1... for several). Defaults to data.',
				displayOptions: { show: { downloadVideo: [true] } },
			},
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

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
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
		if (!secretMatches(query.secret, expected)) {
			return reply(this, 401, { error: 'Missing or wrong secret' });
		}
		const task = parseTask(this.getBodyData());
		if (!task) return reply(this, 400, { error: 'The body is not a Kirin task' });

		const events = this.getNodeParameter('events', ['completed']) as TriggerEvent[];
		if (!wanted(task, events)) return { webhookResponse: { received: true, started: false } };

		const staticData = this.getWorkflowStaticData('node');
		const seen = Array.isArray(staticData.seen) ? (staticData.seen as string[]) : [];
		const key = `${task.taskId}:${task.status}`;
		if (seen.includes(key))
			return { webhookResponse: { received: true, started: false, duplicate: true } };

		const item: INodeExecutionData = { json: taskToJson(task) };
		if (task.status === 'completed' && this.getNodeParameter('downloadVideo', false)) {
			const property = String(this.getNodeParameter('binaryPropertyOutput', 'data') || 'data');
			try {
				item.binary = await downloadVideos(this, task, property, 0);
			} catch (error) {
				// Not remembered as seen: the API retries the callback, and the next try downloads again.
				return reply(this, 502, { error: (error as Error).message });
			}
		}
		staticData.seen = [...seen, key].slice(-DEDUP_MEMORY);
		return { workflowData: [[item]] };
	}
}
