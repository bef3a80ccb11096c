import {
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INode,
	type INodeExecutionData,
} from 'n8n-workflow';

import { asNodeError, errorToJson } from '../../../shared/taskErrors';
import {
	markFieldsNotSent,
	settleItem,
	type OutputSettings,
	type TaskOutcome,
} from '../../../shared/items';
import { KirinApi } from '../../../shared/transport/api';
import { InputRuleError } from '../../catalog/validate';
import { callbackStrategy } from '../../completion/callback';
import { none } from '../../completion/none';
import { poll } from '../../completion/poll';
import type { CompletionRun, CompletionStrategy, CreatedTask } from '../../completion/types';
import { runSettingsFrom } from '../../settings';
import { createAll } from './create';
import { inputError, planItem, type Plan } from './plan';

function strategyFor(completion: string): CompletionStrategy {
	if (completion === 'none') return none;
	if (completion === 'callback') return callbackStrategy();
	return poll;
}

/** What this run did about each item's task, for the error that stops the node. */
interface RunTasks {
	plans: Plan[];
	created: Map<number, CreatedTask>;
	/** Items whose create was cut off by the stop or got no usable answer: their external task ids. */
	unanswered: Map<number, string>;
}

/** `item <index>: <id>` for each entry, by item. */
function itemList(entries: Array<[number, string]>): string {
	return entries
		.sort(([a], [b]) => a - b)
		.map(([itemIndex, id]) => `item ${itemIndex}: ${id}`)
		.join(', ');
}

/**
 * The error that stops the node, naming every task this run created, with its item, so that nothing
 * paid for is lost: Get Task fetches them, n8n's Retry On Fail of this step adopts them, and with
 * the reuse option a new execution of the same inputs does too. Built once the creates in flight
 * have ended, so the lists are complete. Also named, by external task id (Get Task looks a task up
 * by it): items whose create was cut off by the stop or got no usable answer, since Kirin may hold
 * their task; and with Retry On Fail on, the items this try did not create, since n8n keeps only
 * the last try's error and an earlier try may have created them. A stop of the execution (Stop,
 * n8n's execution timeout) becomes an error that says so when there is anything to name; otherwise
 * `error` is returned as it is, with the lists added to its description.
 */
function stoppingError(
	node: INode,
	error: unknown,
	tasks: RunTasks,
	signal: AbortSignal | undefined,
): unknown {
	const { plans, created, unanswered } = tasks;
	const list = itemList([...created.values()].map((entry) => [entry.itemIndex, entry.task.taskId]));
	const maybe = itemList([...unanswered].filter(([itemIndex]) => !created.has(itemIndex)));
	const earlier = node.retryOnFail
		? itemList(
				plans
					.filter((plan) => !created.has(plan.itemIndex) && !unanswered.has(plan.itemIndex))
					.map((plan) => [plan.itemIndex, plan.externalTaskId]),
			)
		: '';
	if (!list && !maybe && !earlier) return error;
	const target = (
		signal?.aborted
			? new NodeOperationError(
					node,
					'The execution was canceled while creating or awaiting Kirin tasks',
				)
			: error
	) as { description?: string | null; context?: Record<string, unknown> };
	const parts = [target.description ?? ''];
	if (list) {
		parts.push(
			`Tasks created in this run keep running at Kirin and can be fetched with Get Task (${list}).`,
		);
	}
	if (maybe) {
		parts.push(
			`Kirin may also hold a task for each item whose create got no answer or was cut off: Get Task with Look Up By External Task ID finds it (${maybe}).`,
		);
	}
	if (earlier) {
		parts.push(
			`With Retry On Fail, an earlier try of this step may have created tasks for the items this try did not: Get Task with Look Up By External Task ID finds them (${earlier}).`,
		);
	}
	parts.push(
		'Retry On Fail on this node adopts them; a new execution creates new tasks unless Options > Reuse Tasks Created for the Same Input is on.',
	);
	target.description = parts.join(' ').trim();
	if (target.context) {
		if (list) target.context.createdTasks = list;
		if (maybe) target.context.tasksWithoutAnswer = maybe;
		if (earlier) target.context.tasksOfEarlierTries = earlier;
	}
	return target;
}

/**
 * Tells in the output pane which items set fields their model does not take (n8n execution hints;
 * n8n versions without them only get the items' `fieldsNotSent`).
 */
function hintFieldsNotSent(context: IExecuteFunctions, plans: Plan[]): void {
	const rows = plans.filter((plan) => plan.notSent !== undefined);
	if (rows.length === 0 || typeof context.addExecutionHints !== 'function') return;
	const shown = rows
		.slice(0, 5)
		.map((plan) => `item ${plan.itemIndex}: ${plan.notSent?.join(', ')}`)
		.join('; ');
	const more = rows.length > 5 ? `; and ${rows.length - 5} more items` : '';
	context.addExecutionHints({
		message: `Some fields were not sent because the item's model does not use them (${shown}${more}). Each item's fieldsNotSent lists them.`,
		location: 'outputPane',
	});
}

