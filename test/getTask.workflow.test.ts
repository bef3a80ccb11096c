/**
 * Get Task, run as a real n8n workflow (built node from dist/) against the fake Kirin API over
 * HTTP: look-up by task id and by external task id, tasks in every state, downloads, unknown ids and
 * Continue On Fail. Tasks are created directly on the fake with HTTP (as another system or an
 * earlier execution would), or by a Generate Video run that does not wait.
 */
import type { IDataObject } from 'n8n-workflow';

import { startFakeKirin, type FakeKirin, type KirinTask } from './fake-kirin/server';
import { createOverHttp, waitForTaskStatus } from './harness/fake-api';
import { outputOf, runWorkflow } from './harness/harness';
import { kirinCredentials, kirinWorkflow, runKirin, type TestItem } from './harness/workflows';

let fake: FakeKirin;

beforeAll(async () => {
	fake = await startFakeKirin({ generationMs: 40 });
});
afterAll(async () => {
	await fake.close();
});
beforeEach(() => {
	fake.ledger.reset();
});

/** Creates a task on the fake over HTTP, as any API client would. */
async function createTask(body: IDataObject): Promise<KirinTask> {
	const response = await createOverHttp(fake, body);
	expect(response.status).toBe(200);
	return response.json as KirinTask;
}

/** Waits (without HTTP, so the ledger stays clean) until the fake reports the task in `status`. */
const settled = (taskId: string, status: string) => waitForTaskStatus(fake, taskId, status);

let counter = 0;
const uniqueId = (prefix: string) => `${prefix}-${process.pid}-${++counter}`;

/** Runs Get Task with `parameters` (base URL given with a trailing slash, which must not matter). */
async function getTask(
	parameters: IDataObject,
	items?: TestItem[],
	options: { continueOnFail?: boolean; apiKey?: string } = {},
) {
	const credentials = kirinCredentials(
		{ url: `${fake.url}/`, apiKey: fake.apiKey },
		options.apiKey,
	);
	const { error, output } = await runKirin(
		{ operation: 'getTask', ...parameters },
		items,
		credentials,
		{
			continueOnFail: options.continueOnFail,
		},
	);
	return { error, output };
}

