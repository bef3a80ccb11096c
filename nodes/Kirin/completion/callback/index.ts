import type { INodeExecutionData, IWebhookDescription } from 'n8n-workflow';

import { markFieldsNotSent } from '../../../shared/items';
import type { Task } from '../../../shared/task';
import { formatDuration } from '../../../shared/taskErrors';
import { poll } from '../poll';
import type { CompletionStrategy } from '../types';
import { batchKey, callbackUrl } from './params';

/**
 * The node's webhook for Wait for Callback, kept in a constant as n8n's own send-and-wait nodes do:
 * the restart webhook of the waiting execution (`$execution.resumeUrl`). The node has no live
 * webhook of its own: n8n would then wait for a test webhook call whenever the node is executed
 * from the editor.
 */
export const CALLBACK_WEBHOOKS: IWebhookDescription[] = [
	{
		name: 'default',
		httpMethod: 'POST',
		responseMode: 'onReceived',
		path: '',
		restartWebhook: true,
	},
];

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
 * "Wait for Callback": each task is created with a callback URL, then the execution is put to wait
 * (`putExecutionToWait`) and resumes once, when every task has ended (see `receive.ts`). The waiting
 * node's stored input is one item per input item: the wait-limit item of each task, or the error
 * item of an item that failed before creation; n8n outputs it as it is if nothing resumes the
 * execution before its wait limit (a little after the node's timeout, when a sweep resumes it with
 * what has ended).
 */
export function callbackStrategy(): CompletionStrategy {
	let deadline = 0;
	let resumeUrl = '';
	return {
		prepare(run, planned) {
			resumeUrl = String(run.context.evaluateExpression('{{ $execution.resumeUrl }}', 0));
			deadline = Date.now() + run.settings.timeoutMs;
			const node = run.context.getNode();
			const batch = batchKey(run.context.getExecutionId(), node.id ?? node.name, run.runIndex);
			for (const plan of planned) {
				plan.body.callback_url = callbackUrl(
					resumeUrl,
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
			const graceMs = Math.min(60_000, Math.max(5_000, 2 * run.settings.pollIntervalMs));
			await run.context.putExecutionToWait(new Date(deadline + graceMs));
			return [prepared];
		},
	};
}
