import { startFakeKirin, type FakeKirin } from './fake-kirin/server';
import { errorOf, outputOf, runWorkflow, startWorkflow } from './harness/harness';
import { kirinWorkflow } from './harness/workflows';

let fake: FakeKirin;
let credentials: { kirinApi: { apiKey: string; baseUrl: string } };

beforeAll(async () => {
	fake = await startFakeKirin({ generationMs: 150 });
	credentials = { kirinApi: { apiKey: fake.apiKey, baseUrl: fake.url } };
});
afterAll(async () => fake.close());
beforeEach(() => fake.ledger.reset());

const rows = (...prompts: string[]) => prompts.map((prompt) => ({ json: { prompt } }));

function generate(options: Record<string, unknown> = {}) {
	return {
		operation: 'generate',
		model: 'kirin_v2_6_t2v',
		prompt: '={{ $json.prompt }}',
		options: { pollInterval: 0.03, ...options },
	};
}

describe('Reuse Tasks Created for the Same Input in the Last (Hours)', () => {
	test('off (default): running the same items again generates new videos', async () => {
		const items = rows('a fox', 'an owl');
		await runWorkflow(kirinWorkflow(generate(), items), credentials);
		await runWorkflow(kirinWorkflow(generate(), items), credentials);
		expect(fake.ledger.creates()).toHaveLength(4);
	});

	test('on: a second execution on the same items adopts the tasks instead of paying again', async () => {
		const items = rows('a fox', 'an owl', 'a whale');
		const first = outputOf(
			await runWorkflow(kirinWorkflow(generate({ reuseWithinHours: 1 }), items), credentials),
			'Kirin',
		);
		const second = outputOf(
			await runWorkflow(kirinWorkflow(generate({ reuseWithinHours: 1 }), items), credentials),
			'Kirin',
		);
		expect(fake.ledger.creates()).toHaveLength(3);
		expect(second.map((item) => item.json.taskId)).toEqual(first.map((item) => item.json.taskId));
		expect(second.every((item) => item.json.status === 'completed')).toBe(true);
	});

	test('on: a different input, or the same prompt at another position, is a new task', async () => {
		await runWorkflow(
			kirinWorkflow(generate({ reuseWithinHours: 1 }), rows('a lynx', 'a heron')),
			credentials,
		);
		await runWorkflow(
			kirinWorkflow(generate({ reuseWithinHours: 1 }), rows('a heron', 'a lynx', 'a cat')),
			credentials,
		);
		expect(fake.ledger.creates()).toHaveLength(5);
	});

	test('on: a failed task is not reused; the item gets a fresh task', async () => {
		const items = rows('fine', 'broken [fail:095]');
		const first = await runWorkflow(
			kirinWorkflow(generate({ reuseWithinHours: 1 }), items, { continueOnFail: true }),
			credentials,
		);
		expect((outputOf(first, 'Kirin')[1].json.error as Record<string, string>).message).toContain(
			'002014095',
		);
		await runWorkflow(
			kirinWorkflow(generate({ reuseWithinHours: 1 }), items, { continueOnFail: true }),
			credentials,
		);
		const prompts = fake.ledger.creates().map((entry) => (entry.body as { prompt: string }).prompt);
		expect(prompts.filter((prompt) => prompt === 'fine')).toHaveLength(1);
		expect(prompts.filter((prompt) => prompt === 'broken [fail:095]')).toHaveLength(2);
		for (const count of Object.values(fake.ledger.createsByExternalId())) expect(count).toBe(1);
	});

	test('on: after an execution dies mid-batch, re-running it adopts what it created and finishes', async () => {
		const items = rows('one [ms:1500]', 'two [ms:1500]', 'three [ms:1500]');
		const crashed = await startWorkflow(
			kirinWorkflow(generate({ reuseWithinHours: 2 }), items),
			credentials,
		);
		// The tasks are created at once; the execution then dies while it waits for them.
		for (let waited = 0; fake.ledger.creates().length < 3 && waited < 3000; waited += 20) {
			await new Promise((resolve) => setTimeout(resolve, 20));
		}
		crashed.cancel();
		await crashed.done.catch(() => undefined);
		expect(fake.ledger.creates()).toHaveLength(3);

		const rerun = await runWorkflow(
			kirinWorkflow(generate({ reuseWithinHours: 2 }), items),
			credentials,
		);
		expect(errorOf(rerun, 'Kirin')).toBeUndefined();
		const output = outputOf(rerun, 'Kirin');
		expect(output.map((item) => item.json.status)).toEqual(['completed', 'completed', 'completed']);
		expect(fake.ledger.creates()).toHaveLength(3);
	});
});

describe('Reuse with Wait for Callback', () => {
	test('a re-run that adopts tasks of an earlier execution delivers their results instead of waiting for callbacks that go elsewhere', async () => {
		const { N8nWebhookServer } = await import('./harness/webhooks');
		const n8n = await new N8nWebhookServer().start();
		try {
			const items = rows('callback fox [ms:300]', 'callback owl [ms:300]');
			const parameters = { ...generate({ reuseWithinHours: 1 }), completion: 'callback' };
			const first = await n8n.runUntilWaiting(kirinWorkflow(parameters, items), credentials);
			const firstItems = outputOf(await first.finished(), 'Kirin');
			expect(fake.ledger.creates()).toHaveLength(2);

			// The same input again: the tasks are adopted, and their callbacks went to the first execution.
			const started = Date.now();
			const rerun = await runWorkflow(kirinWorkflow(parameters, items), credentials);
			expect(Date.now() - started).toBeLessThan(10_000);
			const rerunItems = outputOf(rerun, 'Kirin');
			expect(rerunItems.map((item) => item.json.taskId)).toEqual(
				firstItems.map((item) => item.json.taskId),
			);
			expect(rerunItems.every((item) => item.json.status === 'completed')).toBe(true);
			expect(fake.ledger.creates()).toHaveLength(2);
		} finally {
			await n8n.close();
		}
	});
});
