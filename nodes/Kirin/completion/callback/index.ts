import {
	NodeHelpers,
	type IDataObject,
	type INodeExecutionData,
	type IWebhookDescription,
} from 'n8n-workflow';

import { markFieldsNotSent } from '../../../shared/items';
import type { Task } from '../../../shared/task';
import { formatDuration } from '../../../shared/taskErrors';
import { poll } from '../poll';
import type { CompletionRun, CompletionStrategy } from '../types';
import { batchKey, callbackUrl, PROBE_ANSWER, PROBE_BODY } from './params';
import { WAKE_TIMEOUT_MS } from './sendWake';

/**
 * The node's two webhooks for Wait for Callback, kept in a constant as n8n's own send-and-wait
 * nodes do:
 * - `default`, the restart webhook of the waiting execution (`$execution.resumeUrl`): it takes the
 *   batch's one resume, and the tasks' callbacks when the workflow is not published;
 * - `setup`, a live webhook (`POST /webhook/<webhook id>/callback`) that takes the tasks' callbacks
 *   of a published workflow without n8n loading the waiting execution, so that a callback costs the
 *   same in a batch of 400 as in a batch of 1. Its method is an expression that is empty unless the
 *   workflow is active: n8n registers it when the workflow is published, and leaves it out of
 *   manual executions (which build the workflow as inactive), so that executing the node from the
 *   editor does not wait for a test webhook call. (n8n API, 1.x and 2.x: `getNodeWebhooks` skips a
 *   webhook whose method evaluates to an empty string; `TestWebhooks.toWorkflow` builds the
 *   workflow with `active: false`; activation and `LiveWebhooks` build it active.)
 */
export const CALLBACK_WEBHOOKS: IWebhookDescription[] = [
	{
		name: 'default',
		httpMethod: 'POST',
		responseMode: 'onReceived',
		path: '',
		restartWebhook: true,
	},
	{
		name: 'setup',
		httpMethod: '={{ $workflow.active ? "POST" : "" }}',
		responseMode: 'onReceived',
		path: 'callback',
		ndvHideUrl: true,
		ndvHideMethod: true,
	},
];

/**
 * The node's live callback webhook URL (`<base>/webhook/<webhook id>/callback`, the base taken from
 * the resume URL), or undefined for a manual execution (n8n registers no live webhook for it) and for
 * a node without a webhook id (hand-written workflow JSON; the editor always gives one: n8n stores a
 * node-name path encoded but looks it up decoded, so such a node's webhook is unreachable).
 */
function liveWebhookUrl(run: CompletionRun, resumeUrl: string): string | undefined {
	const { context } = run;
	const workflow = context.getWorkflow();
	const node = context.getNode();
	if (context.getMode() === 'manual' || !workflow.id || !node.webhookId) return undefined;
	const parsed = new URL(resumeUrl);
	const waiting = /^(.*)\/webhook-waiting\/[^/]+\/?$/.exec(`${parsed.origin}${parsed.pathname}`);
	if (!waiting) return undefined;
	return NodeHelpers.getNodeWebhookUrl(
		`${waiting[1]}/webhook`,
		workflow.id,
		node,
		'callback',
		false,
	);
}

/**
 * Where the tasks call back (a URL without the batch parameters): the node's live callback webhook
 * when n8n serves it, else the resume URL. n8n registers the live webhook only while the workflow
 * is published, and the node cannot read that from the execution (a queue-mode worker sees a
 * published workflow as inactive), so it asks: one POST of {@link PROBE_BODY} per batch, which only
 * the node's registered webhook answers with {@link PROBE_ANSWER}. The probe waits at most 10 s and
 * ends with the execution's stop; any failure means the resume URL. It never throws.
 */
async function callbackTarget(run: CompletionRun, resumeUrl: string): Promise<string> {
	const url = liveWebhookUrl(run, resumeUrl);
	if (!url || run.signal?.aborted) return resumeUrl;
	try {
		const answer = (await run.context.helpers.httpRequest({
			method: 'POST',
			url,
			body: PROBE_BODY,
			json: true,
			timeout: 10_000,
			abortSignal: run.signal,
		})) as IDataObject | undefined;
		return answer?.kirinCallbackWebhook === PROBE_ANSWER.kirinCallbackWebhook ? url : resumeUrl;
	} catch {
		return resumeUrl;
	}
}

