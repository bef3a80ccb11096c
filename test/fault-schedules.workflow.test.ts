/**
 * Fault schedules drawn at random: for each seed, a batch of 1 to 30 items with Max Concurrency 1
 * to 10 runs as a real n8n workflow execution of the built node (Manual Trigger -> Items -> Kirin)
 * against a fake Kirin server that fails chosen requests (which request, how, how often in a row:
 * 5xx, 429 with Retry-After, a connection reset before or after the request is handled, a cut
 * answer, a slow answer, no answer at all so the request times out) and, in some schedules, a
 * stop of the execution after the n-th request. Completion is Wait and Poll or Don't Wait, with
 * Continue On Fail and Retry On Fail on or off, derived, user-set or reuse-option external ids,
 * and items whose task fails or never finishes (so the node's Timeout ends their wait).
 *
 * After each run, the fake's ledger must show:
 * - **nothing paid for is lost**: every task the server created is named by the node: its task id
 *   in the output (a result item or an error item) or in the node's error, or, for a task whose
 *   answer never reached the node, its external task id in an error (Get Task finds it by that
 *   id). A task that failed is left out of this rule: it costs nothing and holds no video, and the
 *   node replaces one it finds failed after a lost answer with a fresh task (`<id>-r1`);
 * - **nothing paid twice**: no input item has two tasks that do not fail;
 * - **one item per input**: a run that ended without a node error outputs one item per input item,
 *   in order, and each result names a task created for its own item.
 *
 * `npm test` runs seeds 1 to 100 and the fixed schedules below; `npm run test:faults` runs 3000
 * seeds. Both read `FAULT_SEED` (the first seed, default 1), `FAULT_RUNS` (how many seeds) and
 * `FAULT_PARALLEL` (schedules run at once, default 4); `FAULT_SCHEDULE` runs one schedule given as
 * JSON. A failure prints each failing seed with its schedule, what the node reported, the fake's
 * requests in short, and the command that runs it again. The schedule is the seed's on every
 * machine; the timing of concurrent requests is not, so a rare failure may need a few runs.
 */
import type { IDataObject, IRun } from 'n8n-workflow';

import {
	startFakeKirin,
	type FakeKirin,
	type FaultKind,
	type FaultTarget,
	type ScheduledFault,
} from './fake-kirin/server';
import { mulberry32 } from './fake-kirin/videos';
import { apiRequest, createOverHttp } from './harness/fake-api';
import { startWorkflow } from './harness/harness';
import { jsonText } from './harness/json';
import { sleep, waitFor } from './harness/wait';
import {
	generateFromPrompts,
	kirinCredentials,
	kirinWorkflow,
	type TestItem,
} from './harness/workflows';

// ---- the schedules ----

/** A seeded PRNG of numbers in [0, 1): the same seed draws the same schedule on every machine. */
function prng(seed: number): () => number {
	const next = mulberry32(seed);
	return () => next() / 4294967296;
}

/** Draws from a seeded PRNG: integers, choices, weighted choices, coin flips. */
class Draw {
	private readonly next: () => number;

	constructor(seed: number) {
		this.next = prng(seed);
	}

	/** An integer from `min` to `max`, both included. */
	int(min: number, max: number): number {
		return min + Math.floor(this.next() * (max - min + 1));
	}

	/** True with probability `p`. */
	chance(p: number): boolean {
		return this.next() < p;
	}

	/** One of `weights`' keys, each as likely as its weight. */
	weighted<K extends string>(weights: Record<K, number>): K {
		const entries = Object.entries(weights) as Array<[K, number]>;
		let pick = this.next() * entries.reduce((sum, [, weight]) => sum + weight, 0);
		for (const [key, weight] of entries) {
			pick -= weight;
			if (pick < 0) return key;
		}
		return entries[entries.length - 1][0];
	}
}

