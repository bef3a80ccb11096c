/**
 * Fault injection: "Nothing lost, nothing paid twice".
 *
 * Every scenario is a real n8n workflow execution (Manual Trigger -> Items -> Kirin, run by
 * n8n-core's WorkflowExecute on the BUILT node in dist/) against the fake Kirin server with one kind
 * of fault switched on. Each one checks the node's output items AND the fake's ledger:
 * - nothing paid twice: one task per input item (`createsByExternalId()` all 1, `creates()` = items);
 * - nothing lost: every item that should succeed has its `videoUrl`, in input order, with `pairedItem`;
 * - no key leaked: the API key is in no output item, no error message or description, nothing
 *   written to the console or to stdout/stderr (n8n's own logger) during the run.
 *
 * Run `npm run build` first: the tests load dist/.
 */
import { format } from 'node:util';

import type { IDataObject, INodeExecutionData, IRun } from 'n8n-workflow';

import {
	ERROR_KIND_DESCRIPTIONS,
	FAKE_MODELS,
	type ErrorKind,
	type FakeModelId,
} from './fake-kirin/models';
import {
	expectedVideoSha256,
	startFakeKirin,
	type FakeKirin,
	type FakeKirinFaults,
	type LedgerEntry,
} from './fake-kirin/server';
import { binaryBytes, sha256Hex } from './harness/binary';
import { createOverHttp } from './harness/fake-api';
import { errorOf, outputOf, startWorkflow } from './harness/harness';
import { jsonText } from './harness/json';
import { sleep, waitFor } from './harness/wait';
import {
	generateFromPrompts,
	kirinCredentials,
	kirinWorkflow,
	promptItems,
	runKirin,
	type KirinNodeSettings,
	type TestItem,
} from './harness/workflows';

/** Keys distinctive enough that any occurrence in an output or a log line is a leak. */
const KEY = 'sk-kirin-LEAKCHECK-7f3a9c2e1b04d8';
const WRONG_KEY = 'sk-kirin-WRONGKEY-0d9e8f7a6b5c4d';
const FORBIDDEN_KEY = 'sk-kirin-FORBIDDEN-5a4b3c2d1e0f9a';
const BROKE_KEY = 'sk-kirin-NOBALANCE-1a2b3c4d5e6f7a';

/** How long the fake takes to finish a task: short, so that a scenario takes a fraction of a second. */
const GENERATION_MS = 60;

let fake: FakeKirin;

beforeAll(async () => {
	fake = await startFakeKirin({
		generationMs: GENERATION_MS,
		apiKey: KEY,
		forbiddenKeys: [FORBIDDEN_KEY],
		brokeKeys: [BROKE_KEY],
	});
});

afterAll(async () => {
	await fake?.close();
});

// ---- console capture (for the leak check) ----

let captured: string[] = [];
const restorers: Array<() => void> = [];

beforeEach(() => {
	fake.clearFaults();
	fake.ledger.reset();
	fake.setGenerationMs(GENERATION_MS);
	captured = [];
	for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
		const spy = jest.spyOn(console, method).mockImplementation((...args: unknown[]) => {
			captured.push(format(...args));
		});
		restorers.push(() => spy.mockRestore());
	}
	// n8n's own logger (winston, used by n8n-core's error reporter) writes to the streams directly.
	const stdoutWrite = process.stdout.write;
	const stderrWrite = process.stderr.write;
	process.stdout.write = ((chunk: unknown) => {
		captured.push(String(chunk));
		return true;
	}) as typeof process.stdout.write;
	process.stderr.write = ((chunk: unknown, ...rest: unknown[]) => {
		captured.push(String(chunk));
		return (stderrWrite as (...args: unknown[]) => boolean).call(process.stderr, chunk, ...rest);
	}) as typeof process.stderr.write;
	restorers.push(() => {
		process.stdout.write = stdoutWrite;
		process.stderr.write = stderrWrite;
	});
});

afterEach(async () => {
	// Log lines may be written a tick after the run ended.
	await sleep(20);
	while (restorers.length) restorers.pop()!();
	for (const key of [KEY, WRONG_KEY, FORBIDDEN_KEY, BROKE_KEY]) {
		expect(captured.join('\n')).not.toContain(key);
	}
});

// ---- helpers ----

interface Result {
	run: IRun;
	items: INodeExecutionData[];
	error?: Error & IDataObject;
	ms: number;
}

interface Flags {
	continueOnFail?: boolean;
	retryOnFail?: boolean;
	maxTries?: number;
}

/** Generate Video options of every scenario: fast polling and retries, a short timeout. */
const RELIABLE: IDataObject = {
	pollInterval: 0.03,
	timeout: 0.5,
	maxRetries: 5,
	retryDelay: 0.01,
	requestTimeout: 5,
};

const THREE = () =>
	promptItems('A red fox in fresh snow', 'A lighthouse at dusk', 'A paper boat on a river');