/**
 * Generate Video for all input items at once, in four steps:
 * 1. plan: every item is read and checked against its model's page before any paid call;
 * 2. create: the tasks are created with at most Max Concurrency requests in flight, each with an
 *    external task id, so a lost answer or a retry never pays twice;
 * 3. complete: the chosen strategy (`completion/`) waits for them (poll), returns them at once
 *    (none) or puts the execution to wait (callback);
 * 4. output: each outcome becomes one item (`shared/items.ts`), in input order, with `pairedItem`.
 *
 * @returns one output item per input item
 * @throws NodeOperationError for a broken rule (before anything is created), NodeApiError for an API
 *   failure or a failed task, NodeOperationError on timeout, each naming every task created in this
 *   run; with Continue On Fail these become `{error}` items instead and the other items go on
 */
export async function execute(
	this: IExecuteFunctions,
	items: INodeExecutionData[],
): Promise<INodeExecutionData[][]> {
	const continueOnFail = this.continueOnFail();
	const settings = runSettingsFrom(
		(this.getNodeParameter('options', 0, {}) ?? {}) as IDataObject,
		this.getNode(),
	);
	const signal = this.getExecutionCancelSignal();
	const completion = String(this.getNodeParameter('completion', 0, 'poll'));
	const credentials = await this.getCredentials('kirinApi');
	const run: CompletionRun = {
		context: this,
		settings,
		api: new KirinApi(this, settings.retry, signal),
		signal,
		runIndex: Number(this.getWorkflowDataProxy(0).$runIndex ?? 0),
		apiKey: String(credentials.apiKey ?? ''),
	};
	const outputSettings: OutputSettings = {
		download: completion !== 'none' && Boolean(this.getNodeParameter('downloadVideo', 0, false)),
		binaryPropertyOutput: settings.binaryPropertyOutput,
		downloadSettings: { ...settings.download, signal },
	};
	const output = new Array<INodeExecutionData | undefined>(items.length);
	const created = new Map<number, CreatedTask>();
	const unanswered = new Map<number, string>();
	const fail = (error: unknown, itemIndex: number, taskId?: string) => {
		if (!continueOnFail) throw error;
		output[itemIndex] = { json: errorToJson(error, taskId), pairedItem: { item: itemIndex } };
	};

	// 1. Plan: every rule of the pages, for every item, before the first paid call.
	const ownWebhookBase =
		String(this.evaluateExpression('{{ $execution.resumeUrl }}', 0) ?? '') || undefined;
	const plans: Plan[] = [];
	const seenIds = new Map<string, number>();
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		try {
			const plan = await planItem(
				{ context: this, runIndex: run.runIndex, apiKey: run.apiKey, ownWebhookBase },
				itemIndex,
			);
			const earlier = seenIds.get(plan.externalTaskId);
			if (earlier !== undefined) {
				throw new InputRuleError(
					'External Task ID',
					`External Task ID "${plan.externalTaskId}" is also used by item ${earlier}; each task needs its own`,
				);
			}
			seenIds.set(plan.externalTaskId, itemIndex);
			plans.push(plan);
		} catch (error) {
			fail(inputError(this, error, itemIndex), itemIndex);
		}
	}
	hintFieldsNotSent(this, plans);
	const strategy = strategyFor(completion);
	await strategy.prepare?.(run, plans, items.length);

	const stopped = (error: unknown): never => {
		throw stoppingError(this.getNode(), error, { plans, created, unanswered }, signal);
	};

	// 2. Create: a bounded number at a time; a failure that stops the node stops new creates.
	await createAll(
		run.api,
		plans,
		settings.maxConcurrency,
		(entry) => created.set(entry.itemIndex, entry),
		(error, plan) => fail(error, plan.itemIndex),
		signal,
		(plan) => unanswered.set(plan.itemIndex, plan.externalTaskId),
	).catch(stopped);

	// 3 and 4. Complete, and turn each outcome into its item as soon as it is known.
	const report = async (itemIndex: number, outcome: TaskOutcome) => {
		try {
			const entry = created.get(itemIndex);
			const item = await settleItem(
				this,
				outcome,
				itemIndex,
				outputSettings,
				continueOnFail,
				signal,
			);
			if (entry?.existingReturned) item.json.existingTask = true;
			output[itemIndex] = markFieldsNotSent(item, entry?.notSent);
		} catch (error) {
			signal?.throwIfAborted();
			throw asNodeError(this.getNode(), error, itemIndex);
		}
	};
	const result = await strategy.complete(run, [...created.values()], report, output).catch(stopped);
	if (result !== 'done') return result;
	return [output.filter((item): item is INodeExecutionData => item !== undefined)];
}
