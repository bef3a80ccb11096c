import type { INodeProperties } from 'n8n-workflow';

import { downloadVideoField, optionsCollection } from '../../../shared/fields';
import { modelField, modelParameterFields } from '../../catalog/fields';
import { runOptionFields } from '../../settings';

const show = { operation: ['generate'] };

/** The fields of Generate Video: model, the model's parameters, completion, download, options. */
export const description: INodeProperties[] = [
	modelField(),
	...modelParameterFields(),
	{
		displayName: 'Completion',
		name: 'completion',
		type: 'options',
		default: 'poll',
		description: 'How the node learns that the videos are ready',
		options: [
			{
				name: 'Wait and Poll',
				value: 'poll',
				description: 'Check each task every poll interval and output the finished videos',
			},
			{
				name: 'Wait for Callback',
				value: 'callback',
				description:
					"Pause the execution until Kirin calls back that every video is done; frees n8n while waiting. Kirin must reach this n8n's public URL (WEBHOOK_URL). In an active workflow the callbacks go to this node's own webhook, which keeps large batches cheap.",
			},
			{
				name: "Don't Wait",
				value: 'none',
				description:
					'Output each created task at once (task ID, status). Use a Callback URL, e.g. a Kirin Trigger, to get the results elsewhere.',
			},
		],
		displayOptions: { show },
	},
	{
		...downloadVideoField('each finished video'),
		displayOptions: { show: { ...show, completion: ['poll', 'callback'] } },
	},
	optionsCollection(show, [
		{
			displayName: 'Callback URL',
			name: 'callbackUrl',
			type: 'string',
			default: '',
			placeholder: 'https://your-n8n.example.com/webhook/...',
			description:
				"An address the API calls (POST) each time a task changes status, e.g. a Kirin Trigger node's Production URL (the node adds the trigger's secret itself when the URL is on this n8n). Not used with Wait for Callback.",
			displayOptions: { hide: { '/completion': ['callback'] } },
		},
		{
			displayName: 'External Task ID',
			name: 'externalTaskId',
			type: 'string',
			default: '',
			description:
				'Your own ID for the task, unique in your account; Get Task can look the task up by it. By default the node derives one from the execution, so a retried item reuses its task instead of paying again.',
		},
		{
			displayName: 'When External Task ID Is Taken',
			name: 'onTakenExternalTaskId',
			type: 'options',
			default: 'error',
			options: [
				{
					name: 'Fail the Item',
					value: 'error',
					description: 'The item fails naming the existing task; nothing new is created or paid',
				},
				{
					name: 'Return the Existing Task',
					value: 'adopt',
					description:
						'The item gets the existing task, marked existingTask: true, whatever request it was made from',
				},
			],
			description:
				'What happens when your External Task ID already names a task that this node did not create from the same request, e.g. one from an earlier execution. Kirin keeps one task per ID and cannot tell which request made it. Defaults to failing the item.',
		},
		{
			displayName: 'Reuse Tasks Created for the Same Input in the Last (Hours)',
			name: 'reuseWithinHours',
			type: 'number',
			typeOptions: { minValue: 0, numberPrecision: 2 },
			default: 0,
			description:
				'When above 0, an item whose inputs (model, prompt, every parameter, item position) match a task this node created within that many hours gets that task back instead of a new paid one, e.g. when re-running an execution that crashed. Failed tasks are not reused. Defaults to 0 (off): every execution generates new videos, even for the same prompt.',
		},
		...runOptionFields,
	]),
];
