import { mapLimited } from '../concurrency';
import { isFinished, type Task } from '../task';
import { isPermanentFailure } from '../transport';
import { pause } from '../transport/retry';

/** A created task to wait for: `key` is the caller's handle (the item index). */
export interface PollTarget {
	key: number;
	taskId: string;
	/** When the task was created, in milliseconds since the epoch; the first poll is one interval later. */
	startedAt: number;
}

/** How a wait for one task ended. */
export type PollOutcome =
	| { kind: 'finished'; task: Task; polls: number }
	| { kind: 'timeout'; task?: Task; polls: number; lastError?: unknown }
	| { kind: 'error'; error: unknown; polls: number };

/** Poll cadence and limits. */
export interface PollSettings {
	/** Time between two status requests for one task, in milliseconds. */
	intervalMs: number;
	/** The longest wait for one task, from its creation, in milliseconds. */
	timeoutMs: number;
	/** The most status requests in flight at once. */
	concurrency: number;
	/** The execution's cancel signal: stopping the execution ends the wait at once. */
	signal?: AbortSignal;
}

interface Tracked extends PollTarget {
	dueAt: number;
	deadline: number;
	polls: number;
	last?: Task;
	lastError?: unknown;
}

/**
 * Waits for many tasks in one shared loop (`GET /v1/tasks/{task_id}`, `kirin-api.md`): each task is
 * polled one interval after its creation and then one interval after its previous poll, with a last
 * poll at its deadline, so a task of generation time T costs at most `T / interval + 2` status
 * requests. The loop sleeps only until the next task is due and returns as soon as the last task is
 * finished. A poll that fails transiently (network, 429, 5xx after the transport's retries) is
 * repeated at the next due time; a permanent failure (400, 401, 402, 403, 404, 422) ends that
 * task's wait.
 *
 * @param targets the tasks to wait for
 * @param getTask fetches one task (the transport's `getTask`)
 * @param settings cadence, deadline and concurrency
 * @param onOutcome called once per task as soon as its wait ends; if it throws, the whole wait stops
 *   and rethrows (used to fail fast when Continue On Fail is off)
 * @returns every task's outcome, by key
 * @throws the cancel signal's reason when the execution is stopped
 */
export async function pollTasks(
	targets: readonly PollTarget[],
	getTask: (target: PollTarget) => Promise<Task>,
	settings: PollSettings,
	onOutcome?: (target: PollTarget, outcome: PollOutcome) => void | Promise<void>,
): Promise<Map<number, PollOutcome>> {
	const outcomes = new Map<number, PollOutcome>();
	let pending: Tracked[] = targets.map((target) => ({
		...target,
		dueAt: target.startedAt + Math.min(settings.intervalMs, settings.timeoutMs),
		deadline: target.startedAt + settings.timeoutMs,
		polls: 0,
	}));

	const settle = async (tracked: Tracked, outcome: PollOutcome) => {
		outcomes.set(tracked.key, outcome);
		await onOutcome?.(tracked, outcome);
	};

	while (pending.length > 0) {
		settings.signal?.throwIfAborted();
		const now = Date.now();
		const due = pending.filter((tracked) => tracked.dueAt <= now);
		if (due.length === 0) {
			const next = Math.min(...pending.map((tracked) => tracked.dueAt));
			await pause(next - now, settings.signal);
			continue;
		}
		const done = new Set<Tracked>();
		await mapLimited(due, settings.concurrency, async (tracked) => {
			tracked.polls++;
			try {
				tracked.last = await getTask(tracked);
				tracked.lastError = undefined;
			} catch (error) {
				settings.signal?.throwIfAborted();
				if (isPermanentFailure(error)) {
					done.add(tracked);
					await settle(tracked, { kind: 'error', error, polls: tracked.polls });
					return;
				}
				tracked.lastError = error;
			}
			const polledAt = Date.now();
			if (tracked.last && isFinished(tracked.last) && tracked.lastError === undefined) {
				done.add(tracked);
				await settle(tracked, { kind: 'finished', task: tracked.last, polls: tracked.polls });
			} else if (polledAt >= tracked.deadline) {
				done.add(tracked);
				await settle(tracked, {
					kind: 'timeout',
					task: tracked.last,
					polls: tracked.polls,
					lastError: tracked.lastError,
				});
			} else {
				tracked.dueAt = Math.min(polledAt + settings.intervalMs, tracked.deadline);
			}
		});
		pending = pending.filter((tracked) => !done.has(tracked));
	}
	return outcomes;
}