/** One run: the batch, the node's settings, the faults of the fake and when to stop the execution. */
interface Schedule {
	seed: number;
	items: number;
	/** Items whose task fails (`[fail:095]`) or never finishes (`[never]`). */
	markers: Record<number, 'fail' | 'never'>;
	maxConcurrency: number;
	completion: 'poll' | 'none';
	continueOnFail: boolean;
	retryOnFail: boolean;
	maxRetries: number;
	/** Options > Request Timeout, in ms. */
	requestTimeoutMs: number;
	/** Options > Timeout, in ms (short when an item never finishes). */
	timeoutMs: number;
	/** External ids: derived by the node, set by the user, or those of the reuse option. */
	ids: 'derived' | 'own' | 'reuse';
	/** The fake's faults, by request position. */
	faults: ScheduledFault[];
	/** Stop the execution once the fake has received this many requests. */
	stopAfterRequests?: number;
}

/** How likely each kind of fault is. */
const FAULT_WEIGHTS: Record<FaultKind, number> = {
	serverError: 20,
	rateLimit: 15,
	reset: 15,
	resetAfter: 20,
	cutBody: 10,
	slow: 10,
	hang: 10,
};

/** The schedule of `seed`. */
function drawSchedule(seed: number): Schedule {
	const draw = new Draw(seed);
	const items = draw.chance(0.2) ? draw.int(1, 3) : draw.int(1, 30);
	const markers: Schedule['markers'] = {};
	for (let index = 0; index < items; index++) {
		if (draw.chance(0.08)) markers[index] = 'fail';
		else if (draw.chance(0.04)) markers[index] = 'never';
	}
	const maxRetries = draw.int(0, 3);
	const requestTimeoutMs = [100, 150, 250][draw.int(0, 2)];
	const faults: ScheduledFault[] = [];
	const taken = new Set<string>();
	const bursts = draw.weighted({ 0: 1, 1: 3, 2: 3, 3: 2, 4: 1, 6: 1 });
	for (let burst = 0; burst < Number(bursts); burst++) {
		const on = draw.weighted<FaultTarget>({ create: 50, poll: 30, lookup: 10, any: 10 });
		const kind = draw.weighted(FAULT_WEIGHTS);
		const span = on === 'create' || on === 'lookup' ? items + 3 : items * 3 + 3;
		const nth = draw.int(1, span);
		const length = draw.chance(0.3) ? draw.int(2, maxRetries + 2) : 1;
		const settings: Omit<ScheduledFault, 'on' | 'nth' | 'kind'> = {};
		if (kind === 'serverError') settings.status = [500, 502, 503, 504][draw.int(0, 3)] as 500;
		if (kind === 'rateLimit') settings.retryAfterSeconds = [0, 0.01, 0.03][draw.int(0, 2)];
		if (kind === 'slow') settings.delayMs = draw.int(5, 300);
		for (let offset = 0; offset < length; offset++) {
			const key = `${on}:${nth + offset}`;
			if (taken.has(key)) continue;
			taken.add(key);
			faults.push({ on, nth: nth + offset, kind, ...settings });
		}
	}
	const completion = draw.chance(0.2) ? 'none' : 'poll';
	return {
		seed,
		items,
		markers,
		maxConcurrency: draw.int(1, 10),
		completion,
		continueOnFail: draw.chance(0.5),
		retryOnFail: draw.chance(0.15),
		maxRetries,
		requestTimeoutMs,
		timeoutMs: Object.values(markers).includes('never') ? 300 : 30_000,
		ids: draw.weighted({ derived: 8, own: 1, reuse: 1 }),
		faults,
		stopAfterRequests: draw.chance(0.15) ? draw.int(1, items * 2 + 2) : undefined,
	};
}

// ---- one run ----

/** How long the fake takes to finish a task without a marker. */
const GENERATION_MS = 40;

/** The item index a create request was for, read from its prompt (`s<seed> item <index>`). */
function itemOfPrompt(body: unknown): number {
	const prompt = String((body as { prompt?: unknown } | undefined)?.prompt ?? '');
	return Number(/ item (\d+)\b/.exec(prompt)?.[1] ?? -1);
}

