import type { IDataObject } from 'n8n-workflow';

import { sleepUnlessAborted } from '../../../shared/sleep';
import type { Task } from '../../../shared/task';
import { executionIdOf, type BatchParams } from './params';
import { sendWake, settled, type Post } from './sendWake';
import { signedWake, type WakeMessage } from './wake';

/**
 * What one n8n process knows of the batches it receives callbacks for, and the sweeps that keep a
 * batch moving when callbacks stop. Nothing here is trusted as a result: a terminal task enters only
 * after the API confirmed it, and a wake carrying it is signed with the API key.
 *
 * One process that receives every callback of a batch knows when it has ended and wakes it. Where
 * the callbacks are spread over several processes (webhook processes behind a load balancer), a
 * callback was lost, or n8n restarted, no process knows the whole batch: a sweep then asks the
 * waiting execution to look up the tasks the sweeping process did not confirm, after a quiet period
 * of the poll interval (at least 1 s, doubling after each sweep that finds the batch unfinished, at
 * most 5 minutes) and, at the latest, at the deadline, when the batch resumes with what has ended.
 * Nothing is shared through the workflow's static data: n8n saves it whole after a live call that
 * changed it, which would put back a polling trigger's state saved meanwhile.
 */

interface BatchState {
	params: BatchParams;
	executionId: string;
	/** Confirmed terminal tasks by item. */
	results: Map<number, Task>;
	woken: boolean;
	/** When the next sweep is due (ms since the epoch), if one is armed. */
	sweepAt?: number;
	/** Sweeps that found the batch unfinished; each doubles the next quiet period. */
	fruitless: number;
	sweeper?: AbortController;
	/** Ends the sweeper's current wait early, when the next sweep was moved forward. */
	nap?: AbortController;
	/** Items this process received a callback for, with their external task ids. */
	heard: Map<number, string>;
	/** Items whose end this process is confirming or has confirmed (by task id). */
	confirming: Map<number, string>;
	touchedAt: number;
}

/** The longest quiet period between two sweeps, in milliseconds. */
const MAX_QUIET_MS = 5 * 60_000;
/** The shortest quiet period, in milliseconds, however short the poll interval. */
const MIN_QUIET_MS = 1000;
const MAX_BATCHES = 1000;
const batches = new Map<string, BatchState>();

function stateOf(params: BatchParams): BatchState | undefined {
	const executionId = executionIdOf(params.resumeUrl);
	if (!executionId) return undefined;
	const key = `${executionId}|${params.batch}`;
	let state = batches.get(key);
	if (!state) {
		if (batches.size >= MAX_BATCHES) {
			const oldest = [...batches.entries()].sort((a, b) => a[1].touchedAt - b[1].touchedAt)[0];
			oldest[1].sweeper?.abort();
			batches.delete(oldest[0]);
		}
		state = {
			params,
			executionId,
			results: new Map(),
			confirming: new Map(),
			heard: new Map(),
			woken: false,
			fruitless: 0,
			touchedAt: Date.now(),
		};
		batches.set(key, state);
	}
	state.touchedAt = Date.now();
	state.heard.set(params.itemIndex, params.externalTaskId);
	return state;
}

/** The wake message for a batch as this process knows it. */
function wakeMessage(state: BatchState, reason: WakeMessage['reason']): WakeMessage {
	return {
		batch: state.params.batch,
		reason,
		deadline: state.params.deadline,
		results: [...state.results].map(([itemIndex, task]) => ({
			itemIndex,
			task: task as unknown as IDataObject,
		})),
		anchors: [...state.heard].map(([itemIndex, externalTaskId]) => ({ itemIndex, externalTaskId })),
	};
}

/**
 * Records a terminal task the API confirmed, and tells what follows for the batch.
 *
 * @returns `complete` with the wake message when this process has confirmed every task of the
 *   batch; `pending` otherwise (the caller arms a sweep); `done` when this process already woke it
 */
export function recordTerminal(
	params: BatchParams,
	task: Task,
):
	{ state: 'complete'; message: WakeMessage; executionId: string } | { state: 'pending' | 'done' } {
	const state = stateOf(params);
	if (!state) return { state: 'pending' };
	if (state.woken) return { state: 'done' };
	state.results.set(params.itemIndex, task);
	state.fruitless = 0;
	if (state.results.size >= params.taskCount) {
		state.woken = true;
		state.sweeper?.abort();
		return {
			state: 'complete',
			message: wakeMessage(state, 'complete'),
			executionId: state.executionId,
		};
	}
	return { state: 'pending' };
}

