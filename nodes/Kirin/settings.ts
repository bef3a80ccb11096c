import {
	NodeOperationError,
	type IDataObject,
	type INode,
	type INodeProperties,
} from 'n8n-workflow';

import type { DownloadSettings } from '../shared/transport/download';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from '../shared/transport/retry';

/**
 * The Options collection fields that tune waiting and retrying, and the run settings read from
 * them. Times are shown to users in seconds or minutes and used in milliseconds. Values from
 * expressions are parsed strictly and clamped to the fields' ranges.
 */

/** Run settings for one execution of the node. */
export interface RunSettings {
	/** Time between two status requests for one task, in milliseconds. Default 10 s. */
	pollIntervalMs: number;
	/** The longest wait for a task, from its creation, in milliseconds. Default 15 min. */
	timeoutMs: number;
	/** The most requests in flight at once (creates or status checks). Default 10. */
	maxConcurrency: number;
	/** Retry limits for every API request. */
	retry: RetryPolicy;
	/** The binary property that receives a downloaded video. Default `data`. */
	binaryPropertyOutput: string;
	/** How downloads behave (retries, private addresses). */
	download: DownloadSettings;
}

/** One numeric option: its name, label, range (in the field's unit) and default. */
interface NumericOption {
	name: string;
	displayName: string;
	min: number;
	max: number;
	default: number;
	precision?: number;
	description: string;
}

const NUMERIC: NumericOption[] = [
	{
		name: 'pollInterval',
		displayName: 'Poll Interval (Seconds)',
		min: 0.01,
		max: 3600,
		default: 10,
		precision: 2,
		description:
			'How long to wait between two status checks of a task, 0.01 to 3600. Defaults to 10 seconds.',
	},
	{
		name: 'timeout',
		displayName: 'Timeout (Minutes)',
		min: 0.001,
		max: 10080,
		default: 15,
		precision: 3,
		description:
			'The longest wait for a video, counted from its creation. After it the item fails with the task ID, which Get Task can fetch later without paying again. Defaults to 15 minutes.',
	},
	{
		name: 'maxConcurrency',
		displayName: 'Max Concurrency',
		min: 1,
		max: 100,
		default: 10,
		description:
			'The most requests to the API at the same time (creating tasks or checking them), 1 to 100. The API answers its own limits with "429 Too Many Requests", which the node waits out. Defaults to 10.',
	},
	{
		name: 'maxRetries',
		displayName: 'Max Retries',
		min: 0,
		max: 20,
		default: DEFAULT_RETRY_POLICY.maxRetries,
		description:
			'How often one request is retried after a rate limit (429), a server error (5xx) or a network failure, 0 to 20. Invalid input and authentication errors are never retried. Defaults to 5.',
	},
	{
		name: 'retryDelay',
		displayName: 'Retry Delay (Seconds)',
		min: 0.01,
		max: 300,
		default: DEFAULT_RETRY_POLICY.baseDelayMs / 1000,
		precision: 3,
		description:
			'The wait before the first retry; each further retry waits about twice as long, up to 30 seconds. Defaults to 1 second.',
	},
	{
		name: 'requestTimeout',
		displayName: 'Request Timeout (Seconds)',
		min: 0.01,
		max: 3600,
		default: DEFAULT_RETRY_POLICY.requestTimeoutMs / 1000,
		precision: 2,
		description:
			'How long one API request may take before it counts as failed and is retried. Defaults to 60 seconds.',
	},
];

/** The option fields by name, for the operations to pick from. */
export const runOptionFields: INodeProperties[] = NUMERIC.map((option) => {
	const defaultValue = option.default;
	return {
		displayName: option.displayName,
		name: option.name,
		type: 'number',
		typeOptions: {
			minValue: option.min,
			maxValue: option.max,
			...(option.precision ? { numberPrecision: option.precision } : {}),
		},
		default: defaultValue,
		description: option.description,
	};
});

/**
 * Reads one numeric option strictly (numbers, or decimal text) and clamps it to the field's range.
 *
 * @throws NodeOperationError naming the option for a value that is no number
 */
function numeric(node: INode | undefined, options: IDataObject, name: string): number {
	const option = NUMERIC.find((entry) => entry.name === name)!;
	const raw = options[name];
	if (raw === undefined || raw === null || raw === '') return option.default;
	const parsed =
		typeof raw === 'number'
			? raw
			: typeof raw === 'string' && /^\s*[-+]?(\d+\.?\d*|\.\d+)\s*$/.test(raw)
				? Number(raw)
				: Number.NaN;
	if (!Number.isFinite(parsed)) {
		const message = `Options > ${option.displayName} must be a number from ${option.min} to ${option.max}; got "${String(raw)}"`;
		if (node) throw new NodeOperationError(node, message);
		return option.default;
	}
	return Math.min(option.max, Math.max(option.min, parsed));
}

/**
 * Turns an Options collection value into run settings. Missing values take the defaults;
 * out-of-range values are clamped to the field's range (a poll interval of 0 becomes 0.01 s).
 *
 * @param options the `options` parameter as n8n resolved it
 * @param node the node, for the error; without it a value that is no number takes the default
 * @returns the settings in milliseconds
 * @throws NodeOperationError naming the option when a value is no number
 */
export function runSettingsFrom(options: IDataObject, node?: INode): RunSettings {
	const get = (name: string) => numeric(node, options, name);
	const retry: RetryPolicy = {
		...DEFAULT_RETRY_POLICY,
		maxRetries: Math.floor(get('maxRetries')),
		baseDelayMs: get('retryDelay') * 1000,
		requestTimeoutMs: get('requestTimeout') * 1000,
	};
	return {
		pollIntervalMs: get('pollInterval') * 1000,
		timeoutMs: get('timeout') * 60_000,
		maxConcurrency: Math.floor(get('maxConcurrency')),
		retry,
		binaryPropertyOutput: String(options.binaryPropertyOutput || 'data'),
		download: { retry, allowPrivateAddresses: options.allowPrivateDownloads === true },
	};
}