describe('Get Task by task id', () => {
	it('returns a completed task with its video URL and cost, with one status request and no create', async () => {
		const externalTaskId = uniqueId('ext');
		const created = await createTask({
			model: 'kirin_v2_6_t2v',
			prompt: 'fox',
			external_task_id: externalTaskId,
		});
		await settled(created.task_id, 'completed');
		fake.ledger.reset();

		const { output, error } = await getTask({ lookupBy: 'taskId', taskId: created.task_id });
		expect(error).toBeUndefined();
		expect(output).toHaveLength(1);
		const url = `${fake.url}/files/${created.task_id}.mp4`;
		expect(output[0]).toEqual({
			json: {
				taskId: created.task_id,
				externalTaskId,
				model: 'kirin_v2_6_t2v',
				status: 'completed',
				videoUrl: url,
				videos: [{ type: 'video', url }],
				costUsd: 0.35,
				discount: 0,
				metadata: {},
				createdAt: created.created_at,
				updatedAt: expect.any(String),
			},
			pairedItem: { item: 0 },
		});
		expect(fake.ledger.statusPolls(created.task_id)).toBe(1);
		expect(fake.ledger.createAttempts()).toHaveLength(0);
		expect(fake.ledger.entries[0].authorizationHeader).toBe(`Bearer ${fake.apiKey}`);
	});

	it('returns a task still in progress as it is, without waiting', async () => {
		const created = await createTask({ model: 'kirin_v1_t2v', prompt: 'fox [never]' });
		await settled(created.task_id, 'processing');
		const { output, error } = await getTask({ lookupBy: 'taskId', taskId: created.task_id });
		expect(error).toBeUndefined();
		expect(output[0].json).toMatchObject({ taskId: created.task_id, status: 'processing' });
		expect(output[0].json).not.toHaveProperty('videoUrl');
		expect(output[0].json).not.toHaveProperty('costUsd');
	});

	it('returns a failed task with its error code explained, without failing the node', async () => {
		const created = await createTask({ model: 'kirin_v2_5_turbo_t2v', prompt: 'fox [fail:096]' });
		await settled(created.task_id, 'failed');
		const { output, error } = await getTask({ lookupBy: 'taskId', taskId: created.task_id });
		expect(error).toBeUndefined();
		expect(output[0].json).toMatchObject({
			status: 'failed',
			error: {
				code: '002011096',
				message: 'Result parsing error',
				meaning: 'Kirin V2.5 Turbo - Text to Video: result parsing error',
			},
		});
	});

	it('looks up one task per item, in order, from an expression', async () => {
		const tasks = [
			await createTask({ model: 'kirin_v2_6_t2v', prompt: 'one' }),
			await createTask({ model: 'kirin_v2_6_t2v', prompt: 'two [videos:2]' }),
			await createTask({ model: 'kirin_v2_6_t2v', prompt: 'three' }),
		];
		for (const task of tasks) await settled(task.task_id, 'completed');
		const { output } = await getTask(
			{ lookupBy: 'taskId', taskId: '={{ $json.id }}' },
			tasks.map((task) => ({ json: { id: task.task_id } })),
		);
		expect(output.map((item) => item.json.taskId)).toEqual(tasks.map((task) => task.task_id));
		expect(output.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		expect((output[1].json.videos as unknown[]).length).toBe(2);
	});

	it('downloads the videos of a completed task into binary fields when asked', async () => {
		const created = await createTask({
			model: 'kirin_v2_6_t2v',
			prompt: 'fox [videos:2] [size:2KB]',
		});
		await settled(created.task_id, 'completed');
		const { output, error } = await getTask({
			lookupBy: 'taskId',
			taskId: created.task_id,
			downloadVideo: true,
			options: { binaryPropertyOutput: 'video' },
		});
		expect(error).toBeUndefined();
		const binary = output[0].binary!;
		expect(Object.keys(binary).sort()).toEqual(['video', 'video_1']);
		expect(binary.video).toMatchObject({
			fileName: `${created.task_id}.mp4`,
			mimeType: 'video/mp4',
		});
		expect(binary.video_1).toMatchObject({
			fileName: `${created.task_id}_1.mp4`,
			mimeType: 'video/mp4',
		});
		expect(Buffer.from(binary.video.data, 'base64').length).toBe(2000);
		expect(fake.ledger.downloads(created.task_id)).toHaveLength(2);
	});

	it('downloads nothing for a task that is not completed', async () => {
		const created = await createTask({ model: 'kirin_v2_6_t2v', prompt: 'fox [never]' });
		const { output } = await getTask({
			lookupBy: 'taskId',
			taskId: created.task_id,
			downloadVideo: true,
		});
		expect(output[0].binary).toBeUndefined();
		expect(fake.ledger.downloads()).toHaveLength(0);
	});
});

describe('Get Task by external task id', () => {
	it('finds the task by the id it was created with, URL-encoding the id', async () => {
		const externalTaskId = `campaign/42 item 7&x=${uniqueId('y')}`;
		const created = await createTask({
			model: 'kirin_v2_1_master_t2v',
			prompt: 'fox',
			external_task_id: externalTaskId,
		});
		await settled(created.task_id, 'completed');
		const { output, error } = await getTask({ lookupBy: 'externalTaskId', externalTaskId });
		expect(error).toBeUndefined();
		expect(output[0].json).toMatchObject({
			taskId: created.task_id,
			externalTaskId,
			status: 'completed',
			costUsd: 0.35,
		});
		const lookups = fake.ledger.entries.filter((entry) => entry.kind === 'lookup');
		expect(lookups).toHaveLength(1);
		expect(lookups[0].query).toEqual({ external_task_id: externalTaskId });
	});

	it('fetches a task that an earlier Generate Video run created without waiting', async () => {
		const generateRun = await runWorkflow(
			kirinWorkflow({
				operation: 'generate',
				model: 'kirin_v2_6_t2v',
				prompt: 'fox',
				completion: 'none',
				options: { externalTaskId: uniqueId('later') },
			}),
			kirinCredentials(fake),
		);
		const [createdItem] = outputOf(generateRun, 'Kirin');
		expect(createdItem.json.status).toBe('pending');
		await settled(createdItem.json.taskId as string, 'completed');

		const { output } = await getTask({
			lookupBy: 'externalTaskId',
			externalTaskId: createdItem.json.externalTaskId,
		});
		expect(output[0].json).toMatchObject({
			taskId: createdItem.json.taskId,
			status: 'completed',
			videoUrl: `${fake.url}/files/${createdItem.json.taskId}.mp4`,
		});
		expect(fake.ledger.creates()).toHaveLength(1);
	});
});

describe('unknown ids and errors', () => {
	it('an unknown task id fails with a 404 naming the id', async () => {
		const { error } = await getTask({ lookupBy: 'taskId', taskId: 'tsk_missing' });
		expect(error).toBeDefined();
		expect(error!.name).toBe('NodeApiError');
		expect(error!.message).toContain('404');
		expect(error!.message).toContain('tsk_missing');
		// A 404 is not retried.
		expect(fake.ledger.entries.filter((entry) => entry.kind === 'poll')).toHaveLength(1);
	});

	it('an unknown external task id fails saying no task has it', async () => {
		const { error } = await getTask({
			lookupBy: 'externalTaskId',
			externalTaskId: 'nobody-has-this',
		});
		expect(error).toBeDefined();
		expect(error!.message).toContain('No Kirin task has the external task ID "nobody-has-this"');
		expect(fake.ledger.entries.filter((entry) => entry.kind === 'lookup')).toHaveLength(1);
	});

	// Found by this test: an expression that resolves to undefined (e.g. a misspelt $json field) is
	// turned into the text "undefined" (`String(...)` in actions/getTask.operation.ts), so the node asks
	// the API for task "undefined" and reports "not found (404) (task undefined)".
	test('an id that resolves to nothing fails without a request', async () => {
		const { error } = await getTask({ lookupBy: 'taskId', taskId: '={{ $json.id }}' }, [
			{ json: {} },
		]);
		expect(error!.message).toMatch(/Task ID is empty \[item 0\]/);
		expect(fake.ledger.entries).toHaveLength(0);
	});

	it('a wrong API key fails naming the API key', async () => {
		const { error } = await getTask({ lookupBy: 'taskId', taskId: 'tsk_any' }, undefined, {
			apiKey: 'wrong',
		});
		expect(error!.message).toMatch(/API key/);
		expect(error!.message).toContain('401');
	});

	it('with Continue On Fail, an unknown id becomes an error item and the other items are fetched', async () => {
		const known = await createTask({ model: 'kirin_v2_6_t2v', prompt: 'fox' });
		await settled(known.task_id, 'completed');
		const { output, error } = await getTask(
			{ lookupBy: 'taskId', taskId: '={{ $json.id }}' },
			[
				{ json: { id: known.task_id } },
				{ json: { id: 'tsk_missing' } },
				{ json: { id: known.task_id } },
			],
			{ continueOnFail: true },
		);
		expect(error).toBeUndefined();
		expect(output).toHaveLength(3);
		expect(output.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		expect(output[0].json).toMatchObject({ taskId: known.task_id, status: 'completed' });
		expect(output[2].json).toMatchObject({ taskId: known.task_id, status: 'completed' });
		const failure = output[1].json.error as IDataObject;
		expect(failure.message).toContain('404');
		expect(failure.message).toContain('tsk_missing');
		expect(failure.code).toBe('404');
	});

	it('with Continue On Fail, an unknown external id becomes an error item', async () => {
		const { output } = await getTask(
			{ lookupBy: 'externalTaskId', externalTaskId: 'missing-ext' },
			[{ json: {} }],
			{ continueOnFail: true },
		);
		expect(output).toEqual([
			{
				json: {
					error: expect.objectContaining({
						message: 'No Kirin task has the external task ID "missing-ext"',
					}),
				},
				pairedItem: { item: 0 },
			},
		]);
	});
});
