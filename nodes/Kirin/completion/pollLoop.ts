import { sleepUnlessAborted } from '../../shared/sleep';
import { isFinished, type Task } from '../../shared/task';
import { isPermanentFailure } from '../../shared/transport/errors';

/** The longest timer Node.js keeps (about 24.8 days). */
const MAX_TIMER_MS = 2_147_483_647;

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
 * Waits for many tasks in one shared loop (`GET /v1/tasks/{task_id}`): each task is
 * polled one interval after its creation and then one interval after its previous poll, with a last
 * poll at its deadline, so a task of generation time T costs at most `T / interval + 2` status
 * requests. The loop sleeps only until the next task is due and returns as soon as the last task is
 * finished. Each task keeps its own schedule: a slow answer for one task delays no other task. A
 * poll that fails transiently (network, 429, 5xx after the transport's retries) is repeated at the
 * next due time; a permanent failure (400, 401, 402, 403, 404, 422) ends that task's wait.
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
	const pending = new Set<Tracked>(
		targets.map((target) => ({
			...target,
			dueAt: target.startedAt + Math.min(settings.intervalMs, settings.timeoutMs),
			deadline: target.startedAt + settings.timeoutMs,
			polls: 0,
		})),
	);

	const settle = async (tracked: Tracked, outcome: PollOutcome) => {
		outcomes.set(tracked.key, outcome);
		await onOutcome?.(tracked, outcome);
	};

	/** One status request for one task, and what follows from its answer. */
	const pollOne = async (tracked: Tracked): Promise<void> => {
		tracked.polls++;
		try {
			tracked.last = await getTask(tracked);
			tracked.lastError = undefined;
		} catch (error) {
			settings.signal?.throwIfAborted();
			if (isPermanentFailure(error)) {
				pending.delete(tracked);
				await settle(tracked, { kind: 'error', error, polls: tracked.polls });
				return;
			}
			tracked.lastError = error;
		}
		const polledAt = Date.now();
		if (tracked.last && isFinished(tracked.last) && tracked.lastError === undefined) {
			pending.delete(tracked);
			await settle(tracked, { kind: 'finished', task: tracked.last, polls: tracked.polls });
		} else if (polledAt >= tracked.deadline) {
			pending.delete(tracked);
			await settle(tracked, {
				kind: 'timeout',
				task: tracked.last,
				polls: tracked.polls,
				lastError: tracked.lastError,
			});
		} else {
			tracked.dueAt = Math.min(polledAt + settings.intervalMs, tracked.deadline);
		}
	};

	// Each task is polled on its own schedule: a slow answer for one task holds up no other task
	// (only a free slot of `concurrency`).
	const inFlight = new Map<Tracked, Promise<void>>();
	let failure: { error: unknown } | undefined;
	while (pending.size > 0) {
		if (failure) throw failure.error;
		settings.signal?.throwIfAborted();
		const now = Date.now();
		const due = [...pending]
			.filter((tracked) => !inFlight.has(tracked) && tracked.dueAt <= now)
			.sort((a, b) => a.dueAt - b.dueAt);
		for (const tracked of due) {
			if (inFlight.size >= Math.max(1, settings.concurrency)) break;
			const running = pollOne(tracked)
				.catch((error: unknown) => {
					failure ??= { error };
				})
				.finally(() => inFlight.delete(tracked));
			inFlight.set(tracked, running);
		}
		const idle = [...pending].filter((tracked) => !inFlight.has(tracked));
		const nextDue =
			idle.length > 0 && inFlight.size < Math.max(1, settings.concurrency)
				? Math.min(...idle.map((tracked) => tracked.dueAt))
				: undefined;
		await waitForAny(
			[...inFlight.values()],
			nextDue === undefined ? undefined : Math.min(nextDue - Date.now(), MAX_TIMER_MS),
			settings.signal,
		);
	}
	await Promise.all(inFlight.values());
	if (failure) throw failure.error;
	return outcomes;
}

/**
 * Resolves when one of `running` settles or after `ms` (when given), whichever comes first; rejects
 * with the signal's reason when the execution is stopped, at once on every n8n version. Without
 * `ms` it starts no timer; a timer cut short is cleared (on n8n before 2.34 it runs out on its own,
 * see {@link sleepUnlessAborted}).
 */
async function waitForAny(
	running: Array<Promise<void>>,
	ms: number | undefined,
	signal?: AbortSignal,
): Promise<void> {
	const wake = new AbortController();
	const timerSignal = signal ? AbortSignal.any([signal, wake.signal]) : wake.signal;
	const timer = sleepUnlessAborted(
		ms === undefined ? Number.POSITIVE_INFINITY : Math.max(0, ms),
		timerSignal,
	).catch(() => undefined);
	try {
		await Promise.race([timer, ...running]);
	} finally {
		wake.abort();
	}
	signal?.throwIfAborted();
}