/** The node's settings; n8n reads a Wait Between Tries of 0 as 1000 ms, 10 ms keeps retries fast. */
const settings = (flags: Flags): KirinNodeSettings =>
	flags.retryOnFail ? { ...flags, waitBetweenTries: 10 } : flags;

async function execute(
	parameters: IDataObject,
	items: TestItem[],
	flags: Flags = {},
	apiKey = KEY,
	server: FakeKirin = fake,
): Promise<Result> {
	const { run, output, error, ms } = await runKirin(
		parameters,
		items,
		kirinCredentials(server, apiKey),
		settings(flags),
	);
	return { run, items: output, error, ms };
}

/**
 * The key was sent to the API (so the check means something) and is nowhere in the run: output
 * items, the node's error (message, description, every own field), the whole run data, the console.
 */
function expectNoLeak(result: Result, apiKey = KEY, server: FakeKirin = fake): void {
	const v1 = server.ledger.entries.filter((entry) => entry.path.startsWith('/v1/'));
	expect(v1.length).toBeGreaterThan(0);
	for (const entry of v1) expect(entry.authorizationHeader).toBe(`Bearer ${apiKey}`);
	expect(JSON.stringify(result.items)).not.toContain(apiKey);
	if (result.error) {
		expect(String(result.error.message)).not.toContain(apiKey);
		expect(String(result.error.description ?? '')).not.toContain(apiKey);
		expect(jsonText(result.error)).not.toContain(apiKey);
	}
	expect(jsonText(result.run.data.resultData)).not.toContain(apiKey);
	expect(captured.join('\n')).not.toContain(apiKey);
}

/** Each external id was created once, and there are exactly `count` tasks. */
function expectCreatedOnceEach(count: number, server: FakeKirin = fake): Record<string, number> {
	const byExternalId = server.ledger.createsByExternalId();
	expect(server.ledger.creates()).toHaveLength(count);
	expect(Object.keys(byExternalId)).toHaveLength(count);
	for (const times of Object.values(byExternalId)) expect(times).toBe(1);
	return byExternalId;
}

/** The task a create request made for an item, found by its prompt. */
function createdFor(prompt: string, server: FakeKirin = fake): LedgerEntry {
	const entries = server.ledger
		.creates()
		.filter((entry) => (entry.body as IDataObject).prompt === prompt);
	expect(entries).toHaveLength(1);
	return entries[0];
}

/** The output item of `index` carries the finished video of the one task created for that item. */
function expectDelivered(
	result: Result,
	index: number,
	prompt: string,
	server: FakeKirin = fake,
): void {
	const item = result.items[index];
	expect(item).toBeDefined();
	expect(item.pairedItem).toEqual({ item: index });
	const created = createdFor(prompt, server);
	expect(item.json.taskId).toBe(created.createdTaskId);
	expect(item.json.externalTaskId).toBe((created.body as IDataObject).external_task_id);
	expect(item.json.status).toBe('completed');
	expect(item.json.videoUrl).toBe(`${server.url}/files/${created.createdTaskId}.mp4`);
	expect(item.json.error).toBeUndefined();
}

/** Nothing lost, nothing paid twice, no key leaked: the full check of a run that should succeed. */
function expectAllDelivered(result: Result, items: TestItem[], server: FakeKirin = fake): void {
	expect(result.error).toBeUndefined();
	expect(result.run.status).toBe('success');
	expect(result.items).toHaveLength(items.length);
	expectCreatedOnceEach(items.length, server);
	items.forEach((item, index) => expectDelivered(result, index, String(item.json!.prompt), server));
	expectNoLeak(result, KEY, server);
}

function faulted(name: keyof FakeKirinFaults, server: FakeKirin = fake): LedgerEntry[] {
	return server.ledger.entries.filter((entry) => entry.fault === name);
}

const lookups = (server: FakeKirin = fake) =>
	server.ledger.entries.filter((entry) => entry.kind === 'lookup');

/** Every create attempt for one external id, in order. */
function attemptsFor(externalTaskId: string): LedgerEntry[] {
	return fake.ledger
		.createAttempts()
		.filter(
			(entry) => (entry.body as IDataObject | undefined)?.external_task_id === externalTaskId,
		);
}

// ---- scenarios ----

