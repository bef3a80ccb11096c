import { createHash } from 'crypto';
import {
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeProperties,
} from 'n8n-workflow';

import { buildRequestBody } from '../catalog/body';
import { modelField, modelParameterFields } from '../catalog/fields';
import { findModel } from '../catalog/models';
import { checkInput, InputRuleError } from '../catalog/validate';
import { mapLimited } from '../concurrency';
import { pollTasks, type PollOutcome, type PollTarget } from '../completion/poll';
import {
	callbackBatch,
	callbackUrlFor,
	waitForCallbacks,
	waitLimitItem,
} from '../completion/resume';
import { errorToJson, taskFailedError, taskTimeoutError, taskToJson } from '../output';
import { deriveSecret, webhookIdOf } from '../secrets';
import { isFinished, type Task } from '../task';
import { KirinTransport } from '../transport';
import { downloadVideos } from '../transport/download';
import { readGenerateInput } from './readInput';
import { binaryOutputField, readRunSettings, runOptionFields, type RunSettings } from './settings';

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
					"Pause the execution until Kirin calls back that every video is done; frees n8n while waiting. Kirin must reach this n8n's public URL (WEBHOOK_URL).",
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
		displayName: 'Download Video',
		name: 'downloadVideo',
		type: 'boolean',
		default: false,
		description:
			'Whether to download each finished video into the output item as binary data, for uploading elsewhere. Video URLs expire; the files do not. Defaults to off.',
		displayOptions: { show: { ...show, completion: ['poll', 'callback'] } },
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: { show },
		options: [
			{
				...binaryOutputField,
				displayOptions: { show: { '/downloadVideo': [true] } },
			},
			{
				displayName: 'Callback URL',
				name: 'callbackUrl',
				type: 'string',
				default: '',
				placeholder: 'https://your-n8n.example.com/webhook/...',
				description:
					"An address the API calls (POST) each time a task changes status, e.g. a Kirin Trigger node's Production URL (the node adds the trigger's secret itself). Not used with Wait for Callback.",
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
				displayName: 'Reuse Tasks Created for the Same Input in the Last (Hours)',
				name: 'reuseWithinHours',
				type: 'number',
				typeOptions: { minValue: 0, numberPrecision: 2 },
				default: 0,
				description:
					'When above 0, an item whose inputs (model, prompt, every parameter, item position) match a task this node created within that many hours gets that task back instead of a new paid one, e.g. when re-running an execution that crashed. Failed tasks are not reused. Defaults to 0 (off): every execution generates new videos, even for the same prompt.',
			},
			...runOptionFields,
		],
	},
];

/** A task to create for one item. */
interface Planned {
	itemIndex: number;
	body: IDataObject;
	externalTaskId: string;
	/** Whether the node derived the external task id (the user set none). */
	derivedId: boolean;
	/** With the reuse option: ids of earlier tasks to adopt, and how old they may be (ms). */
	reuse?: { candidates: string[]; windowMs: number };
}

/** A created (or adopted) task of one item. */
interface Created extends Planned {
	task: Task;
	startedAt: number;
}

function shortHash(value: string, length = 12): string {
	return createHash('sha256').update(value).digest('hex').slice(0, length);
}

/**
 * The external task id the node gives an item when the user sets none. It is derived from the
 * execution id, the workflow, the node, the node's run index, the item index and the request body,
 * so a re-run of the same item in the same execution (n8n's Retry On Fail) maps to the same id and
 * adopts the task instead of paying for a second one, while a different request never does.
 */
function deriveExternalTaskId(
	context: IExecuteFunctions,
	itemIndex: number,
	runIndex: number,
	body: IDataObject,
): string {
	const executionId = context.getExecutionId() ?? 'manual';
	const node = context.getNode();
	const scope = [context.getWorkflow().id ?? '', node.id ?? node.name, runIndex, itemIndex].join(
		'|',
	);
	return `n8n-${executionId}-${itemIndex}-${shortHash(`${scope}|${JSON.stringify(body)}`)}`;
}