/** The input items of a schedule: unique prompts (per seed and item), markers, user ids. */
function inputItems(schedule: Schedule): TestItem[] {
	const run = `${schedule.seed}-${process.pid}-${Date.now()}`;
	return Array.from({ length: schedule.items }, (_, index) => {
		const marker = schedule.markers[index];
		const suffix = marker === 'fail' ? ' [fail:095]' : marker === 'never' ? ' [never]' : '';
		return { json: { prompt: `s${run} item ${index}${suffix}`, sku: `sku-${run}-${index}` } };
	});
}

/** The Generate Video parameters of a schedule. */
function parametersOf(schedule: Schedule): IDataObject {
	const options: IDataObject = {
		pollInterval: 0.02,
		timeout: schedule.timeoutMs / 60_000,
		maxConcurrency: schedule.maxConcurrency,
		maxRetries: schedule.maxRetries,
		retryDelay: 0.01,
		requestTimeout: schedule.requestTimeoutMs / 1000,
	};
	if (schedule.ids === 'own') options.externalTaskId = '={{ $json.sku }}';
	if (schedule.ids === 'reuse') options.reuseWithinHours = 1;
	return generateFromPrompts({ completion: schedule.completion, options });
}

/** Whether `text` names `id` as a whole id (not as the start of a longer one, e.g. `<id>-r1`). */
function names(text: string, id: string): boolean {
	const escaped = id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
	return new RegExp(`${escaped}(?![\\w-])`).test(text);
}

/** What one run showed: the rules it broke, and a few counts for the summary. */
interface Outcome {
	violations: string[];
	/** The node's error message, if it ended with one. */
	errorMessage?: string;
	/** What the run showed, for the failure report. */
	details: string;
	created: number;
	stopped: boolean;
	nodeError: boolean;
	ms: number;
}

/** The longest a run may take before it counts as hung. */
const RUN_LIMIT_MS = 30_000;

/** Runs one schedule against a fake server of its own and checks the ledger (see the file header). */
async function runSchedule(schedule: Schedule): Promise<Outcome> {
	const fake: FakeKirin = await startFakeKirin({ generationMs: GENERATION_MS });
	const started = Date.now();
	try {
		fake.setFaults({ schedule: schedule.faults });
		const inputs = inputItems(schedule);
		const execution = await startWorkflow(
			kirinWorkflow(
				parametersOf(schedule),
				inputs,
				schedule.retryOnFail
					? { continueOnFail: schedule.continueOnFail, retryOnFail: true, waitBetweenTries: 10 }
					: { continueOnFail: schedule.continueOnFail },
			),
			kirinCredentials(fake),
		);
		let finished = false;
		const done = execution.done.finally(() => {
			finished = true;
		});
		let stopped = false;
		if (schedule.stopAfterRequests !== undefined) {
			const threshold = schedule.stopAfterRequests;
			await waitFor(() => finished || fake.ledger.entries.length >= threshold, {
				timeoutMs: RUN_LIMIT_MS,
				intervalMs: 1,
				what: `request ${threshold}`,
			});
			if (!finished) {
				stopped = true;
				execution.cancel();
			}
		}
		let limit: NodeJS.Timeout | undefined;
		const run = await Promise.race([
			done,
			new Promise<undefined>((resolve) => {
				limit = setTimeout(() => resolve(undefined), RUN_LIMIT_MS);
			}),
		]).finally(() => clearTimeout(limit));
		if (run === undefined) {
			execution.cancel();
			return {
				violations: [`the execution did not end within ${RUN_LIMIT_MS} ms`],
				details: `  requests: ${trace(fake)}`,
				created: fake.ledger.creates().length,
				stopped,
				nodeError: false,
				ms: Date.now() - started,
			};
		}
		// A request the stop cut off may still reach the fake's handler a moment later.
		if (stopped) await sleep(50);
		return { ...checkLedger(schedule, fake, run, stopped), ms: Date.now() - started };
	} finally {
		await fake.close();
	}
}

