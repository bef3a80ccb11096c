import { NodeConnectionTypes } from 'n8n-workflow';
import type { IExecuteFunctions, INodeExecutionData, INodeType } from 'n8n-workflow';
import type { INodeTypeDescription, IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';

import { KIRIN_ICON } from '../shared/fields';
import { description as generateFields } from './actions/generate/description';
import { description as getTaskFields } from './actions/getTask/description';
import { route } from './actions/router';
import { CALLBACK_WEBHOOKS } from './completion/callback';
import { handleLiveCallback, handleResumeRequest } from './completion/callback/receive';

/**
 * The Kirin node: Generate Video (every model of the provider pages, with each page's fields,
 * defaults and rules) and Get Task. The description is assembled from the operations, whose
 * model-specific fields come from the catalog (`catalog/`).
 */
export class Kirin implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Kirin',
		name: 'kirin',
		icon: KIRIN_ICON,
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
			...generateFields,
			...getTaskFields,
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await route.call(this);
	}

	/**
	 * Receives the callbacks of Generate Video with Completion "Wait for Callback": on the live
	 * callback webhook (`setup`, published workflows) or on the waiting execution's resume URL.
	 */
	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		if (this.getWebhookName() === 'setup') return await handleLiveCallback.call(this);
		return await handleResumeRequest.call(this);
	}
}