describe('Nothing lost, nothing paid twice', () => {
	test('no faults: 3 items, 3 tasks, 3 videos', async () => {
		const items = THREE();
		const result = await execute(generateFromPrompts({}, RELIABLE), items);
		expectAllDelivered(result, items);
		expect(fake.ledger.createAttempts()).toHaveLength(3);
	});

	test('429 with Retry-After in seconds: waits as long as the header says, then creates once', async () => {
		fake.setFaults({ rateLimit: { count: 3, retryAfterSeconds: 1, on: 'create' } });
		const items = THREE();
		const result = await execute(generateFromPrompts({}, RELIABLE), items);
		expectAllDelivered(result, items);
		expect(faulted('rateLimit')).toHaveLength(3);
		// A 429 created nothing, so no look-up is needed: one more POST per item.
		expect(fake.ledger.createAttempts()).toHaveLength(6);
		for (const externalTaskId of Object.keys(fake.ledger.createsByExternalId())) {
			const [limited, accepted] = attemptsFor(externalTaskId);
			expect(limited.status).toBe(429);
			expect(accepted.status).toBe(200);
			// Retry Delay is 10 ms: only the header explains a wait of about a second.
			expect(accepted.at - limited.at).toBeGreaterThanOrEqual(950);
		}
	});

	test('429 with Retry-After as an HTTP date: waits until that date, then creates once', async () => {
		const until = new Date(Date.now() + 2000);
		fake.setFaults({ rateLimit: { count: 3, retryAfterDate: until, on: 'create' } });
		const items = THREE();
		const result = await execute(generateFromPrompts({}, RELIABLE), items);
		expectAllDelivered(result, items);
		expect(faulted('rateLimit')).toHaveLength(3);
		expect(fake.ledger.createAttempts()).toHaveLength(6);
		// The header has whole seconds: the retry comes at (or just after) that second, long after
		// the 10 ms Retry Delay would have sent it.
		const headerTime = Math.floor(until.getTime() / 1000) * 1000;
		for (const externalTaskId of Object.keys(fake.ledger.createsByExternalId())) {
			const [limited, accepted] = attemptsFor(externalTaskId);
			expect(limited.status).toBe(429);
			expect(headerTime - limited.at).toBeGreaterThan(300);
			expect(accepted.at).toBeGreaterThanOrEqual(headerTime - 50);
		}
	});

	test.each([500, 502, 503, 504] as const)(
		'a burst of %i on create: retried, looked up, created once',
		async (status) => {
			fake.setFaults({ serverErrors: { count: 5, status, on: 'create' } });
			const items = THREE();
			const result = await execute(generateFromPrompts({}, RELIABLE), items);
			expectAllDelivered(result, items);
			expect(faulted('serverErrors')).toHaveLength(5);
			expect(faulted('serverErrors').every((entry) => entry.status === status)).toBe(true);
			// A 5xx may hide a created task: each one is followed by a look-up before the next POST.
			expect(lookups().length).toBeGreaterThanOrEqual(5);
		},
	);

	test.each([500, 502, 503, 504] as const)(
		'a burst of %i on poll: the items still get their videos',
		async (status) => {
			fake.setFaults({ serverErrors: { count: 6, status, on: 'poll' } });
			const items = THREE();
			const result = await execute(generateFromPrompts({}, RELIABLE), items);
			expectAllDelivered(result, items);
			expect(faulted('serverErrors')).toHaveLength(6);
			expect(fake.ledger.createAttempts()).toHaveLength(3);
		},
	);

	test('connection reset before the task is created: the look-up finds nothing, the task is created once', async () => {
		fake.setFaults({ resetBeforeCreate: 2 });
		const items = THREE();
		const result = await execute(generateFromPrompts({}, RELIABLE), items);
		expectAllDelivered(result, items);
		const resets = faulted('resetBeforeCreate');
		expect(resets).toHaveLength(2);
		expect(resets.every((entry) => entry.status === 0 && entry.createdTaskId === undefined)).toBe(
			true,
		);
		expect(fake.ledger.createAttempts()).toHaveLength(5);
	});

	test('connection reset after the task is created (answer lost): the task is adopted, not created twice', async () => {
		fake.setFaults({ resetAfterCreate: 3 });
		const items = THREE();
		const result = await execute(generateFromPrompts({}, RELIABLE), items);
		expectAllDelivered(result, items);
		const lost = faulted('resetAfterCreate');
		expect(lost).toHaveLength(3);
		expect(lost.every((entry) => entry.status === 0 && entry.createdTaskId !== undefined)).toBe(
			true,
		);
		// One POST per item: the look-up by external id found each task.
		expect(fake.ledger.createAttempts()).toHaveLength(3);
		for (const entry of lost) {
			expect(
				lookups().some((lookup) => lookup.taskId === entry.createdTaskId && lookup.status === 200),
			).toBe(true);
		}
	});

	test('the connection keeps failing: a clear error after Max Retries, nothing created, no key in it', async () => {
		fake.setFaults({ resetBeforeCreate: 100 });
		const items = promptItems('A red fox in fresh snow');
		const result = await execute(
			generateFromPrompts({ options: { maxRetries: 2 } }, RELIABLE),
			items,
		);
		expect(result.run.status).toBe('error');
		expect(fake.ledger.createAttempts()).toHaveLength(3);
		expect(fake.ledger.creates()).toHaveLength(0);
		// Each lost answer was checked with a look-up before the next POST.
		expect(lookups()).toHaveLength(3);
		expect(result.error!.message).toMatch(
			/^Creating the task \(external ID "n8n-[^"]+"\) failed after 3 attempts: The connection to the API failed$/,
		);
		expect(String(result.error!.description)).toMatch(/Base URL/);
		expectNoLeak(result);
	});

	test('Get Task gets no answer within the request timeout: the error names the task id and the attempts', async () => {
		const response = await fetch(`${fake.url}/v1/videos/generations`, {
			method: 'POST',
			headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
			body: JSON.stringify({ model: 'kirin_v2_6_t2v', prompt: 'A red fox in fresh snow' }),
		});
		const taskId = ((await response.json()) as { task_id: string }).task_id;
		fake.setFaults({ slow: { count: 100, delayMs: 3000, on: 'poll' } });
		const result = await execute(
			{
				operation: 'getTask',
				lookupBy: 'taskId',
				taskId,
				options: { maxRetries: 1, retryDelay: 0.01, requestTimeout: 0.2 },
			},
			[{ json: {} }],
		);
		expect(result.run.status).toBe('error');
		expect(fake.ledger.statusPolls(taskId)).toBe(2);
		expect(result.error!.message).toBe(
			`Getting the task failed after 2 attempts (task ${taskId}): No answer within 0.2 s`,
		);
		expect(String(result.error!.description)).toContain(taskId);
		// Two answers that would each take 3 s: giving up after 0.2 s keeps the run well under 6 s.
		expect(result.ms).toBeLessThan(4500);
		expectNoLeak(result);
	});

	test('everything at once (429, 5xx, lost answers, broken JSON on creates, polls and look-ups): 5 items, 5 tasks', async () => {
		fake.setFaults({
			rateLimit: { count: 2, retryAfterSeconds: 0, on: 'any' },
			serverErrors: { count: 4, status: 503, on: 'any' },
			resetAfterCreate: 2,
			malformedJson: { count: 3, on: 'any' },
		});
		const items = promptItems(
			'A red fox',
			'A lighthouse',
			'A paper boat',
			'A city at night',
			'A desert storm',
		);
		const result = await execute(generateFromPrompts({}, RELIABLE), items);
		expectAllDelivered(result, items);
		for (const name of [
			'rateLimit',
			'serverErrors',
			'resetAfterCreate',
			'malformedJson',
		] as const) {
			expect(faulted(name).length).toBeGreaterThan(0);
		}
		expect(fake.activeFaults()).toEqual({
			rateLimit: expect.objectContaining({ count: 0 }),
			serverErrors: expect.objectContaining({ count: 0 }),
			resetAfterCreate: 0,
			malformedJson: expect.objectContaining({ count: 0 }),
		});
	});

	test('create answers slower than the request timeout: the tasks are adopted via look-up', async () => {
		fake.setFaults({ slow: { count: 3, delayMs: 10_000, on: 'create' } });
		const items = THREE();
		const result = await execute(
			generateFromPrompts({ options: { requestTimeout: 0.3 } }, RELIABLE),
			items,
		);
		expectAllDelivered(result, items);
		expect(faulted('slow')).toHaveLength(3);
		expect(fake.ledger.createAttempts()).toHaveLength(3);
		// The node gave up on each answer after 0.3 s instead of waiting the 10 s.
		expect(result.ms).toBeLessThan(6000);
	});

	test('malformed JSON in the create answer: the created task is adopted via look-up', async () => {
		fake.setFaults({ malformedJson: { count: 3, on: 'create' } });
		const items = THREE();
		const result = await execute(generateFromPrompts({}, RELIABLE), items);
		expectAllDelivered(result, items);
		expect(faulted('malformedJson')).toHaveLength(3);
		expect(faulted('malformedJson').every((entry) => entry.createdTaskId !== undefined)).toBe(true);
		expect(fake.ledger.createAttempts()).toHaveLength(3);
	});

	test('malformed JSON in poll answers: retried, the items still get their videos', async () => {
		fake.setFaults({ malformedJson: { count: 5, on: 'poll' } });
		const items = THREE();
		const result = await execute(generateFromPrompts({}, RELIABLE), items);
		expectAllDelivered(result, items);
		expect(faulted('malformedJson')).toHaveLength(5);
		expect(fake.ledger.createAttempts()).toHaveLength(3);
	});

	test('polls failing beyond Max Retries do not fail the item: the poll loop polls again', async () => {
		// One poll at a time, 1 retry: each task's first poll (2 requests) is used up by the 503s.
		fake.setFaults({ serverErrors: { count: 6, status: 503, on: 'poll' } });
		const items = THREE();
		const result = await execute(
			generateFromPrompts({ options: { maxRetries: 1, maxConcurrency: 1 } }, RELIABLE),
			items,
		);
		expectAllDelivered(result, items);
		expect(faulted('serverErrors')).toHaveLength(6);
		for (const entry of fake.ledger.creates()) {
			const polls = fake.ledger.entries.filter(
				(poll) => poll.kind === 'poll' && poll.taskId === entry.createdTaskId,
			);
			expect(polls.filter((poll) => poll.status === 503)).toHaveLength(2);
			expect(polls.at(-1)!.status).toBe(200);
		}
	});

	test('one status request that hangs does not hold up the polls of the other tasks', async () => {
		fake.setFaults({ slow: { count: 1, delayMs: 4000, on: 'poll' } });
		const items = THREE();
		const result = await execute(
			generateFromPrompts({ options: { requestTimeout: 10 } }, RELIABLE),
			items,
		);
		expectAllDelivered(result, items);
		const [hung] = faulted('slow');
		expect(hung).toBeDefined();
		// While that one answer takes 4 s, the other tasks are polled every interval and finish.
		for (const entry of fake.ledger
			.creates()
			.filter((created) => created.createdTaskId !== hung.taskId)) {
			const polls = fake.ledger.entries.filter(
				(poll) => poll.kind === 'poll' && poll.taskId === entry.createdTaskId,
			);
			expect(polls.length).toBeGreaterThan(0);
			expect(polls.at(-1)!.at - hung.at).toBeLessThan(2500);
		}
	});

	test('a task that never finishes: timeout error naming its task id; the other tasks are named too', async () => {
		const items = promptItems(
			'A red fox in fresh snow',
			'A clock that never stops [never]',
			'A paper boat on a river',
		);
		const result = await execute(
			generateFromPrompts({ options: { timeout: 0.005 } }, RELIABLE),
			items,
		);
		expect(result.run.status).toBe('error');
		expectCreatedOnceEach(3);
		const never = createdFor('A clock that never stops [never]').createdTaskId!;
		expect(result.error).toBeDefined();
		expect(result.error!.message).toContain(never);
		expect(result.error!.message).toMatch(/did not finish/);
		const description = String(result.error!.description);
		expect(description).toContain(never);
		expect(description).toMatch(/Get Task/);
		// Nothing lost: the error says where the other items' (paid) tasks are.
		for (const prompt of ['A red fox in fresh snow', 'A paper boat on a river']) {
			expect(description).toContain(createdFor(prompt).createdTaskId!);
		}
		// The wait was bounded: about timeout / poll interval polls, not more.
		expect(fake.ledger.statusPolls(never)).toBeLessThanOrEqual(Math.ceil(300 / 30) + 3);
		expectNoLeak(result);
	});

	test('a task that never finishes, with Continue On Fail: an error item with the task id, the others delivered', async () => {
		const items = promptItems(
			'A red fox in fresh snow',
			'A clock that never stops [never]',
			'A paper boat on a river',
		);
		const result = await execute(
			generateFromPrompts({ options: { timeout: 0.005 } }, RELIABLE),
			items,
			{ continueOnFail: true },
		);
		expect(result.error).toBeUndefined();
		expect(result.items).toHaveLength(3);
		expectCreatedOnceEach(3);
		expectDelivered(result, 0, 'A red fox in fresh snow');
		expectDelivered(result, 2, 'A paper boat on a river');
		const never = createdFor('A clock that never stops [never]').createdTaskId!;
		const failed = result.items[1];
		expect(failed.pairedItem).toEqual({ item: 1 });
		const error = failed.json.error as IDataObject;
		expect(error.taskId).toBe(never);
		expect(error.message).toContain(never);
		expectNoLeak(result);
	});

	describe('each of the 25 failure codes names model, code and meaning', () => {
		/** Model names from the model pages' titles (kirin_v1_t2v's page has none: the catalog's name). */
		const NAMES: Record<FakeModelId, string> = {
			kirin_v1_t2v: 'Kirin V1 - Text to Video',
			kirin_v2_master_i2v: 'Kirin V2 Master - Image to Video',
			kirin_v2_1_master_t2v: 'Kirin V2.1 Master - Text to Video',
			kirin_v2_5_turbo_t2v: 'Kirin V2.5 Turbo - Text to Video',
			kirin_v2_6_t2v: 'Kirin V2.6 - Text to Video',
		};
		const KINDS = Object.keys(ERROR_KIND_DESCRIPTIONS) as ErrorKind[];

		test.each(Object.keys(NAMES) as FakeModelId[])(
			'%s: 095..099 as Continue On Fail items',
			async (model) => {
				const items = KINDS.map((kind) => ({
					json: { prompt: `A scene that fails [fail:${kind}]` },
				}));
				const extra: IDataObject = { model };
				if (model === 'kirin_v2_master_i2v') {
					extra.imageSource = 'url';
					extra.imageUrl = 'https://example.com/product.png';
				}
				const result = await execute(generateFromPrompts(extra, RELIABLE), items, {
					continueOnFail: true,
				});
				expect(result.error).toBeUndefined();
				expect(result.items).toHaveLength(5);
				expectCreatedOnceEach(5);
				KINDS.forEach((kind, index) => {
					const item = result.items[index];
					const code = `${FAKE_MODELS[model].errorPrefix}${kind}`;
					expect(item.pairedItem).toEqual({ item: index });
					const error = item.json.error as IDataObject;
					expect(error.code).toBe(code);
					expect(error.taskId).toBe(createdFor(items[index].json.prompt).createdTaskId);
					const message = String(error.message);
					expect(message).toContain(NAMES[model]);
					expect(message).toContain(code);
					expect(message.toLowerCase()).toContain(ERROR_KIND_DESCRIPTIONS[kind].toLowerCase());
				});
				expectNoLeak(result);
			},
		);

		test('without Continue On Fail the node error names model, code and meaning', async () => {
			const items = promptItems('A scene that fails [fail:098]');
			const result = await execute(
				generateFromPrompts({ model: 'kirin_v2_5_turbo_t2v' }, RELIABLE),
				items,
			);
			expect(result.run.status).toBe('error');
			expectCreatedOnceEach(1);
			const message = String(result.error?.message);
			expect(message).toContain('Kirin V2.5 Turbo - Text to Video');
			expect(message).toContain('002011098');
			expect(message.toLowerCase()).toContain('status check error');
			expect(String(result.error?.description)).toContain(
				createdFor(items[0].json!.prompt as string).createdTaskId!,
			);
			expectNoLeak(result);
		});
	});

	test('Retry On Fail after a failed task: the re-run adopts the other tasks (409) and tries the failed item once more', async () => {
		const items = promptItems(
			'A red fox in fresh snow',
			'A lighthouse at dusk',
			'A storm that breaks [fail:095]',
		);
		const result = await execute(generateFromPrompts({}, RELIABLE), items, {
			retryOnFail: true,
			maxTries: 2,
		});
		// The fake fails every task of that prompt, so the second try fails too.
		expect(result.run.status).toBe('error');
		expect(result.error!.message).toContain('002014095');
		// Nothing paid twice: every external id was created once; the two good items' tasks were
		// adopted by the re-run (200 then 409), not created again.
		for (const times of Object.values(fake.ledger.createsByExternalId())) expect(times).toBe(1);
		for (const prompt of ['A red fox in fresh snow', 'A lighthouse at dusk']) {
			const externalTaskId = String((createdFor(prompt).body as IDataObject).external_task_id);
			expect(attemptsFor(externalTaskId).map((entry) => entry.status)).toEqual([200, 409]);
		}
		// The failed item: its failed task (which cost nothing) is not adopted again; the re-run
		// creates one fresh task for it under a new external id.
		const storm = fake.ledger
			.creates()
			.filter((entry) => (entry.body as IDataObject).prompt === 'A storm that breaks [fail:095]');
		expect(storm).toHaveLength(2);
		const [first, fresh] = storm.map((entry) =>
			String((entry.body as IDataObject).external_task_id),
		);
		expect(fresh).not.toBe(first);
		expect(attemptsFor(first).map((entry) => entry.status)).toEqual([200, 409]);
		expect(fake.ledger.creates()).toHaveLength(4);
		expect(result.error!.description).toContain(storm[1].createdTaskId!);
		// Nothing lost: the error names the tasks of the items that did succeed.
		for (const prompt of ['A red fox in fresh snow', 'A lighthouse at dusk']) {
			expect(String(result.error!.description)).toContain(createdFor(prompt).createdTaskId!);
		}
		expectNoLeak(result);
	});

	test('Retry On Fail after a create that failed: the re-run adopts the others and creates only the missing task', async () => {
		// A server of its own, to fail exactly the third create: one create at a time, no retries in
		// the node, and the fault is armed the moment the second create has been answered.
		let armed = false;
		const own: FakeKirin = await startFakeKirin({
			generationMs: GENERATION_MS,
			apiKey: KEY,
			log: () => {
				if (!armed && own.ledger.creates().length === 2) {
					armed = true;
					own.setFaults({ serverErrors: { count: 1, status: 500, on: 'create' } });
				}
			},
		});
		try {
			const items = THREE();
			const result = await execute(
				generateFromPrompts({ options: { maxConcurrency: 1, maxRetries: 0 } }, RELIABLE),
				items,
				{ retryOnFail: true, maxTries: 2 },
				KEY,
				own,
			);
			expectAllDelivered(result, items, own);
			expect(faulted('serverErrors', own)).toHaveLength(1);
			const statuses = own.ledger.createAttempts().map((entry) => entry.status);
			// Try 1: 200, 200, 500; try 2: 409, 409 (adopted), 200 (the missing task).
			expect(statuses).toEqual([200, 200, 500, 409, 409, 200]);
			expect(own.ledger.creates()).toHaveLength(3);
		} finally {
			await own.close();
		}
	});

	test('a download failing beyond Max Retries: Retry On Fail re-runs, adopts the paid tasks and downloads them whole', async () => {
		// One task at a time and 1 retry: the first finished video fails to download twice, which
		// fails the node; n8n's Retry On Fail then runs it again.
		fake.setFaults({ downloadFail: { count: 2, mode: 'reset' } });
		const items = THREE();
		const result = await execute(
			generateFromPrompts(
				{ downloadVideo: true, options: { maxConcurrency: 1, maxRetries: 1 } },
				RELIABLE,
			),
			items,
			{ retryOnFail: true, maxTries: 2 },
		);
		expectAllDelivered(result, items);
		expect(faulted('downloadFail')).toHaveLength(2);
		for (const externalTaskId of Object.keys(fake.ledger.createsByExternalId())) {
			expect(attemptsFor(externalTaskId).map((entry) => entry.status)).toEqual([200, 409]);
		}
		for (const item of result.items) {
			const taskId = String(item.json.taskId);
			const binary = item.binary?.data;
			expect(binary).toBeDefined();
			expect(binary!.fileName).toBe(`${taskId}.mp4`);
			const bytes = await binaryBytes(binary!);
			expect(bytes.length).toBe(fake.tasks.get(taskId)!.videoBytes);
			expect(sha256Hex(bytes)).toBe(expectedVideoSha256(taskId, 0, bytes.length));
		}
	});

	test('a user External Task ID that an earlier request took: 409, that item fails naming the task, nothing is paid twice', async () => {
		const response = await createOverHttp(fake, {
			model: 'kirin_v2_6_t2v',
			prompt: 'A red fox in fresh snow',
			external_task_id: 'order-1001',
		});
		expect(response.status).toBe(200);
		const existing = (response.json as { task_id: string }).task_id;

		const items: TestItem[] = [
			{ json: { prompt: 'A red fox in fresh snow', order: 1001 } },
			{ json: { prompt: 'A lighthouse at dusk', order: 1002 } },
			{ json: { prompt: 'A paper boat on a river', order: 1003 } },
		];
		const result = await execute(
			generateFromPrompts(
				{ options: { externalTaskId: '={{ "order-" + $json.order }}' } },
				RELIABLE,
			),
			items,
			{ continueOnFail: true },
		);
		expect(result.error).toBeUndefined();
		expect(result.items).toHaveLength(3);
		expect(fake.ledger.createsByExternalId()).toEqual({
			'order-1001': 1,
			'order-1002': 1,
			'order-1003': 1,
		});
		expect(attemptsFor('order-1001').map((entry) => entry.status)).toEqual([200, 409]);
		// The API cannot tell which request made the task: the item says so instead of returning it.
		const failure = result.items[0].json.error as IDataObject;
		expect(failure.message).toContain(
			`External Task ID "order-1001" is already used by task ${existing}`,
		);
		expect(failure.description).toContain('Nothing new was created or paid');
		expect(result.items[0].json.taskId).toBeUndefined();
		result.items.slice(1).forEach((item, index) => {
			expect(item.pairedItem).toEqual({ item: index + 1 });
			expect(item.json.externalTaskId).toBe(`order-${1002 + index}`);
			expect(item.json.videoUrl).toEqual(expect.stringContaining(String(item.json.taskId)));
		});
		expectNoLeak(result);
	});

	describe('400/401/402/403/422 are never retried', () => {
		const cases: Array<{
			status: number;
			apiKey?: string;
			faults?: FakeKirinFaults;
			extra?: IDataObject;
			message: RegExp;
			description?: RegExp;
		}> = [
			{
				status: 400,
				// The node passes image URLs on as they are; the API rejects this one.
				extra: {
					model: 'kirin_v2_master_i2v',
					imageSource: 'url',
					imageUrl: 'https://[not-a-host]/a.png',
				},
				message: /rejected the request \(400\).*image/,
			},
			{
				status: 401,
				apiKey: WRONG_KEY,
				message: /refused the API key \(401\)/,
				description: /credential/,
			},
			{ status: 402, apiKey: BROKE_KEY, message: /insufficient balance \(402\)/ },
			{
				status: 403,
				apiKey: FORBIDDEN_KEY,
				message: /refused the API key \(403\)/,
				description: /credential/,
			},
			{
				status: 422,
				faults: { serverErrors: { count: 1, status: 422 as 500, on: 'create' } },
				message: /rejected the request \(422\)/,
			},
		];

		test.each(cases)('$status: one create attempt, no look-up, a clear error', async (scenario) => {
			if (scenario.faults) fake.setFaults(scenario.faults);
			const apiKey = scenario.apiKey ?? KEY;
			const items = promptItems('A red fox in fresh snow');
			const result = await execute(
				generateFromPrompts({ ...scenario.extra, options: { maxRetries: 5 } }, RELIABLE),
				items,
				{},
				apiKey,
			);
			expect(result.run.status).toBe('error');
			expect(fake.ledger.createAttempts()).toHaveLength(1);
			expect(fake.ledger.createAttempts()[0].status).toBe(scenario.status);
			expect(fake.ledger.creates()).toHaveLength(0);
			// Nothing else was asked: no retry, no look-up.
			expect(fake.ledger.entries).toHaveLength(1);
			expect(result.error!.message).toMatch(scenario.message);
			if (scenario.description)
				expect(String(result.error!.description)).toMatch(scenario.description);
			expect(String(result.error!.httpCode)).toBe(String(scenario.status));
			expectNoLeak(result, apiKey);
		});
	});

	test('Continue On Fail: a failed task becomes an error item with pairedItem, the other items go on', async () => {
		const items = promptItems(
			'A red fox in fresh snow',
			'A storm that breaks [fail:097]',
			'A paper boat on a river',
		);
		const result = await execute(generateFromPrompts({}, RELIABLE), items, {
			continueOnFail: true,
		});
		expect(result.error).toBeUndefined();
		expect(result.run.status).toBe('success');
		expect(result.items).toHaveLength(3);
		expectCreatedOnceEach(3);
		expectDelivered(result, 0, 'A red fox in fresh snow');
		expectDelivered(result, 2, 'A paper boat on a river');
		const failed = result.items[1];
		expect(failed.pairedItem).toEqual({ item: 1 });
		expect(failed.json.videoUrl).toBeUndefined();
		expect(failed.json.error).toEqual({
			code: '002014097',
			message: expect.stringContaining(
				'Kirin V2.6 - Text to Video: http error response (002014097)',
			),
			description: expect.stringContaining(
				createdFor('A storm that breaks [fail:097]').createdTaskId!,
			),
			taskId: createdFor('A storm that breaks [fail:097]').createdTaskId,
		});
		expectNoLeak(result);
	});

	test('Continue On Fail: a create the API rejects becomes an error item, the other items go on', async () => {
		const items: TestItem[] = [
			{ json: { prompt: 'A red fox in fresh snow', image: 'https://example.com/fox.png' } },
			{ json: { prompt: 'A lighthouse at dusk', image: 'https://[not-a-host]/a.png' } },
			{ json: { prompt: 'A paper boat on a river', image: 'https://example.com/boat.png' } },
		];
		const result = await execute(
			generateFromPrompts(
				{ model: 'kirin_v2_master_i2v', imageSource: 'url', imageUrl: '={{ $json.image }}' },
				RELIABLE,
			),
			items,
			{ continueOnFail: true },
		);
		expect(result.error).toBeUndefined();
		expect(result.items).toHaveLength(3);
		expectCreatedOnceEach(2);
		expectDelivered(result, 0, 'A red fox in fresh snow');
		expectDelivered(result, 2, 'A paper boat on a river');
		const failed = result.items[1];
		expect(failed.pairedItem).toEqual({ item: 1 });
		const error = failed.json.error as IDataObject;
		expect(error.code).toBe('400');
		expect(error.message).toMatch(/rejected the request \(400\).*image/);
		expect(error).toHaveProperty('description');
		expect(error.taskId).toBeUndefined(); // no task was created, so none is named
		expect(
			attemptsFor((fake.ledger.createAttempts()[0].body as IDataObject).external_task_id as string),
		).toHaveLength(1);
		expect(fake.ledger.createAttempts()).toHaveLength(3);
		expectNoLeak(result);
	});

	test('stopping the execution ends a poll request that hangs, at once', async () => {
		fake.setFaults({ slow: { count: 100, delayMs: 30_000, on: 'poll' } });
		const started = await startWorkflow(
			kirinWorkflow(generateFromPrompts({ options: { requestTimeout: 60 } }, RELIABLE), THREE()),
			kirinCredentials(fake),
		);
		await waitFor(() => faulted('slow').length >= 1);
		await sleep(100);
		const cancelledAt = Date.now();
		started.cancel();
		const run = await started.done;
		// The request would hang for 30 s without the stop.
		expect(Date.now() - cancelledAt).toBeLessThan(10_000);
		expect(run.status === 'canceled' || run.status === 'error').toBe(true);
		expectCreatedOnceEach(3);
		const ran = Boolean(run.data.resultData.runData.Kirin?.length);
		expectNoLeak({
			run,
			items: ran ? outputOf(run, 'Kirin') : [],
			error: errorOf(run, 'Kirin'),
			ms: 0,
		});
	});

	test('stopping the execution ends a long Retry-After wait at once', async () => {
		fake.setFaults({ rateLimit: { count: 3, retryAfterSeconds: 30, on: 'create' } });
		const started = await startWorkflow(
			kirinWorkflow(generateFromPrompts({}, RELIABLE), THREE()),
			kirinCredentials(fake),
		);
		await waitFor(() => faulted('rateLimit').length === 3);
		await sleep(200);
		const cancelledAt = Date.now();
		started.cancel();
		const run = await started.done;
		const took = Date.now() - cancelledAt;
		// The Retry-After wait is 30 s.
		expect(took).toBeLessThan(10_000);
		expect(run.status === 'canceled' || run.status === 'error').toBe(true);
		// Nothing was created, and nothing is sent after the stop.
		await sleep(300);
		expect(fake.ledger.createAttempts()).toHaveLength(3);
		expect(fake.ledger.creates()).toHaveLength(0);
		expect(fake.ledger.entries).toHaveLength(3);
		const ran = Boolean(run.data.resultData.runData.Kirin?.length);
		expectNoLeak({
			run,
			items: ran ? outputOf(run, 'Kirin') : [],
			error: errorOf(run, 'Kirin'),
			ms: took,
		});
	});
});