/** The rules of the file header, checked on the fake's ledger and the run's data. */
function checkLedger(
	schedule: Schedule,
	fake: FakeKirin,
	run: IRun,
	stopped: boolean,
): Omit<Outcome, 'ms'> {
	const violations: string[] = [];
	const kirinRuns = run.data.resultData.runData.Kirin ?? [];
	const last = kirinRuns[kirinRuns.length - 1];
	const output = last?.data?.main?.[0] ?? [];
	const nodeError = last?.error;
	const outputText = jsonText(output);
	// The node's error, the execution's, and the error items of Continue On Fail.
	const errorText = jsonText([
		kirinRuns.map((task) => task.error),
		run.data.resultData.error,
		output.filter((item) => item.json.error !== undefined),
	]);

	const creates = fake.ledger.creates();
	const paidByItem = new Map<number, string[]>();
	for (const entry of creates) {
		const taskId = entry.createdTaskId!;
		const task = fake.tasks.get(taskId)!;
		const item = itemOfPrompt(entry.body);
		const externalId = task.externalTaskId ?? '';
		const named =
			names(outputText, taskId) ||
			names(errorText, taskId) ||
			(externalId !== '' && names(errorText, externalId));
		if (!named && task.outcome !== 'failed') {
			violations.push(
				`task ${taskId} (item ${item}, external id ${externalId}, ${task.outcome}) is named by neither the output nor the error`,
			);
		}
		if (task.outcome !== 'failed') paidByItem.set(item, [...(paidByItem.get(item) ?? []), taskId]);
	}
	for (const [item, taskIds] of paidByItem) {
		if (taskIds.length > 1)
			violations.push(`item ${item} has ${taskIds.length} paid tasks: ${taskIds.join(', ')}`);
	}

	if (!stopped && !nodeError && last) {
		if (output.length !== schedule.items) {
			violations.push(`${output.length} output items for ${schedule.items} input items`);
		}
		output.forEach((item, index) => {
			const paired = (item.pairedItem as { item?: number } | undefined)?.item;
			if (paired !== index) violations.push(`output item ${index} is paired with item ${paired}`);
			const taskId = item.json.taskId;
			if (typeof taskId !== 'string') return;
			const entry = creates.find((candidate) => candidate.createdTaskId === taskId);
			const forItem = entry ? itemOfPrompt(entry.body) : -1;
			if (forItem !== index) {
				violations.push(`output item ${index} names task ${taskId}, created for item ${forItem}`);
			}
		});
	}
	const details =
		violations.length === 0
			? ''
			: [
					`  node error: ${nodeError ? `${nodeError.message} | ${String((nodeError as { description?: unknown }).description ?? '')}` : 'none'}`,
					`  output: ${output.length} items${stopped ? ', stopped' : ''}`,
					`  requests: ${trace(fake)}`,
				].join('\n');
	return {
		violations,
		details,
		errorMessage: nodeError?.message,
		created: creates.length,
		stopped,
		nodeError: Boolean(nodeError),
	};
}

/**
 * The fake's ledger in short, one entry per request: `C3` a create for item 3, `L3` a look-up of
 * its external id, `P3` a status read of its task; then the status (`-` for none: a reset or no
 * answer), the fault, and the task a create made (`+tsk_...`).
 */
