import { startFakeKirin, type FakeKirin } from './fake-kirin/server';
import { errorOf, outputOf, runWorkflow, startWorkflow } from './harness/harness';
import { waitFor } from './harness/wait';
import {
	generateFromPrompts,
	kirinCredentials,
	kirinWorkflow,
	promptItems,
} from './harness/workflows';

let fake: FakeKirin;
let credentials: ReturnType<typeof kirinCredentials>;

beforeAll(async () => {
	fake = await startFakeKirin({ generationMs: 150 });
	credentials = kirinCredentials(fake);
});
afterAll(async () => fake.close());
beforeEach(() => fake.ledger.reset());

/** Poll fast in every run here. */
const FAST = { pollInterval: 0.03 };

describe('Reuse Tasks Created for the Same Input in the Last (Hours)', () => {
	test('off (default): running the same items again generates new videos', async () => {
		const items = promptItems('a fox', 'an owl');
		await runWorkflow(kirinWorkflow(generateFromPrompts({}, FAST), items), credentials);
		await runWorkflow(kirinWorkflow(generateFromPrompts({}, FAST), items), credentials);
		expect(fake.ledger.creates()).toHaveLength(4);
	});

	test('on: a second execution on the same items adopts the tasks instead of paying again', async () => {
		const items = promptItems('a fox', 'an owl', 'a whale');
		const first = outputOf(
			await runWorkflow(
				kirinWorkflow(generateFromPrompts({ options: { reuseWithinHours: 1 } }, FAST), items),
				credentials,
			),
			'Kirin',
		);
		const second = outputOf(
			await runWorkflow(
				kirinWorkflow(generateFromPrompts({ options: { reuseWithinHours: 1 } }, FAST), items),
				credentials,
			),
			'Kirin',
		);
		expect(fake.ledger.creates()).toHaveLength(3);
		expect(second.map((item) => item.json.taskId)).toEqual(first.map((item) => item.json.taskId));
		expect(second.every((item) => item.json.status === 'completed')).toBe(true);
	});

	test('on: a different input, or the same prompt at another position, is a new task', async () => {
		await runWorkflow(
			kirinWorkflow(
				generateFromPrompts({ options: { reuseWithinHours: 1 } }, FAST),
				promptItems('a lynx', 'a heron'),
			),
			credentials,
		);
		await runWorkflow(
			kirinWorkflow(
				generateFromPrompts({ options: { reuseWithinHours: 1 } }, FAST),
				promptItems('a heron', 'a lynx', 'a cat'),
			),
			credentials,
		);
		expect(fake.ledger.creates()).toHaveLength(5);
	});

	test('on: a failed task is not reused; the item gets a fresh task', async () => {
		const items = promptItems('fine', 'broken [fail:095]');
		const first = await runWorkflow(
			kirinWorkflow(generateFromPrompts({ options: { reuseWithinHours: 1 } }, FAST), items, {
				continueOnFail: true,
			}),
			credentials,
		);
		expect((outputOf(first, 'Kirin')[1].json.error as Record<string, string>).message).toContain(
			'002014095',
		);
		await runWorkflow(
			kirinWorkflow(generateFromPrompts({ options: { reuseWithinHours: 1 } }, FAST), items, {
				continueOnFail: true,
			}),
			credentials,
		);
		const prompts = fake.ledger.creates().map((entry) => (entry.body as { prompt: string }).prompt);
		expect(prompts.filter((prompt) => prompt === 'fine')).toHaveLength(1);
		expect(prompts.filter((prompt) => prompt === 'broken [fail:095]')).toHaveLength(2);
		for (const count of Object.values(fake.ledger.createsByExternalId())) expect(count).toBe(1);
	});

	test('on: after an execution dies mid-batch, re-running it adopts what it created and finishes', async () => {
		const items = promptItems('one [ms:1500]', 'two [ms:1500]', 'three [ms:1500]');
		const crashed = await startWorkflow(
			kirinWorkflow(generateFromPrompts({ options: { reuseWithinHours: 2 } }, FAST), items),
			credentials,
		);
		// The tasks are created at once; the execution then dies while it waits for them.
		await waitFor(() => fake.ledger.creates().length >= 3, {
			intervalMs: 20,
			what: 'three creates',
		});
		crashed.cancel();
		await crashed.done.catch(() => undefined);
		expect(fake.ledger.creates()).toHaveLength(3);

		const rerun = await runWorkflow(
			kirinWorkflow(generateFromPrompts({ options: { reuseWithinHours: 2 } }, FAST), items),
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
			const items = promptItems('callback fox [ms:300]', 'callback owl [ms:300]');
			const parameters = generateFromPrompts(
				{ completion: 'callback', options: { reuseWithinHours: 1 } },
				FAST,
			);
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
