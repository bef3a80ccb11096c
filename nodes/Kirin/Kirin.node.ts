import {
	NodeConnectionTypes,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
	type IWebhookFunctions,
	type IWebhookResponseData,
} from 'n8n-workflow';

import { CALLBACK_WEBHOOKS, handleCallback } from './completion/resume';

import * as generate from './actions/generate.operation';
import * as getTask from './actions/getTask.operation';
import { route } from './actions/router';

/**
 * The Kirin node: Generate Video (every model of the provider pages, with each page's fields,
 * defaults and rules) and Get Task. The description is assembled from the operations, whose
 * model-specific fields come from the catalog (`catalog/models.ts`).
 */
export class Kirin implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Kirin',
		name: 'kirin',
		icon: { light: 'file:../../icons/kirin.svg', dark: 'file:../../icons/kirin.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle:
			'={{ $parameter["operation"] === "getTask" ? "Get Task" : "Generate Video: " + $parameter["model"] }}',
		description: 'Generate videos from text or images with the Kirin video API',
		defaults: { name: 'Kirin' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'kirinApi', required: true }],
		webhooks: CALLBACK_WEBHOOKS,
		properties: [
			{
				displayName: 'Operation',
				name: 'operation',
				type: 'options',
				noDataExpression: true,
				default: 'generate',
				options: [
					{
						name: 'Generate Video',
						value: 'generate',
						action: 'Generate a video',
						description: 'Create a video from a prompt or an image and wait for it',
					},
					{
						name: 'Get Task',
						value: 'getTask',
						action: 'Get a video task',
						description:
							'Fetch a task by its ID, e.g. to pick up a video later without paying again',
					},
				],
			},
			...generate.description,
			...getTask.description,
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await route.call(this);
	}

	/** Receives the callbacks of Generate Video with Completion "Wait for Callback". */
	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		return await handleCallback.call(this);
	}
}