function trace(fake: FakeKirin): string {
	const itemOfExternal = new Map<string, number>();
	const itemOfTask = new Map<string, number>();
	for (const entry of fake.ledger.createAttempts()) {
		const externalId = (entry.body as { external_task_id?: string } | undefined)?.external_task_id;
		if (externalId) itemOfExternal.set(externalId, itemOfPrompt(entry.body));
		if (entry.createdTaskId) itemOfTask.set(entry.createdTaskId, itemOfPrompt(entry.body));
	}
	return fake.ledger.entries
		.map((entry) => {
			const item =
				entry.kind === 'create'
					? itemOfPrompt(entry.body)
					: entry.kind === 'lookup'
						? itemOfExternal.get(entry.query.external_task_id ?? '')
						: itemOfTask.get(entry.taskId ?? '');
			const letter = entry.kind === 'create' ? 'C' : entry.kind === 'lookup' ? 'L' : 'P';
			const fault = entry.faultKind ? `!${entry.faultKind}` : '';
			const made = entry.createdTaskId ? `+${entry.createdTaskId}` : '';
			return `${letter}${item ?? '?'}:${entry.status || '-'}${fault}${made}`;
		})
		.join(' ');
}

// ---- the fake's new faults ----

describe("the fake's scheduled faults", () => {
	let fake: FakeKirin;
	const body = (externalTaskId: string) => ({
		model: 'kirin_v2_6_t2v',
		prompt: 'a red fox in snow',
		external_task_id: externalTaskId,
	});

	beforeEach(async () => {
		fake = await startFakeKirin({ generationMs: GENERATION_MS });
	});
	afterEach(async () => await fake.close());

	test('a scheduled fault hits the nth request of its target, once; setting a schedule restarts the count', async () => {
		fake.setFaults({
			schedule: [
				{ on: 'create', nth: 2, kind: 'serverError', status: 503 },
				{ on: 'poll', nth: 1, kind: 'rateLimit', retryAfterSeconds: 0.05 },
			],
		});
		const first = await createOverHttp(fake, body('a'));
		expect(first.status).toBe(200);
		const polled = await apiRequest(fake, 'GET', `/v1/tasks/${first.json.task_id}`);
		expect(polled.status).toBe(429);
		expect(polled.headers.get('retry-after')).toBe('0.05');
		expect((await createOverHttp(fake, body('b'))).status).toBe(503);
		expect((await createOverHttp(fake, body('b'))).status).toBe(200);
		expect(fake.activeFaults().schedule).toEqual([]);
		fake.setFaults({ schedule: [{ on: 'create', nth: 1, kind: 'serverError' }] });
		expect((await createOverHttp(fake, body('c'))).status).toBe(500);
		expect(fake.ledger.entries.map((entry) => entry.faultKind)).toEqual([
			undefined,
			'rateLimit',
			'serverError',
			undefined,
			'serverError',
		]);
	});

	test('reset: no answer and nothing handled; lookup aims at look-ups by external id only', async () => {
		const created = await createOverHttp(fake, body('d'));
		fake.setFaults({
			schedule: [
				{ on: 'lookup', nth: 1, kind: 'reset' },
				// `poll` counts look-ups too: the poll, the look-up, then this one.
				{ on: 'poll', nth: 3, kind: 'reset' },
			],
		});
		expect((await apiRequest(fake, 'GET', `/v1/tasks/${created.json.task_id}`)).status).toBe(200);
		await expect(apiRequest(fake, 'GET', '/v1/tasks?external_task_id=d')).rejects.toThrow();
		await expect(apiRequest(fake, 'GET', `/v1/tasks/${created.json.task_id}`)).rejects.toThrow();
		const [, lookup, poll] = fake.ledger.entries.slice(1);
		expect(lookup).toMatchObject({ kind: 'lookup', status: 0, faultKind: 'reset' });
		expect(lookup.taskId).toBeUndefined();
		expect(poll).toMatchObject({ kind: 'poll', status: 0, faultKind: 'reset' });
	});

	test('hang: the create is handled, its answer never comes; counted as well as scheduled', async () => {
		fake.setFaults({ hang: { count: 1, on: 'create' } });
		const hung = fetch(`${fake.url}/v1/videos/generations`, {
			method: 'POST',
			headers: { authorization: `Bearer ${fake.apiKey}`, 'content-type': 'application/json' },
			body: JSON.stringify(body('e')),
			signal: AbortSignal.timeout(300),
		});
		await expect(hung).rejects.toThrow();
		const [entry] = fake.ledger.creates();
		expect(entry).toMatchObject({ status: 0, fault: 'hang', faultKind: 'hang' });
		expect(fake.tasks.get(entry.createdTaskId!)?.externalTaskId).toBe('e');
		expect((await createOverHttp(fake, body('e'))).status).toBe(409);
	});
});

