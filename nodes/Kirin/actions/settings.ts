import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { DEFAULT_RETRY_POLICY, type RetryPolicy } from '../transport/retry';

/**
 * The Options collection fields shared by Generate Video and Get Task, and the run settings read
 * from them. Times are shown to users in seconds or minutes and used in milliseconds.
 */

/** Run settings for one execution of the node. */
export interface RunSettings {
	/** Time between two status requests for one task, in milliseconds. Default 10 s. */
	pollIntervalMs: number;
	/** The longest wait for a task, from its creation, in milliseconds. Default 15 min. */
	timeoutMs: number;
	/** The most tasks created or polled at once. Default 10. */
	maxConcurrency: number;
	/** Retry limits for every API request. */
	retry: RetryPolicy;
	/** The binary property that receives a downloaded video. Default `data`. */
	binaryPropertyOutput: string;
}

const DEFAULT_MAX_RETRIES = DEFAULT_RETRY_POLICY.maxRetries;
const DEFAULT_RETRY_DELAY_S = DEFAULT_RETRY_POLICY.baseDelayMs / 1000;
const DEFAULT_REQUEST_TIMEOUT_S = DEFAULT_RETRY_POLICY.requestTimeoutMs / 1000;

/** Options that tune waiting and retrying, for both operations. */
export const runOptionFields: INodeProperties[] = [
	{
		displayName: 'Poll Interval (Seconds)',
		name: 'pollInterval',
		type: 'number',
		typeOptions: { minValue: 0.01, numberPrecision: 2 },
		default: 10,
		description: 'How long to wait between two status checks of a task. Defaults to 10 seconds.',
	},
	{
		displayName: 'Timeout (Minutes)',
		name: 'timeout',
		type: 'number',
		typeOptions: { minValue: 0.001, numberPrecision: 3 },
		default: 15,
		description:
			'The longest wait for a video, counted from its creation. After it the item fails with the task ID, which Get Task can fetch later without paying again. Defaults to 15 minutes.',
	},
	{
		displayName: 'Max Concurrency',
		name: 'maxConcurrency',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: 100 },
		default: 10,
		description:
			'The most tasks created or checked at the same time. The API answers its own limits with "429 Too Many Requests", which the node waits out. Defaults to 10.',
	},
	{
		displayName: 'Max Retries',
		name: 'maxRetries',
		type: 'number',
		typeOptions: { minValue: 0, maxValue: 20 },
		default: DEFAULT_MAX_RETRIES,
		description:
			'How often one request is retried after a rate limit (429), a server error (5xx) or a network failure. Invalid input and authentication errors are never retried. Defaults to 5.',
	},
	{
		displayName: 'Retry Delay (Seconds)',
		name: 'retryDelay',
		type: 'number',
		typeOptions: { minValue: 0, numberPrecision: 3 },
		default: DEFAULT_RETRY_DELAY_S,
		description:
			'The wait before the first retry; each further retry waits about twice as long, up to 30 seconds. Defaults to 1 second.',
	},
	{
		displayName: 'Request Timeout (Seconds)',
		name: 'requestTimeout',
		type: 'number',
		typeOptions: { minValue: 0.01, numberPrecision: 2 },
		default: DEFAULT_REQUEST_TIMEOUT_S,
		description:
			'How long one API request may take before it counts as failed and is retried. Defaults to 60 seconds.',
	},
];

/** The output binary field option, shown when videos are downloaded. */
export const binaryOutputField: INodeProperties = {
	displayName: 'Put Output File in Field',
	name: 'binaryPropertyOutput',
	type: 'string',
	default: 'data',
	hint: 'The name of the output binary field to put the video in',
	description:
		'The binary property that receives the video. A task with several videos fills data, data_1, data_2 and so on. Defaults to data.',
};

function positive(value: unknown, fallback: number): number {
	const parsed = Number(value);
	return Number.isFinite(parsed) && parsed >= 0 ? parsed : fallback;
}

/**
 * Reads the Options collection of an item.
 *
 * @param context the node's execute context
 * @param itemIndex the item whose options apply (batch settings use item 0)
 * @returns the settings in milliseconds
 */
export function readRunSettings(context: IExecuteFunctions, itemIndex: number): RunSettings {
	return runSettingsFrom(context.getNodeParameter('options', itemIndex, {}) as IDataObject);
}

/**
 * Turns an Options collection value into run settings; missing or invalid values take the defaults.
 *
 * @param options the `options` parameter as n8n resolved it
 * @returns the settings in milliseconds
 */
export function runSettingsFrom(options: IDataObject): RunSettings {
	return {
		pollIntervalMs: positive(options.pollInterval, 10) * 1000,
		timeoutMs: positive(options.timeout, 15) * 60_000,
		maxConcurrency: Math.max(1, Math.floor(positive(options.maxConcurrency, 10))),
		retry: {
			...DEFAULT_RETRY_POLICY,
			maxRetries: Math.floor(positive(options.maxRetries, DEFAULT_RETRY_POLICY.maxRetries)),
			baseDelayMs: positive(options.retryDelay, DEFAULT_RETRY_POLICY.baseDelayMs / 1000) * 1000,
			requestTimeoutMs:
				positive(options.requestTimeout, DEFAULT_RETRY_POLICY.requestTimeoutMs / 1000) * 1000,
		},
		binaryPropertyOutput: String(options.binaryPropertyOutput || 'data'),
	};
}
