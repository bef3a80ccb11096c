/**
 * Callback delivery: when a task was created with `callback_url`, the fake POSTs its Task JSON
 * there at each status change, at least once (retried on a non-2xx answer or a network error),
 * optionally twice, shuffled or in reverse order, as the API may.
 */
import { Agent, request } from 'undici';

import type { FakeKirinLedger, CallbackAttempt } from './ledger';
import type { Scheduler } from './scheduler';
import {
	statusTimeline,
	type FakeTaskRecord,
	type KirinTask,
	type TaskStatus,
	type TaskStore,
} from './tasks';

/** How callbacks are delivered; changeable while the server runs (applies to deliveries scheduled after). */
export interface CallbackOptions {
	/** Deliver every callback twice (the second copy after the first, retries included). */
	duplicateCallbacks: boolean;
	/** Delay each delivery by a random 0..N ms and stop serialising a task's callbacks. 0 = off. */
	shuffleCallbacks: number;
	/** Hold a task's callbacks until it finishes, then deliver them newest first. */
	reverseCallbacks: boolean;
	/** Waits in ms before each retry; its length is the retry count. */
	callbackRetryDelaysMs: number[];
	/** Share of tasks (0 to 1) whose final callback (completed or failed) is never delivered. */
	loseFinalCallbacks: number;
}

/** Delivers the callbacks of one fake server and records every attempt in its ledger. */
export class CallbackDelivery {
	private readonly chains = new Map<string, Promise<void>>();
	/** One controller per request in flight, so that closing aborts each (and no signal collects listeners). */
	private readonly inFlight = new Set<AbortController>();
	private readonly agent: Agent;
	/** Tasks whose final callback was lost on purpose (`loseFinalCallbacks`). */
	readonly lostFinal: string[] = [];

	/**
	 * @param timeoutMs per-attempt timeout (connect, headers and body) in ms
	 * @param random PRNG of the shuffle delays, floats in [0, 1)
	 * @param log receives one line per attempt
	 */
	constructor(
		private readonly store: TaskStore,
		private readonly ledger: FakeKirinLedger,
		private readonly scheduler: Scheduler,
		readonly options: CallbackOptions,
		private readonly timeoutMs: number,
		private readonly random: () => number,
		private readonly log?: (line: string) => void,
	) {
		this.agent = new Agent({ keepAliveTimeout: 1000, connect: { timeout: timeoutMs } });
	}

	/** Changes the options given (undefined values are ignored) for deliveries scheduled from now on. */
	setOptions(next: Partial<CallbackOptions>): void {
		for (const [key, value] of Object.entries(next)) {
			if (value !== undefined) (this.options as unknown as Record<string, unknown>)[key] = value;
		}
	}

	/**
	 * Schedules the callbacks of a new task: one per status change at the time it happens, or, with
	 * `reverseCallbacks`, all of them newest first when the task finishes (none for `[never]`).
	 */
	schedule(task: FakeTaskRecord): void {
		if (!task.callbackUrl) return;
		const events = statusTimeline(task);
		const sinceCreate = Date.now() - task.createdAtMs;
		if (this.options.reverseCallbacks) {
			if (task.outcome === 'never') return;
			this.scheduler.later(task.generationMs - sinceCreate, () => {
				for (const [status] of [...events].reverse()) this.emit(task, status);
			});
			return;
		}
		for (const [status, offset] of events)
			this.scheduler.later(offset - sinceCreate, () => this.emit(task, status));
	}

	/** Aborts the requests in flight and closes the connections. */
	async close(): Promise<void> {
		for (const controller of this.inFlight) controller.abort();
		this.inFlight.clear();
		await this.agent.destroy().catch(() => undefined);
	}

	/** Delivers one status change: once or twice, serialised per task unless shuffling. */
	private emit(task: FakeTaskRecord, status: TaskStatus): void {
		const url = task.callbackUrl;
		if (!url || this.scheduler.closed) return;
		const final = status === 'completed' || status === 'failed';
		if (final && this.options.loseFinalCallbacks > 0 && this.random() < this.options.loseFinalCallbacks) {
			this.lostFinal.push(task.taskId);
			return;
		}
		const json = this.store.toJson(task, status);
		const copies = this.options.duplicateCallbacks ? 2 : 1;
		const shuffleMs = this.options.shuffleCallbacks;
		if (shuffleMs > 0) {
			for (let copy = 1; copy <= copies; copy++) {
				const delay = Math.floor(this.random() * shuffleMs);
				this.scheduler.later(delay, () => void this.deliver(json, url, copy));
			}
			return;
		}
		const previous = this.chains.get(task.taskId) ?? Promise.resolve();
		const next = previous.then(async () => {
			for (let copy = 1; copy <= copies; copy++) await this.deliver(json, url, copy);
		});
		this.chains.set(task.taskId, next);
	}

	/** POSTs `task` to `url` until a 2xx answer or the retries run out; records each attempt. */
	private async deliver(task: KirinTask, url: string, copy: number): Promise<void> {
		const delays = this.options.callbackRetryDelaysMs;
		for (let attempt = 1; attempt <= delays.length + 1 && !this.scheduler.closed; attempt++) {
			const record: CallbackAttempt = {
				taskId: task.task_id,
				taskStatus: task.status,
				url,
				copy,
				attempt,
				at: Date.now(),
				body: task,
			};
			await this.post(task, url, record);
			if (this.scheduler.closed) return;
			this.ledger.callbackAttempts.push(record);
			this.log?.(
				`callback ${task.task_id} ${task.status} → ${record.httpStatus ?? record.error} (copy ${copy}, attempt ${attempt})`,
			);
			if (record.httpStatus !== undefined && record.httpStatus >= 200 && record.httpStatus < 300)
				return;
			if (attempt <= delays.length) await this.scheduler.sleep(delays[attempt - 1]);
		}
	}

	/** One attempt: sets `record.httpStatus`, or `record.error` when the request failed. */
	private async post(task: KirinTask, url: string, record: CallbackAttempt): Promise<void> {
		const controller = new AbortController();
		this.inFlight.add(controller);
		try {
			const res = await request(url, {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify(task),
				dispatcher: this.agent,
				signal: controller.signal,
				headersTimeout: this.timeoutMs,
				bodyTimeout: this.timeoutMs,
			});
			record.httpStatus = res.statusCode;
			await res.body.dump().catch(() => undefined);
		} catch (error) {
			record.error = (error as Error)?.message ?? String(error);
		} finally {
			this.inFlight.delete(controller);
		}
	}
}