// ---- what the schedules found, kept as fixed cases ----

/** A schedule written by hand: 3 items, one at a time, no retries, long request timeout. */
function fixedSchedule(seed: number, overrides: Partial<Schedule>): Schedule {
	return {
		seed,
		items: 3,
		markers: {},
		maxConcurrency: 1,
		completion: 'poll',
		continueOnFail: false,
		retryOnFail: false,
		maxRetries: 0,
		requestTimeoutMs: 5000,
		timeoutMs: 30_000,
		ids: 'derived',
		faults: [],
		...overrides,
	};
}

describe('fixed schedules: the defects the random ones found', () => {
	test('a stop while a create hangs: the error names the tasks created and the one cut off', async () => {
		const schedule = fixedSchedule(-1, {
			faults: [{ on: 'create', nth: 3, kind: 'hang' }],
			stopAfterRequests: 3,
		});
		const outcome = await runSchedule(schedule);
		expect(outcome.stopped).toBe(true);
		expect(outcome.created).toBe(3);
		expect(outcome.errorMessage).toMatch(/canceled/);
		expectNoFailures(outcome.violations.length ? [report(schedule, outcome)] : [], 1);
	});

	test('a create fails for good while another is in flight: the error names the task the other made', async () => {
		const schedule = fixedSchedule(-2, {
			items: 2,
			maxConcurrency: 2,
			faults: [
				{ on: 'create', nth: 1, kind: 'serverError' },
				{ on: 'create', nth: 2, kind: 'slow', delayMs: 400 },
				{ on: 'lookup', nth: 1, kind: 'serverError' },
			],
		});
		const outcome = await runSchedule(schedule);
		expect(outcome.created).toBe(1);
		expect(outcome.nodeError).toBe(true);
		expectNoFailures(outcome.violations.length ? [report(schedule, outcome)] : [], 1);
	});

	test('Retry On Fail after a stop: the last try names the tasks the first one created', async () => {
		const schedule = fixedSchedule(-3, {
			retryOnFail: true,
			faults: [{ on: 'create', nth: 3, kind: 'hang' }],
			stopAfterRequests: 3,
		});
		const outcome = await runSchedule(schedule);
		expect(outcome.stopped).toBe(true);
		expect(outcome.created).toBe(3);
		expectNoFailures(outcome.violations.length ? [report(schedule, outcome)] : [], 1);
	});

	test('Retry On Fail whose last try stops early: it names what the first try created for the items it did not reach', async () => {
		const schedule = fixedSchedule(-4, {
			retryOnFail: true,
			markers: { 2: 'fail' },
			// The second try's first create answers 500 and so does its look-up: that try stops there.
			faults: [
				{ on: 'create', nth: 4, kind: 'serverError' },
				{ on: 'lookup', nth: 1, kind: 'serverError' },
			],
		});
		const outcome = await runSchedule(schedule);
		expect(outcome.created).toBe(3);
		expect(outcome.errorMessage).toMatch(/^Looking up the task/);
		expectNoFailures(outcome.violations.length ? [report(schedule, outcome)] : [], 1);
	});
});

// ---- the seeds ----

/** Reads a whole number from the environment, or the default. */
function envInt(name: string, fallback: number): number {
	const raw = process.env[name];
	if (raw === undefined || raw.trim() === '') return fallback;
	const value = Number(raw);
	if (!Number.isInteger(value) || value < 0)
		throw new Error(`${name} must be a whole number, got "${raw}"`);
	return value;
}

