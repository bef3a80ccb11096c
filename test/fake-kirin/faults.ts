/**
 * Faults the fake injects for the reliability tests: which ones exist, which request each one
 * hits, and how they count down.
 */

/**
 * Which requests a fault applies to: creates, status reads (`poll`: by id or by external id),
 * look-ups by external id only (`lookup`), or any `/v1` request.
 */
export type FaultTarget = 'create' | 'poll' | 'lookup' | 'any';

/** What a request was, as far as the fake's routes go. */
export type RequestKind = 'create' | 'poll' | 'lookup' | 'file' | 'other';

/**
 * What a fault does to the one request it hits:
 * - `reset`: the socket is reset after the body was read; nothing is handled (no task), no answer;
 * - `rateLimit`: 429 `rate_limited` with `Retry-After`; nothing is handled;
 * - `serverError`: 5xx `server_error`; nothing is handled;
 * - `resetAfter`: the request is handled (a create creates its task), then the socket is reset:
 *   the answer is lost;
 * - `cutBody`: handled, answered with the handler's status but only the first half of the JSON body;
 * - `slow`: handled at once, answered after `delayMs`;
 * - `hang`: handled at once, never answered: the socket stays open until the client gives up (its
 *   request timeout) or the server closes.
 */
export type FaultKind =
	'reset' | 'rateLimit' | 'serverError' | 'resetAfter' | 'cutBody' | 'slow' | 'hang';

/** A fault's kind with the settings its answer needs. */
export interface FaultEffect {
	kind: FaultKind;
	/** `serverError`: the status sent; default 500. */
	status?: 500 | 502 | 503 | 504;
	/** `rateLimit`: `Retry-After` in seconds (may be fractional, e.g. 0.05); default 1. */
	retryAfterSeconds?: number;
	/** `rateLimit`: `Retry-After` as an HTTP date instead of seconds. */
	retryAfterDate?: Date | string;
	/** `slow`: how long the answer is held, in ms; default 0. */
	delayMs?: number;
}

/**
 * A fault aimed at one request by its position: the `nth` request (counting from 1) among those
 * `on` matches, counted from the moment the schedule was set. Several entries may hit consecutive
 * requests, e.g. three `serverError` entries at `nth` 4, 5 and 6 of `create` make one create fail
 * three times in a row when the batch creates one task at a time.
 */
export interface ScheduledFault extends FaultEffect {
	on: FaultTarget;
	nth: number;
}

/**
 * Faults for the reliability suite, each counted down by the requests it hits (one fault per
 * request; checked in the order listed here, `schedule` first). Only authenticated `/v1` requests
 * are hit, except `downloadFail`, which hits `/files/` downloads.
 */
export interface FakeKirinFaults {
	/**
	 * Faults at given request positions (see {@link ScheduledFault}), for fault schedules drawn at
	 * random: setting it restarts the request counts; an entry is removed once it hit.
	 */
	schedule?: ScheduledFault[];
	/** Answer 429 `rate_limited` with `Retry-After` (seconds, default 1, or an HTTP date). No task is created. `on` defaults to `any`. */
	rateLimit?: {
		count: number;
		retryAfterSeconds?: number;
		retryAfterDate?: Date | string;
		on?: FaultTarget;
	};
	/** Answer `status` (default 500) `server_error`. No task is created. `on` defaults to `any`. */
	serverErrors?: { count: number; status?: 500 | 502 | 503 | 504; on?: FaultTarget };
	/** Reset the socket of this many creates after reading the body, without creating a task. */
	resetBeforeCreate?: number;
	/** Reset the socket of this many requests after reading the body, without handling them (no task, no answer). `on` defaults to `any`. */
	reset?: { count: number; on?: FaultTarget };
	/** Create the task (it is in the ledger and `fake.tasks`), then reset the socket: the response is lost. */
	resetAfterCreate?: number;
	/** Handle the request at once (a create creates its task) but answer after `delayMs`. `on` defaults to `any`. */
	slow?: { count: number; delayMs: number; on?: FaultTarget };
	/** Handle the request (a create creates its task) and never answer, so the client's request timeout ends it. `on` defaults to `any`. */
	hang?: { count: number; on?: FaultTarget };
	/** Handle the request (a create creates its task) but send the JSON body cut in half, with the handler's status (200 for a good request). `on` defaults to `any`. */
	malformedJson?: { count: number; on?: FaultTarget };
	/** Fail this many video downloads: a number or mode `status` answers 500; mode `reset` sends half the bytes, then resets the socket. */
	downloadFail?: number | { count: number; mode?: 'status' | 'reset' };
}

/** The fault that hit a request: its name in {@link FakeKirinFaults} and what it does. */
export interface FaultHit {
	name: keyof FakeKirinFaults;
	effect: FaultEffect;
}

/** A copy of `source` whose nested fault objects and lists are copies too (undefined keys are left out). */
function cloneFaults(source: FakeKirinFaults): FakeKirinFaults {
	const copy: FakeKirinFaults = {};
	for (const [key, value] of Object.entries(source)) {
		if (value === undefined) continue;
		(copy as Record<string, unknown>)[key] = Array.isArray(value)
			? value.map((entry: object) => ({ ...entry }))
			: typeof value === 'object'
				? { ...value }
				: value;
	}
	return copy;
}