/** The error code of the items a wait limit leaves behind. */
export const TIMEOUT_CODE = 'TIMEOUT';

/**
 * The item an item's task leaves if its end is not known when the wait ends: the task id (the
 * batch's record of what it waits for) and a `TIMEOUT` error naming how to fetch the result later.
 */
export function waitLimitItem(
	task: Task,
	externalTaskId: string,
	itemIndex: number,
	timeoutMs: number,
): INodeExecutionData {
	return {
		json: {
			taskId: task.taskId,
			externalTaskId,
			status: task.status,
			error: {
				code: TIMEOUT_CODE,
				message: `Task ${task.taskId} did not finish within ${formatDuration(timeoutMs)}`,
				description: `No end of the task was known when the wait ended. Fetch its result later with the Get Task operation and task ID ${task.taskId}; that does not pay again.`,
				taskId: task.taskId,
			},
		},
		pairedItem: { item: itemIndex },
	};
}

/**
 * How long after the node's deadline n8n's wait limit comes, in milliseconds: time for the sweep at
 * the deadline, which resumes the batch with what has ended (its request may take up to
 * {@link WAKE_TIMEOUT_MS} with look-ups and downloads), to end before n8n resumes the execution with
 * the stored `TIMEOUT` items. Three minutes, or two poll intervals when longer, at most 15 minutes.
 */
export function waitLimitGraceMs(pollIntervalMs: number): number {
	return Math.max(WAKE_TIMEOUT_MS + 60_000, Math.min(15 * 60_000, 2 * pollIntervalMs));
}

/**
 * "Wait for Callback": each task is created with a callback URL, then the execution is put to wait
 * (`putExecutionToWait`) and resumes once, when every task has ended (see `receive.ts`). The waiting
 * node's stored input is one item per input item: the wait-limit item of each task, or the error
 * item of an item that failed before creation; n8n outputs it as it is if nothing resumes the
 * execution before its wait limit ({@link waitLimitGraceMs} after the node's timeout, when a sweep
 * resumes it with what has ended).
 */
export function callbackStrategy(): CompletionStrategy {
	let deadline = 0;
	let resumeUrl = '';
	return {
		async prepare(run, planned) {
			resumeUrl = String(run.context.evaluateExpression('{{ $execution.resumeUrl }}', 0));
			deadline = Date.now() + run.settings.timeoutMs;
			const node = run.context.getNode();
			const batch = batchKey(run.context.getExecutionId(), node.id ?? node.name, run.runIndex);
			const target = planned.length > 0 ? await callbackTarget(run, resumeUrl) : resumeUrl;
			for (const plan of planned) {
				plan.body.callback_url = callbackUrl(
					target,
					{
						batch,
						itemIndex: plan.itemIndex,
						taskCount: planned.length,
						externalTaskId: plan.externalTaskId,
						deadline,
						intervalMs: Math.round(run.settings.pollIntervalMs),
						resumeUrl,
					},
					run.apiKey,
				);
			}
		},
		async complete(run, created, report, output) {
			// A task an earlier run created reports to that run's callback URL, if to any: such a batch
			// waits by polling, which also returns at once for tasks that already ended.
			if (created.length === 0 || created.some((entry) => entry.adopted)) {
				return await poll.complete(run, created, report, output);
			}
			for (const entry of created) {
				output[entry.itemIndex] = markFieldsNotSent(
					waitLimitItem(entry.task, entry.externalTaskId, entry.itemIndex, run.settings.timeoutMs),
					entry.notSent,
				);
			}
			const prepared = output.filter((item): item is INodeExecutionData => item !== undefined);
			run.context.getExecuteData().data = { main: [prepared] };
			await run.context.putExecutionToWait(
				new Date(deadline + waitLimitGraceMs(run.settings.pollIntervalMs)),
			);
			return [prepared];
		},
	};
}
