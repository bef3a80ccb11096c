/**
 * A user's External Task ID that is already taken. Kirin keeps one task per External Task ID and
 * answers 409 for a second create; its task JSON does not say which request made the task. So a
 * task this node did not just create from the same request is never silently returned as another
 * item's video: the item fails naming it, or, when the user asks for existing tasks, comes back
 * marked `existingTask: true`. A task of another model is never returned. Retry On Fail of the same
 * request still adopts its own task, and nothing is ever paid twice.
 */
import type { IDataObject } from 'n8n-workflow';

import { createOverHttp, useFakeKirin } from './harness/fake-api';
import { runGenerate, type KirinRun } from './harness/workflows';

const server = useFakeKirin({ generationMs: 30 });

/** Creates a task outside the node (an earlier execution, another n8n) and gives its id. */
async function earlierTask(body: IDataObject): Promise<string> {
	const response = await createOverHttp(server(), body);
	expect(response.status).toBe(200);
	return (response.json as { task_id: string }).task_id;
}

/** An earlier "a red fox" task under this test's id, then "a blue whale" under the same id. */
async function foxThenWhale(options: IDataObject = {}): Promise<{ fox: string } & KirinRun> {
	const fox = await earlierTask({
		model: 'kirin_v2_6_t2v',
		prompt: 'a red fox',
		external_task_id: sku,
	});
	const run = await runGenerate(server(), {
		model: 'kirin_v2_6_t2v',
		prompt: 'a blue whale',
		options: { ...SKU, ...options },
	});
	return { fox, ...run };
}

/** A fresh External Task ID per test (the fake server keeps its tasks between tests). */
let sku = '';
let SKU: IDataObject = {};
let serial = 0;
beforeEach(() => {
	sku = `sku-42-${++serial}`;
	SKU = { externalTaskId: sku };
});

describe('a user External Task ID that an earlier request took', () => {
	it('"a red fox" then "a blue whale" under sku-42: the whale item fails naming the fox task, one create', async () => {
		const { fox, output, error } = await foxThenWhale();
		expect(output).toEqual([]);
		expect(error?.message).toContain(`External Task ID "${sku}" is already used by task ${fox}`);
		expect(String(error?.description)).toContain('Nothing new was created or paid');
		expect(String(error?.description)).toContain('When External Task ID Is Taken');
		expect(server().ledger.creates()).toHaveLength(1);
		expect(
			server()
				.ledger.createAttempts()
				.map((entry) => entry.status),
		).toEqual([200, 409]);
	});

	it('with Return the Existing Task, the item gets the earlier task, marked existingTask', async () => {
		const { fox, output, error } = await foxThenWhale({ onTakenExternalTaskId: 'adopt' });
		expect(error).toBeUndefined();
		expect(output).toHaveLength(1);
		expect(output[0].json).toMatchObject({
			taskId: fox,
			externalTaskId: sku,
			status: 'completed',
			existingTask: true,
		});
		expect(server().ledger.creates()).toHaveLength(1);
	});

	it('a task of another model is never returned, even when existing tasks are asked for', async () => {
		const other = await earlierTask({
			model: 'kirin_v2_5_turbo_t2v',
			prompt: 'a red fox',
			external_task_id: sku,
		});
		const { output, error } = await runGenerate(
			server(),
			{
				model: 'kirin_v2_6_t2v',
				prompt: 'a red fox',
				options: { ...SKU, onTakenExternalTaskId: 'adopt' },
			},
			undefined,
			{ continueOnFail: true },
		);
		expect(error).toBeUndefined();
		const failure = output[0].json.error as IDataObject;
		expect(failure.message).toContain(`already used by task ${other}`);
		expect(failure.description).toContain('another model');
		expect(server().ledger.creates()).toHaveLength(1);
	});

	it('Retry On Fail of the same request adopts its own task without a flag, paying once', async () => {
		// Try 1 creates the task and times out waiting (0.12 s, the video takes 0.4 s); n8n retries the
		// step; the later tries find the ID taken by their own request and wait for that task.
		const { output, error } = await runGenerate(
			server(),
			{
				model: 'kirin_v2_6_t2v',
				prompt: 'a red fox [ms:400]',
				options: { ...SKU, timeout: 0.002 },
			},
			undefined,
			{ retryOnFail: true, maxTries: 5, waitBetweenTries: 10 },
		);
		expect(error).toBeUndefined();
		expect(output[0].json).toMatchObject({ externalTaskId: sku, status: 'completed' });
		expect(output[0].json.existingTask).toBeUndefined();
		expect(server().ledger.creates()).toHaveLength(1);
		const statuses = server()
			.ledger.createAttempts()
			.map((entry) => entry.status);
		expect(statuses[0]).toBe(200);
		expect(statuses.length).toBeGreaterThan(1);
		expect(statuses.slice(1).every((status) => status === 409)).toBe(true);
	});
});