/**
 * The external task ids of the reuse option ("Reuse Tasks Created for the Same Input in the Last
 * (Hours)"): derived from the workflow, the node, the item index and the request body (not from the
 * execution), in time buckets as long as the window, so that a task created for the same input
 * within the window is found in the current or the previous bucket.
 *
 * @returns the id to create under now, and the ids of earlier tasks to look up first
 */
function reuseIds(
	context: IExecuteFunctions,
	itemIndex: number,
	body: IDataObject,
	windowMs: number,
	now = Date.now(),
): { current: string; candidates: string[] } {
	const node = context.getNode();
	const key = shortHash(
		[context.getWorkflow().id ?? '', node.id ?? node.name, itemIndex, JSON.stringify(body)].join(
			'|',
		),
		20,
	);
	const bucket = Math.floor(now / windowMs);
	const current = `n8n-reuse-${key}-${bucket}`;
	return { current, candidates: [current, `n8n-reuse-${key}-${bucket - 1}`] };
}

function inputError(context: IExecuteFunctions, error: unknown, itemIndex: number): Error {
	if (error instanceof InputRuleError) {
		return new NodeOperationError(context.getNode(), `${error.message} [item ${itemIndex}]`, {
			description: `Fix the ${error.field} field (or the data it is mapped from) for item ${itemIndex}. Nothing was sent to Kirin, so nothing was paid.`,
			itemIndex,
		});
	}
	return error as Error;
}

/**
 * Adds a Kirin Trigger's secret to a callback URL that points at an n8n webhook and has none: the
 * trigger derives the same secret from the same API key (`secrets.ts`).
 */
function withTriggerSecret(callbackUrl: string | undefined, apiKey: string): string | undefined {
	if (!callbackUrl) return callbackUrl;
	const webhookId = webhookIdOf(callbackUrl);
	const url = new URL(callbackUrl);
	if (!webhookId || url.searchParams.has('secret')) return callbackUrl;
	url.searchParams.set('secret', deriveSecret(apiKey, 'trigger', webhookId));
	return url.toString();
}

async function planItem(
	context: IExecuteFunctions,
	itemIndex: number,
	runIndex: number,
	apiKey: string,
): Promise<Planned> {
	const modelId = String(context.getNodeParameter('model', itemIndex));
	const model = findModel(modelId);
	if (!model) throw new InputRuleError('Model', `Unknown model "${modelId}"`);
	const checked = checkInput(await readGenerateInput(context, itemIndex, model));
	const draft = buildRequestBody(
		checked,
		undefined,
		withTriggerSecret(checked.callbackUrl, apiKey),
	);
	const options = context.getNodeParameter('options', itemIndex, {}) as IDataObject;
	const reuseHours = Number(options.reuseWithinHours ?? 0);
	let externalTaskId = checked.externalTaskId;
	let reuse: Planned['reuse'];
	if (externalTaskId === undefined && Number.isFinite(reuseHours) && reuseHours > 0) {
		const windowMs = reuseHours * 3_600_000;
		const ids = reuseIds(context, itemIndex, draft, windowMs);
		externalTaskId = ids.current;
		reuse = { candidates: ids.candidates, windowMs };
	}
	externalTaskId ??= deriveExternalTaskId(context, itemIndex, runIndex, draft);
	return {
		itemIndex,
		externalTaskId,
		derivedId: checked.externalTaskId === undefined,
		reuse,
		body: { ...draft, external_task_id: externalTaskId },
	};
}

/** How many fresh tasks a re-run may create for an item whose earlier tasks failed. */
const MAX_FRESH_TRIES = 5;

/**
 * Creates an item's task, or adopts the one an earlier run of the same step created (or, with the
 * reuse option, a task created for the same input within the window). A task that failed is not
 * adopted when the node derived its id: a re-run (n8n's Retry On Fail) is a new try, so a fresh task
 * is created under the next id (`<id>-r1`, `-r2`...). A failed task has no cost.
 */