const FIRST_SEED = envInt('FAULT_SEED', 1);
const RUNS = envInt('FAULT_RUNS', 100);
/** Schedules run at the same time, each against its own fake server. */
const PARALLEL = envInt('FAULT_PARALLEL', 4);
/** Seeds per jest test, so that the output shows progress and each test stays within its timeout. */
const SEEDS_PER_TEST = 50;

/** The failure report of a schedule: the rules broken, the schedule, and how to run it again. */
function report(schedule: Schedule, outcome: Outcome): string {
	return [
		`seed ${schedule.seed}: ${outcome.violations.join('; ')}`,
		`  schedule: ${JSON.stringify(schedule)}`,
		outcome.details,
		`  run again: FAULT_SEED=${schedule.seed} FAULT_RUNS=1 npm run test:faults`,
		`  or, edited: FAULT_SCHEDULE='<schedule JSON>' npm run test:faults`,
	].join('\n');
}

/** Every outcome of this file's run, for the summary of a long run. */
const outcomes: Outcome[] = [];

/** Runs `schedules` with at most {@link PARALLEL} at once; resolves with the failure reports. */
async function runAll(schedules: Schedule[]): Promise<string[]> {
	const failures: string[] = [];
	let next = 0;
	const lane = async () => {
		while (next < schedules.length) {
			const schedule = schedules[next++];
			const outcome = await runSchedule(schedule);
			outcomes.push(outcome);
			if (outcome.violations.length > 0) failures.push(report(schedule, outcome));
		}
	};
	await Promise.all(Array.from({ length: Math.max(1, PARALLEL) }, lane));
	return failures;
}

/** Fails the test with every failure report, if there is any. */
function expectNoFailures(failures: string[], count: number): void {
	if (failures.length === 0) return;
	throw new Error(`${failures.length} of ${count} schedules broke a rule:\n${failures.join('\n')}`);
}

const given = process.env.FAULT_SCHEDULE;
const groups: number[][] = [];
for (let offset = 0; offset < RUNS && !given; offset += SEEDS_PER_TEST) {
	const count = Math.min(SEEDS_PER_TEST, RUNS - offset);
	groups.push(Array.from({ length: count }, (_, index) => FIRST_SEED + offset + index));
}
const startedAt = Date.now();

const describeRuns = groups.length > 0 || given ? describe : describe.skip;

describeRuns(`fault schedules: seeds ${FIRST_SEED} to ${FIRST_SEED + RUNS - 1}`, () => {
	if (given) {
		test(
			'the schedule of FAULT_SCHEDULE: every created task named, no item paid twice',
			async () => expectNoFailures(await runAll([JSON.parse(given) as Schedule]), 1),
			RUN_LIMIT_MS * 2,
		);
	}

	afterAll(() => {
		// A long run (FAULT_RUNS set) says what it covered; `npm test` stays quiet.
		if (process.env.FAULT_RUNS === undefined && !given) return;
		const count = (test: (outcome: Outcome) => boolean) => outcomes.filter(test).length;
		process.stdout.write(
			`\nfault schedules: ${outcomes.length} runs (seeds ${FIRST_SEED} to ${FIRST_SEED + RUNS - 1}) in ${Math.round((Date.now() - startedAt) / 1000)} s; ` +
				`${outcomes.reduce((sum, outcome) => sum + outcome.created, 0)} tasks created; ` +
				`${count((outcome) => outcome.stopped)} stopped, ${count((outcome) => outcome.nodeError)} ended with a node error, ` +
				`${count((outcome) => outcome.violations.length > 0)} broke a rule; ` +
				`slowest run ${Math.max(0, ...outcomes.map((outcome) => outcome.ms))} ms\n`,
		);
	});

	test.each(groups.map((seeds) => [`${seeds[0]} to ${seeds[seeds.length - 1]}`, seeds] as const))(
		'seeds %s: every created task named, no item paid twice',
		async (_label, seeds) => expectNoFailures(await runAll(seeds.map(drawSchedule)), seeds.length),
		SEEDS_PER_TEST * RUN_LIMIT_MS,
	);
});
