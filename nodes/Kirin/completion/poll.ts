import { isFinished } from '../../shared/task';
import { pollTasks, type PollOutcome, type PollTarget } from './pollLoop';
import type { CompletionStrategy, CreatedTask } from './types';
import type { TaskOutcome } from '../../shared/items';

function toOutcome(entry: CreatedTask, outcome: PollOutcome, timeoutMs: number): TaskOutcome {
	if (outcome.kind === 'error')
		return { kind: 'error', error: outcome.error, taskId: entry.task.taskId };
	if (outcome.kind === 'timeout') {
		return {
			kind: 'timeout',
			taskId: entry.task.taskId,
			waitedMs: timeoutMs,
			lastStatus: outcome.task?.rawStatus,
		};
	}
	return { kind: 'task', task: outcome.task };
}

/**
 * "Wait and Poll": tasks that already ended are reported at once, the others are waited for in one
 * shared poll loop (`pollLoop.ts`), each reported as soon as it ends or its timeout passes.
 */
export const poll: CompletionStrategy = {
	async complete(run, created, report) {
		const { settings } = run;
		const byItem = new Map(created.map((entry) => [entry.itemIndex, entry]));
		for (const entry of created.filter((candidate) => isFinished(candidate.task))) {
			byItem.delete(entry.itemIndex);
			await report(entry.itemIndex, { kind: 'task', task: entry.task });
		}
		const targets: PollTarget[] = [...byItem.values()].map((entry) => ({
			key: entry.itemIndex,
			taskId: entry.task.taskId,
			startedAt: entry.startedAt,
		}));
		await pollTasks(
			targets,
			async (target) => await run.api.getTask(target.taskId, target.key),
			{
				intervalMs: settings.pollIntervalMs,
				timeoutMs: settings.timeoutMs,
				concurrency: settings.maxConcurrency,
				signal: run.signal,
			},
			async (target, outcome) =>
				await report(target.key, toOutcome(byItem.get(target.key)!, outcome, settings.timeoutMs)),
		);
		return 'done';
	},
};