async function createOrAdopt(
	transport: KirinTransport,
	plan: Planned,
): Promise<{ task: Task; adopted: boolean }> {
	if (plan.reuse) {
		for (const candidate of plan.reuse.candidates) {
			const earlier = await transport.findTask(candidate, plan.itemIndex);
			const createdAt = earlier?.createdAt ? Date.parse(earlier.createdAt) : Number.NaN;
			const fresh = Number.isNaN(createdAt) || Date.now() - createdAt <= plan.reuse.windowMs;
			if (earlier && earlier.status !== 'failed' && fresh) return { task: earlier, adopted: true };
		}
	}
	let body = plan.body;
	for (let attempt = 0; ; attempt++) {
		const { task, adopted } = await transport.createTask(body, plan.itemIndex);
		if (!adopted || task.status !== 'failed' || !plan.derivedId || attempt >= MAX_FRESH_TRIES) {
			return { task, adopted };
		}
		body = { ...plan.body, external_task_id: `${plan.externalTaskId}-r${attempt + 1}` };
	}
}

/** The API key of the node's credential, for the secrets of callback URLs. */
async function credentialApiKey(context: IExecuteFunctions): Promise<string> {
	const credentials = await context.getCredentials('kirinApi');
	return String(credentials.apiKey ?? '');
}

/**
 * Adds to the error that stops the node which tasks the other items already have, so that nothing
 * paid for is lost: Get Task fetches them, and a re-run of the step adopts them.
 */
function noteOtherTasks(error: unknown, created: Map<number, Created>, failedIndex: number): void {
	const others = [...created.values()].filter((entry) => entry.itemIndex !== failedIndex);
	if (others.length === 0) return;
	const list = others.map((entry) => `item ${entry.itemIndex}: ${entry.task.taskId}`).join(', ');
	const target = error as { description?: string | null };
	target.description =
		`${target.description ?? ''} Tasks already created for other items keep running and can be fetched with Get Task (${list}); running this step again in the same execution adopts them instead of paying again.`.trim();
}

/**
 * Generate Video for all input items at once: checks every item against its model's page before
 * any paid call, creates the tasks with at most `maxConcurrency` requests in flight (each with an
 * `external_task_id`, so a lost answer or a retry never pays twice), then waits for all of them in
 * one shared poll loop, or returns them at once when Completion is "Don't Wait".
 *
 * @returns one output item per input item, in input order, each with `pairedItem`
 * @throws NodeOperationError for a broken rule (before anything is created), NodeApiError for an API
 *   failure or a failed task, NodeOperationError on timeout; with Continue On Fail these become
 *   `{error}` items instead and the other items go on
 */