/** Whether a fault aimed at `on` (default `any`) hits a request of `kind`. */
function matches(on: FaultTarget | undefined, kind: RequestKind): boolean {
	const target = on ?? 'any';
	if (target === 'any') return true;
	if (target === 'create') return kind === 'create';
	if (target === 'lookup') return kind === 'lookup';
	return kind === 'poll' || kind === 'lookup';
}

/** A counted fault (other than the socket resets of creates) and the effect it has. */
interface Counted {
	name: 'rateLimit' | 'serverErrors' | 'reset' | 'malformedJson' | 'slow' | 'hang';
	effect: (faults: FakeKirinFaults) => FaultEffect;
}

/** The counted faults that answer (or reset) before the request is handled, in the order checked. */
const BEFORE_HANDLING: Counted[] = [
	{
		name: 'rateLimit',
		effect: (f) => ({
			kind: 'rateLimit',
			retryAfterSeconds: f.rateLimit?.retryAfterSeconds,
			retryAfterDate: f.rateLimit?.retryAfterDate,
		}),
	},
	{
		name: 'serverErrors',
		effect: (f) => ({ kind: 'serverError', status: f.serverErrors?.status }),
	},
	{ name: 'reset', effect: () => ({ kind: 'reset' }) },
];

/** The counted faults that spoil the answer of a request that was handled, in the order checked. */
const AFTER_HANDLING: Counted[] = [
	{ name: 'malformedJson', effect: () => ({ kind: 'cutBody' }) },
	{ name: 'slow', effect: (f) => ({ kind: 'slow', delayMs: f.slow?.delayMs }) },
	{ name: 'hang', effect: () => ({ kind: 'hang' }) },
];

/** The armed faults of one fake server, with their remaining counts. */
export class FaultSet {
	private faults: FakeKirinFaults = {};
	/** Requests seen per target since the schedule was set (for {@link ScheduledFault.nth}). */
	private seen: Record<FaultTarget, number> = { create: 0, poll: 0, lookup: 0, any: 0 };

	/** The armed faults (live: read the settings of the fault a request took here). */
	get current(): Readonly<FakeKirinFaults> {
		return this.faults;
	}

	/** Adds or replaces faults (keys not given stay as they are); `next` is copied. A new `schedule` restarts its request counts. */
	set(next: FakeKirinFaults): void {
		this.faults = { ...this.faults, ...cloneFaults(next) };
		if (next.schedule !== undefined) this.seen = { create: 0, poll: 0, lookup: 0, any: 0 };
	}

	/** Removes every fault. */
	clear(): void {
		this.faults = {};
		this.seen = { create: 0, poll: 0, lookup: 0, any: 0 };
	}

	/** A copy of the armed faults, with their remaining counts. */
	active(): FakeKirinFaults {
		return cloneFaults(this.faults);
	}

	/** Picks the fault that hits an authenticated `/v1` request of `kind` and counts it down, or returns undefined. */
	take(kind: RequestKind): FaultHit | undefined {
		const scheduled = this.takeScheduled(kind);
		if (scheduled) return scheduled;
		const f = this.faults;
		if (kind === 'create' && f.resetBeforeCreate) {
			f.resetBeforeCreate--;
			return { name: 'resetBeforeCreate', effect: { kind: 'reset' } };
		}
		const answering = this.takeCounted(BEFORE_HANDLING, kind);
		if (answering) return answering;
		if (kind === 'create' && f.resetAfterCreate) {
			f.resetAfterCreate--;
			return { name: 'resetAfterCreate', effect: { kind: 'resetAfter' } };
		}
		return this.takeCounted(AFTER_HANDLING, kind);
	}

	/** Counts the request for the schedule and takes the entry aimed at it, if any. */
	private takeScheduled(kind: RequestKind): FaultHit | undefined {
		for (const target of ['create', 'poll', 'lookup', 'any'] as const) {
			if (matches(target, kind)) this.seen[target]++;
		}
		const schedule = this.faults.schedule;
		const index =
			schedule?.findIndex(
				(entry) => matches(entry.on, kind) && this.seen[entry.on] === entry.nth,
			) ?? -1;
		if (!schedule || index < 0) return undefined;
		const [entry] = schedule.splice(index, 1);
		const { on: _on, nth: _nth, ...effect } = entry;
		return { name: 'schedule', effect };
	}

	/** The first of `counted` that is armed for `kind`, counted down; undefined when none is. */
	private takeCounted(counted: Counted[], kind: RequestKind): FaultHit | undefined {
		for (const { name, effect } of counted) {
			const fault = this.faults[name];
			if (fault && fault.count > 0 && matches(fault.on, kind)) {
				const hit = { name, effect: effect(this.faults) };
				fault.count--;
				return hit;
			}
		}
		return undefined;
	}

	/** Counts down `downloadFail` and says how this download fails, or undefined when it does not. */
	takeDownload(): 'status' | 'reset' | undefined {
		const fault = this.faults.downloadFail;
		if (fault === undefined) return undefined;
		if (typeof fault === 'number') {
			if (fault <= 0) return undefined;
			this.faults.downloadFail = fault - 1;
			return 'status';
		}
		if (fault.count <= 0) return undefined;
		fault.count--;
		return fault.mode ?? 'status';
	}
}
