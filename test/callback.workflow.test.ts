import { startFakeKirin, type FakeKirin } from './fake-kirin/server';
import { postJson, resetCallbackOptions } from './harness/fake-api';
import { outputOf } from './harness/harness';
import { waitFor } from './harness/wait';
import { N8nWebhookServer } from './harness/webhooks';
import {
	generateFromPrompts,
	kirinCredentials,
	kirinWorkflow,
	promptItems,
} from './harness/workflows';

let fake: FakeKirin;
let n8n: N8nWebhookServer;
let credentials: ReturnType<typeof kirinCredentials>;

beforeAll(async () => {
	fake = await startFakeKirin({ generationMs: 300 });
	n8n = await new N8nWebhookServer().start();
	credentials = kirinCredentials(fake);
});
afterAll(async () => {
	await fake.close();
	await n8n.close();
});
beforeEach(() => {
	fake.ledger.reset();
	resetCallbackOptions(fake);
});

const prompts = [
	'a red fox [ms:200]',
	'a blue whale [ms:500]',
	'a green owl [ms:50]',
	'a white cat [ms:350]',
	'a black dog [ms:120]',
];

function callbackWorkflow(
	items: string[],
	options: Record<string, unknown> = {},
	continueOnFail = false,
) {
	return kirinWorkflow(
		generateFromPrompts({ model: 'kirin_v2_5_turbo_t2v', completion: 'callback', options }),
		promptItems(...items),
		{ continueOnFail },
	);
}

describe('Generate Video with Completion "Wait for Callback"', () => {
	test('resumes once, with every item in input order, when callbacks arrive shuffled, twice and with intermediate statuses', async () => {
		fake.setCallbackOptions({ duplicateCallbacks: true, shuffleCallbacks: 150 });
		const waiting = await n8n.runUntilWaiting(callbackWorkflow(prompts), credentials);

		// While waiting, the worker holds nothing: the first run has ended with status "waiting".
		expect(waiting.firstRun!.status).toBe('waiting');
		const run = await waiting.finished();

		expect(run.status).toBe('success');
		expect(waiting.resumes).toBe(1);
		const items = outputOf(run, 'Kirin');
		expect(items).toHaveLength(prompts.length);
		const creates = fake.ledger.creates();
		items.forEach((item, index) => {
			expect(item.pairedItem).toEqual({ item: index });
			expect(item.json.status).toBe('completed');
			expect(item.json.videoUrl).toMatch(/\/files\/tsk_.+\.mp4$/);
			const body = creates.find((entry) => entry.createdTaskId === item.json.taskId)!.body as {
				prompt: string;
			};
			expect(body.prompt).toBe(prompts[index]);
		});
		// Every status change was delivered (twice), non-final ones included, and most were answered without resuming.
		const delivered = fake.ledger.callbacks().filter((attempt) => attempt.httpStatus === 200);
		expect(
			delivered.filter((attempt) => attempt.taskStatus !== 'completed').length,
		).toBeGreaterThan(0);
		expect(waiting.webhookCalls).toBeGreaterThan(prompts.length);
		// No status requests: the callbacks told the node everything.
		for (const item of items) expect(fake.ledger.statusPolls(String(item.json.taskId))).toBe(0);
		expect(fake.ledger.creates()).toHaveLength(prompts.length);
	});

	test('the callback URL is the execution resume URL with the batch secret', async () => {
		const waiting = await n8n.runUntilWaiting(callbackWorkflow(['one [ms:100]']), credentials);
		await waiting.finished();
		const body = fake.ledger.creates()[0].body as { callback_url: string };
		const url = new URL(body.callback_url);
		expect(`${url.origin}${url.pathname}`).toBe(
			`${n8n.url}/webhook-waiting/${waiting.executionId}`,
		);
		expect(url.searchParams.get('signature')).toBe(waiting.stored!.resumeToken);
		expect(url.searchParams.get('kirinSecret')).toMatch(/^[\w-]{32}$/);
		expect(url.searchParams.get('kirinItem')).toBe('0');
	});

	test('a forged callback is refused and changes nothing', async () => {
		const waiting = await n8n.runUntilWaiting(
			callbackWorkflow(['slow one [ms:1500]']),
			credentials,
		);
		const realUrl = new URL(
			(fake.ledger.creates()[0].body as { callback_url: string }).callback_url,
		);
		const taskId = fake.ledger.creates()[0].createdTaskId!;
		const completed = {
			task_id: taskId,
			status: 'completed',
			output: [{ content: [{ type: 'video', url: 'https://evil.example/x.mp4' }] }],
		};

		const noSignature = new URL(realUrl);
		noSignature.searchParams.delete('signature');
		const wrongSecret = new URL(realUrl);
		wrongSecret.searchParams.set('kirinSecret', 'x'.repeat(32));
		const noSecret = new URL(realUrl);
		noSecret.searchParams.delete('kirinSecret');
		for (const [url, status] of [
			[noSignature, 401],
			[wrongSecret, 403],
			[noSecret, 403],
		] as const) {
			expect((await postJson(url.toString(), completed)).status).toBe(status);
		}
		expect(waiting.status).toBe('waiting');
		expect(waiting.resumes).toBe(0);

		const run = await waiting.finished();
		expect(outputOf(run, 'Kirin')[0].json.videoUrl).toMatch(new RegExp(`^${fake.url}/files/`));
	});

	test('a failed task becomes an error item naming its code and meaning; the others keep their videos', async () => {
		const waiting = await n8n.runUntilWaiting(
			callbackWorkflow(['fine [ms:100]', 'broken [fail:096] [ms:150]', 'fine too [ms:80]']),
			credentials,
		);
		const run = await waiting.finished();
		const items = outputOf(run, 'Kirin');
		expect(items.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		expect(items[0].json.videoUrl).toBeDefined();
		expect(items[2].json.videoUrl).toBeDefined();
		const error = items[1].json.error as Record<string, string>;
		expect(error.message).toContain(
			'Kirin V2.5 Turbo - Text to Video: result parsing error (002011096)',
		);
		expect(error.taskId).toBe(fake.ledger.creates()[1].createdTaskId);
	});

	test('the wait limit resumes the execution with the unfinished tasks reported as timed out, by task id', async () => {
		const waiting = await n8n.runUntilWaiting(
			callbackWorkflow(['quick [ms:50]', 'stuck [never]'], { timeout: 0.01 }),
			credentials,
		);
		await waitFor(
			() => fake.ledger.callbacks().some((attempt) => attempt.taskStatus === 'completed'),
			{ timeoutMs: 5000, intervalMs: 20 },
		);
		expect(waiting.resumes).toBe(0);
		expect(waiting.firstRun!.waitTill!.getTime()).toBeLessThanOrEqual(Date.now() + 0.01 * 60_000);

		const run = await waiting.expire();
		expect(run.status).toBe('success');
		const items = outputOf(run, 'Kirin');
		expect(items).toHaveLength(2);
		const stuckTask = fake.ledger.creates()[1].createdTaskId!;
		const error = items[1].json.error as Record<string, string>;
		expect(error.code).toBe('TIMEOUT');
		expect(error.taskId).toBe(stuckTask);
		expect(error.message).toContain(stuckTask);
		expect(error.description).toContain('Get Task');
		expect(items[1].pairedItem).toEqual({ item: 1 });
	});
});