export async function execute(
	this: IExecuteFunctions,
	items: INodeExecutionData[],
): Promise<INodeExecutionData[][]> {
	const continueOnFail = this.continueOnFail();
	const settings: RunSettings = readRunSettings(this, 0);
	const signal = this.getExecutionCancelSignal();
	const transport = new KirinTransport(this, settings.retry, signal);
	const completion = String(this.getNodeParameter('completion', 0, 'poll'));
	const download =
		completion !== 'none' && Boolean(this.getNodeParameter('downloadVideo', 0, false));
	const runIndex = Number(this.getWorkflowDataProxy(0).$runIndex ?? 0);
	const apiKey = await credentialApiKey(this);
	const output = new Array<INodeExecutionData | undefined>(items.length);
	const collect = () => output.filter((item): item is INodeExecutionData => item !== undefined);

	const fail = (error: unknown, itemIndex: number, taskId?: string) => {
		if (!continueOnFail) throw error;
		output[itemIndex] = { json: errorToJson(error, taskId), pairedItem: { item: itemIndex } };
	};

	// 1. Every rule of the pages, for every item, before the first paid call.
	const planned: Planned[] = [];
	const seenIds = new Map<string, number>();
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		try {
			const plan = await planItem(this, itemIndex, runIndex, apiKey);
			const earlier = seenIds.get(plan.externalTaskId);
			if (earlier !== undefined) {
				throw new InputRuleError(
					'External Task ID',
					`External Task ID "${plan.externalTaskId}" is also used by item ${earlier}; each task needs its own`,
				);
			}
			seenIds.set(plan.externalTaskId, itemIndex);
			planned.push(plan);
		} catch (error) {
			fail(inputError(this, error, itemIndex), itemIndex);
		}
	}

	// With callbacks, each task reports to this execution's resume URL.
	if (completion === 'callback') {
		const batch = callbackBatch(this, runIndex, apiKey);
		const resumeUrl = String(this.evaluateExpression('{{ $execution.resumeUrl }}', 0));
		for (const plan of planned)
			plan.body.callback_url = callbackUrlFor(resumeUrl, batch, plan.itemIndex);
	}

	// 2. Create the tasks, a bounded number at a time.
	const created = new Map<number, Created>();
	let anyAdopted = false;
	await mapLimited(planned, settings.maxConcurrency, async (plan) => {
		try {
			const { task, adopted } = await createOrAdopt(transport, plan);
			anyAdopted ||= adopted;
			created.set(plan.itemIndex, { ...plan, task, startedAt: Date.now() });
		} catch (error) {
			signal?.throwIfAborted();
			if (!continueOnFail) noteOtherTasks(error, created, plan.itemIndex);
			fail(error, plan.itemIndex);
		}
	});

	if (completion === 'none') {
		for (const entry of created.values()) {
			output[entry.itemIndex] = {
				json: taskToJson(entry.task),
				pairedItem: { item: entry.itemIndex },
			};
		}
		return [collect()];
	}
	// An adopted task was created by an earlier run and reports to that run's resume URL, if to any:
	// this batch then waits by polling, which also returns at once for tasks that already ended.
	if (completion === 'callback' && created.size > 0 && !anyAdopted) {
		for (const entry of created.values()) {
			output[entry.itemIndex] = waitLimitItem(entry.task, entry.itemIndex, settings.timeoutMs);
		}
		return await waitForCallbacks(this, collect(), settings.timeoutMs);
	}

	// 3. Wait for all of them in one loop, and finish each item as soon as its task ends.
	const finish = async (target: PollTarget, outcome: PollOutcome) => {
		const entry = created.get(target.key)!;
		const itemIndex = entry.itemIndex;
		try {
			if (outcome.kind === 'error') throw outcome.error;
			if (outcome.kind === 'timeout') {
				throw taskTimeoutError(
					this.getNode(),
					entry.task.taskId,
					settings.timeoutMs,
					itemIndex,
					outcome.task?.rawStatus,
				);
			}
			const task = outcome.task;
			if (task.status === 'failed') throw taskFailedError(this.getNode(), task, itemIndex);
			const item: INodeExecutionData = { json: taskToJson(task), pairedItem: { item: itemIndex } };
			if (download) {
				item.binary = await downloadVideos(
					this,
					task,
					settings.binaryPropertyOutput,
					itemIndex,
					signal,
					settings.retry,
				);
			}
			output[itemIndex] = item;
		} catch (error) {
			signal?.throwIfAborted();
			if (!continueOnFail) noteOtherTasks(error, created, itemIndex);
			fail(error, itemIndex, entry.task.taskId);
		}
	};

	const alreadyDone = [...created.values()].filter((entry) => isFinished(entry.task));
	for (const entry of alreadyDone) {
		await finish(
			{ key: entry.itemIndex, taskId: entry.task.taskId, startedAt: entry.startedAt },
			{ kind: 'finished', task: entry.task, polls: 0 },
		);
	}
	const targets: PollTarget[] = [...created.values()]
		.filter((entry) => !alreadyDone.includes(entry))
		.map((entry) => ({
			key: entry.itemIndex,
			taskId: entry.task.taskId,
			startedAt: entry.startedAt,
		}));
	await pollTasks(
		targets,
		async (target) => await transport.getTask(target.taskId, target.key),
		{
			intervalMs: settings.pollIntervalMs,
			timeoutMs: settings.timeoutMs,
			concurrency: settings.maxConcurrency,
			signal,
		},
		finish,
	);

	return [collect()];
}
