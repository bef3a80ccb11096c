/**
 * Faults the fake injects for the reliability tests: which ones exist, which request each one
 * hits, and how they count down.
 */

/** Which requests a fault applies to: creates, status look-ups (by id or external id), or any `/v1` request. */
export type FaultTarget = 'create' | 'poll' | 'any';

/** What a request was, as far as the fake's routes go. */
export type RequestKind = 'create' | 'poll' | 'lookup' | 'file' | 'other';

/**
 * Faults for the reliability suite, each counted down by the requests it hits (one fault per
 * request; checked in the order listed here). Only authenticated `/v1` requests are hit, except
 * `downloadFail`, which hits `/files/` downloads.
 */
export interface FakeKirinFaults {
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
	/** Create the task (it is in the ledger and `fake.tasks`), then reset the socket: the response is lost. */
	resetAfterCreate?: number;
	/** Handle the request at once (a create creates its task) but answer after `delayMs`. `on` defaults to `any`. */
	slow?: { count: number; delayMs: number; on?: FaultTarget };
	/** Handle the request (a create creates its task) but send the JSON body cut in half, with the handler's status (200 for a good request). `on` defaults to `any`. */
	malformedJson?: { count: number; on?: FaultTarget };
	/** Fail this many video downloads: a number or mode `status` answers 500; mode `reset` sends half the bytes, then resets the socket. */
	downloadFail?: number | { count: number; mode?: 'status' | 'reset' };
}

/** A copy of `source` whose nested fault objects are copies too (undefined keys are left out). */
function cloneFaults(source: FakeKirinFaults): FakeKirinFaults {
	const copy: FakeKirinFaults = {};
	for (const [key, value] of Object.entries(source)) {
		if (value !== undefined)
			(copy as Record<string, unknown>)[key] = typeof value === 'object' ? { ...value } : value;
	}
	return copy;
}

/** Whether a fault aimed at `on` (default `any`) hits a request of `kind`. */
function matches(on: FaultTarget | undefined, kind: RequestKind): boolean {
	const target = on ?? 'any';
	if (target === 'any') return true;
	if (target === 'create') return kind === 'create';
	return kind === 'poll' || kind === 'lookup';
}

/** The armed faults of one fake server, with their remaining counts. */
export class FaultSet {
	private faults: FakeKirinFaults = {};

	/** The armed faults (live: read the settings of the fault a request took here). */
	get current(): Readonly<FakeKirinFaults> {
		return this.faults;
	}

	/** Adds or replaces faults (keys not given stay as they are); `next` is copied. */
	set(next: FakeKirinFaults): void {
		this.faults = { ...this.faults, ...cloneFaults(next) };
	}

	/** Removes every fault. */
	clear(): void {
		this.faults = {};
	}

	/** A copy of the armed faults, with their remaining counts. */
	active(): FakeKirinFaults {
		return cloneFaults(this.faults);
	}

	/** Picks the fault that hits an authenticated `/v1` request of `kind` and counts it down, or returns undefined. */
	take(kind: RequestKind): keyof FakeKirinFaults | undefined {
		const f = this.faults;
		if (kind === 'create' && f.resetBeforeCreate) {
			f.resetBeforeCreate--;
			return 'resetBeforeCreate';
		}
		const answering = this.takeCounted(['rateLimit', 'serverErrors'], kind);
		if (answering) return answering;
		if (kind === 'create' && f.resetAfterCreate) {
			f.resetAfterCreate--;
			return 'resetAfterCreate';
		}
		return this.takeCounted(['malformedJson', 'slow'], kind);
	}

	/** The first of `names` that is armed for `kind`, counted down; undefined when none is. */
	private takeCounted<Name extends 'rateLimit' | 'serverErrors' | 'malformedJson' | 'slow'>(
		names: readonly Name[],
		kind: RequestKind,
	): Name | undefined {
		for (const name of names) {
			const fault = this.faults[name];
			if (fault && fault.count > 0 && matches(fault.on, kind)) {
				fault.count--;
				return name;
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