/**
 * Whether this process is confirming or has confirmed the end of this item's task, in which case a
 * repeated delivery needs no second status request; otherwise marks it as being confirmed.
 */
export function alreadyEnded(params: BatchParams, taskId: string): boolean {
	const state = stateOf(params);
	if (!state) return false;
	if (state.woken || state.confirming.get(params.itemIndex) === taskId) return true;
	state.confirming.set(params.itemIndex, taskId);
	return false;
}

/** Forgets a confirmation that the API refused, so that a later delivery is checked again. */
export function confirmationRefused(params: BatchParams): void {
	stateOf(params)?.confirming.delete(params.itemIndex);
}

/**
 * Notes an intermediate callback: the batch is under way, so this process keeps one sweep armed
 * for the deadline, when the batch resumes with whatever has ended even if no further callback
 * ever arrives (a lost final callback of the last task).
 */
export function noteUnderway(params: BatchParams, post: Post, apiKey: string): void {
	const state = stateOf(params);
	if (!state || state.woken || state.sweeper) return;
	armSweep(params, post, apiKey, params.deadline);
}

/**
 * After a wake this process sent did not settle the batch (see {@link settled}): the batch is no
 * longer taken as woken here, and a sweep is armed, so that it still resumes.
 *
 * @param apiKey signs the sweep
 */
export function wakeFailed(params: BatchParams, post: Post, apiKey: string): void {
	const state = stateOf(params);
	if (!state) return;
	state.woken = false;
	armSweep(params, post, apiKey);
}

/** Marks a batch resumed in this process (the resume happened here), ending its sweeps. */
export function markWoken(params: BatchParams): void {
	const state = stateOf(params);
	if (!state) return;
	state.woken = true;
	state.sweeper?.abort();
}

function quietMs(state: BatchState): number {
	const base = Math.max(MIN_QUIET_MS, state.params.intervalMs);
	return Math.min(MAX_QUIET_MS, base * 2 ** state.fruitless);
}

/**
 * Arms (or pushes back) the batch's sweep: after a quiet period (or at `at`, ms since the epoch)
 * this process posts a `sweep` wake, and the waiting execution looks up the tasks this process did
 * not confirm. One sweeper per batch and process;
 * it stops when the batch resumes or its execution stops waiting.
 *
 * @param apiKey signs the sweep
 */
export function armSweep(params: BatchParams, post: Post, apiKey: string, at?: number): void {
	const state = stateOf(params);
	if (!state || state.woken) return;
	const previous = state.sweepAt;
	state.sweepAt = at ?? Math.min(Date.now() + quietMs(state), params.deadline);
	// A sweeper aborted a moment ago (the batch seemed complete) may not have ended yet: replace it.
	if (state.sweeper && !state.sweeper.signal.aborted) {
		if (previous === undefined || state.sweepAt < previous) state.nap?.abort();
		return;
	}
	const controller = new AbortController();
	state.sweeper = controller;
	const run = async () => {
		while (!state.woken && !controller.signal.aborted) {
			const wait = (state.sweepAt ?? params.deadline) - Date.now();
			if (wait > 0) {
				const nap = new AbortController();
				state.nap = nap;
				await sleepUnlessAborted(wait, AbortSignal.any([controller.signal, nap.signal])).catch(
					() => undefined,
				);
				continue;
			}
			const message = wakeMessage(state, 'sweep');
			const answer = await sendWake(
				post,
				params,
				signedWake(message, apiKey, state.executionId),
				controller.signal,
			);
			// Resumed, or no longer waiting for this batch: nothing left to do.
			if (settled(answer)) state.woken = true;
			if (state.woken || controller.signal.aborted || Date.now() > params.deadline + 60_000) break;
			state.fruitless++;
			// The next sweep after a quiet period; the deadline's sweep at the deadline, once.
			const next = Date.now() + quietMs(state);
			state.sweepAt = Date.now() < params.deadline ? Math.min(next, params.deadline) : next;
		}
		if (state.sweeper === controller) state.sweeper = undefined;
	};
	void run().catch(() => {
		if (state.sweeper === controller) state.sweeper = undefined;
	});
}
