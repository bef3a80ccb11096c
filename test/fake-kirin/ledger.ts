/** The fake's record of every request it received and every callback it tried to deliver. */
import type { IncomingHttpHeaders } from 'node:http';

import type { FakeKirinFaults, FaultKind, RequestKind } from './faults';
import type { KirinTask, TaskStatus } from './tasks';

/**
 * One HTTP request the fake received. `status` is the status sent, 0 when the socket was reset (or
 * the server closed) without an answer. `authorization` says whether the header was present;
 * `authorizationHeader` is its raw value (so a test can search logs and outputs for leaks);
 * `headers` holds all other request headers. `at` is the receipt time in ms since the epoch.
 */
export interface LedgerEntry {
	method: string;
	path: string;
	query: Record<string, string>;
	/** Parsed JSON body, or undefined when there was none or it was not JSON. */
	body: unknown;
	authorization: boolean;
	authorizationHeader?: string;
	headers: IncomingHttpHeaders;
	status: number;
	at: number;
	kind: RequestKind;
	/** Task the request was about: path id of a poll or file, resolved task of a lookup. */
	taskId?: string;
	/** Set when this request created a task (even if its response was then lost to a fault). */
	createdTaskId?: string;
	/** Name of the fault that hit this request. */
	fault?: keyof FakeKirinFaults;
	/** What that fault did to it (`reset`, `hang`...; see `FaultKind`). */
	faultKind?: FaultKind;
}

/**
 * One attempt to deliver a callback. `copy` is 1, or 2 for the duplicate of `duplicateCallbacks`;
 * `attempt` counts from 1 (retries follow). `httpStatus` is the receiver's answer, absent when
 * `error` says why the request failed. `at` is when the attempt was sent (ms since the epoch).
 */
export interface CallbackAttempt {
	taskId: string;
	taskStatus: TaskStatus;
	url: string;
	copy: number;
	attempt: number;
	httpStatus?: number;
	error?: string;
	at: number;
	body: KirinTask;
}

/** Requests and callback attempts the fake has seen, with the queries the tests need. */
export class FakeKirinLedger {
	/** Every request, in order of receipt. */
	readonly entries: LedgerEntry[] = [];
	/** Every callback delivery attempt, in order of completion. */
	readonly callbackAttempts: CallbackAttempt[] = [];

	/** Requests that created a task (including those whose response a fault then lost). */
	creates(): LedgerEntry[] {
		return this.entries.filter((e) => e.createdTaskId !== undefined);
	}

	/** Every `POST /v1/videos/generations`, whatever its answer. */
	createAttempts(): LedgerEntry[] {
		return this.entries.filter((e) => e.kind === 'create');
	}

	/** Number of tasks created per `external_task_id` (creates without one are left out). */
	createsByExternalId(): Record<string, number> {
		const counts: Record<string, number> = {};
		for (const e of this.creates()) {
			const id = (e.body as { external_task_id?: unknown } | undefined)?.external_task_id;
			if (typeof id === 'string') counts[id] = (counts[id] ?? 0) + 1;
		}
		return counts;
	}

	/** Number of status reads of a task: `GET /v1/tasks/{id}` plus external-id look-ups that found it. */
	statusPolls(taskId: string): number {
		return this.entries.filter(
			(e) => (e.kind === 'poll' || e.kind === 'lookup') && e.taskId === taskId,
		).length;
	}

	/** Video download requests, optionally of one task only. */
	downloads(taskId?: string): LedgerEntry[] {
		return this.entries.filter(
			(e) => e.kind === 'file' && (taskId === undefined || e.taskId === taskId),
		);
	}

	/** Callback delivery attempts, optionally of one task only. */
	callbacks(taskId?: string): CallbackAttempt[] {
		return this.callbackAttempts.filter((c) => taskId === undefined || c.taskId === taskId);
	}

	/** Forgets all requests and callback attempts (tasks are kept). */
	reset(): void {
		this.entries.length = 0;
		this.callbackAttempts.length = 0;
	}
}
