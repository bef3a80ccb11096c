import {
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeProperties,
} from 'n8n-workflow';

import { taskToJson } from '../output';
import { KirinTransport } from '../transport';
import { downloadVideos } from '../transport/download';
import { binaryOutputField, readRunSettings, runOptionFields } from './settings';

const show = { operation: ['getTask'] };

/** The fields of Get Task: how to look the task up, the id, download, options. */
export const description: INodeProperties[] = [
	{
		displayName: 'Look Up By',
		name: 'lookupBy',
		type: 'options',
		default: 'taskId',
		description: 'Which ID identifies the task',
		options: [
			{ name: 'Task ID', value: 'taskId', description: 'The ID Kirin gave the task' },
			{
				name: 'External Task ID',
				value: 'externalTaskId',
				description: 'Your own ID, set when the task was created',
			},
		],
		displayOptions: { show },
	},
	{
		displayName: 'Task ID',
		name: 'taskId',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'e.g. tsk_8f2c1d',
		description: 'The ID Kirin gave the task, e.g. from a Generate Video output or error',
		displayOptions: { show: { ...show, lookupBy: ['taskId'] } },
	},
	{
		displayName: 'External Task ID',
		name: 'externalTaskId',
		type: 'string',
		default: '',
		required: true,
		description: 'The external task ID the task was created with',
		displayOptions: { show: { ...show, lookupBy: ['externalTaskId'] } },
	},
	{
		displayName: 'Download Video',
		name: 'downloadVideo',
		type: 'boolean',
		default: false,
		description:
			'Whether to download the videos of a completed task into the output item as binary data. Defaults to off.',
		displayOptions: { show },
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: { show },
		options: [
			{ ...binaryOutputField, displayOptions: { show: { '/downloadVideo': [true] } } },
			...runOptionFields.filter((field) =>
				['maxRetries', 'retryDelay', 'requestTimeout'].includes(field.name),
			),
		],
	},
];

/**
 * Get Task for one item: fetches the task by its Kirin id or by its external id, as it is now
 * (any status), costing nothing. Completed tasks can also be downloaded.
 *
 * @returns the output item (`taskToJson`), with binary videos when Download Video is on
 * @throws NodeOperationError when the id is empty or no task has that external id; NodeApiError for
 *   API failures (404 for an unknown task id)
 */
export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
): Promise<INodeExecutionData> {
	const settings = readRunSettings(this, itemIndex);
	const signal = this.getExecutionCancelSignal();
	const transport = new KirinTransport(this, settings.retry, signal);
	const lookupBy = this.getNodeParameter('lookupBy', itemIndex) as string;
	const raw = this.getNodeParameter(lookupBy, itemIndex, '') as unknown;
	const id = raw === undefined || raw === null ? '' : String(raw).trim();
	if (!id) {
		throw new NodeOperationError(
			this.getNode(),
			`${lookupBy === 'taskId' ? 'Task ID' : 'External Task ID'} is empty [item ${itemIndex}]`,
			{ itemIndex },
		);
	}
	const task =
		lookupBy === 'taskId'
			? await transport.getTask(id, itemIndex)
			: await transport.findTask(id, itemIndex);
	if (!task) {
		throw new NodeOperationError(this.getNode(), `No Kirin task has the external task ID "${id}"`, {
			description: 'Check the ID: it must match the external_task_id the task was created with.',
			itemIndex,
		});
	}
	const json: IDataObject = taskToJson(task);
	const item: INodeExecutionData = { json, pairedItem: { item: itemIndex } };
	if (task.status === 'completed' && this.getNodeParameter('downloadVideo', itemIndex, false)) {
		item.binary = await downloadVideos(
			this,
			task,
			settings.binaryPropertyOutput,
			itemIndex,
			signal,
			settings.retry,
		);
	}
	return item;
}
