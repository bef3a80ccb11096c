/**
 * Every paid task is accounted for: when the node stops, no task is created after the stop, the
 * creates in flight are awaited, and the error names every task this run created.
 */
import { startFakeKirin, type FakeKirin } from './fake-kirin/server';
import { errorOf, startWorkflow } from './harness/harness';
import { sleep, waitFor } from './harness/wait';
import {
	generateFromPrompts,
	kirinCredentials,
	kirinWorkflow,
	promptItems,
} from './harness/workflows';

let fake: FakeKirin;
let credentials: ReturnType<typeof kirinCredentials>;

beforeAll(async () => {
	fake = await startFakeKirin({ generationMs: 200 });
	credentials = kirinCredentials(fake);
});
afterAll(async () => await fake.close());
beforeEach(() => fake.ledger.reset());

test('a create that fails for good stops the batch: no create after the stop, every created task named', async () => {
	const prompts = Array.from({ length: 8 }, (_, index) => `item ${index} [ms:100]`);
	fake.setFaults({ slow: { count: 100, delayMs: 100, on: 'create' } });
	const started = await startWorkflow(
		kirinWorkflow(
			generateFromPrompts({
				options: { maxConcurrency: 2, maxRetries: 1, retryDelay: 0.01, pollInterval: 0.02 },
			}),
			promptItems(...prompts),
		),
		credentials,
	);
	// Once some tasks exist, every further create answers 500 until the retries run out.
	const createdTasks = () => fake.ledger.creates().filter((entry) => entry.createdTaskId);
	await waitFor(() => createdTasks().length >= 2, { timeoutMs: 10_000 });
	fake.setFaults({ serverErrors: { count: 1000, status: 500, on: 'create' } });
	const run = await started.done;
	const error = errorOf(run, 'Kirin');
	expect(error).toBeDefined();
	const createdAtStop = createdTasks().length;
	// Nothing the node started may create a task after it stopped.
	await sleep(1500);
	expect(createdTasks().length).toBe(createdAtStop);
	expect(createdAtStop).toBeGreaterThanOrEqual(2);
	expect(createdAtStop).toBeLessThan(prompts.length);
	for (const entry of createdTasks()) {
		expect(String(error!.description)).toContain(entry.createdTaskId!);
	}
	expect(String(error!.description)).toContain('Retry On Fail on this node adopts them');
});
