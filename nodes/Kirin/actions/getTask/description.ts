import type { INodeProperties } from 'n8n-workflow';

import { downloadVideoField, optionsCollection } from '../../../shared/fields';
import { runOptionFields } from '../../settings';

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
	{ ...downloadVideoField('the videos of a completed task'), displayOptions: { show } },
	optionsCollection(show, [
		...runOptionFields.filter((field) =>
			['maxRetries', 'retryDelay', 'requestTimeout'].includes(field.name),
		),
	]),
];
