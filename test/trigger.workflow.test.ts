import { request } from 'undici';
import type { INode } from 'n8n-workflow';

import { createHash } from 'crypto';

import { expectedVideoSha256, startFakeKirin, type FakeKirin } from './fake-kirin/server';
import { binaryBytes } from './harness/binary';
import { outputOf, runWorkflow } from './harness/harness';
import { N8nWebhookServer, type ActiveTrigger } from './harness/webhooks';
import { kirinWorkflow } from './harness/workflows';

let fake: FakeKirin;
let n8n: N8nWebhookServer;
let credentials: { kirinApi: { apiKey: string; baseUrl: string } };
let counter = 0;

beforeAll(async () => {
	fake = await startFakeKirin({ generationMs: 150 });
	n8n = await new N8nWebhookServer().start();
	credentials = { kirinApi: { apiKey: fake.apiKey, baseUrl: fake.url } };
});
afterAll(async () => {
	await fake.close();
	await n8n.close();
});
beforeEach(() => {
	fake.ledger.reset();
	fake.setCallbackOptions({
		duplicateCallbacks: false,
		shuffleCallbacks: 0,
		reverseCallbacks: false,
	});
});

/** Activates "Kirin Trigger -> (nothing)" with the given trigger parameters. */
async function activateTrigger(parameters: Record<string, unknown> = {}): Promise<ActiveTrigger> {
	counter++;
	const trigger: INode = {
		id: `trigger-${counter}`,
		name: 'Kirin Trigger',
		type: 'n8n-nodes-kirin.kirinTrigger',
		typeVersion: 1,
		position: [0, 0],
		webhookId: `0d6c9b8e-5a1f-4c3e-9e7a-00000000000${counter}`,
		parameters: parameters as INode['parameters'],
		credentials: { kirinApi: { id: 'cred-1', name: 'Kirin account' } },
	};
	return await n8n.activate(
		{ id: `wf-trigger-${counter}`, nodes: [trigger], connections: {} },
		credentials,
		'Kirin Trigger',
	);
}

/** Runs Generate Video with "Don't Wait" and the trigger's production URL as Callback URL. */
async function generateInto(trigger: ActiveTrigger, prompts: string[]) {
	const run = await runWorkflow(
		kirinWorkflow(
			{
				operation: 'generate',
				model: 'kirin_v2_6_t2v',
				prompt: '={{ $json.prompt }}',
				completion: 'none',
				options: { callbackUrl: n8n.triggerUrl(trigger) },
			},
			prompts.map((prompt) => ({ json: { prompt } })),
		),
		credentials,
	);
	return outputOf(run, 'Kirin');
}

async function post(url: string, body: unknown) {
	const response = await request(url, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify(body),
	});
	return { status: response.statusCode, body: await response.body.text() };
}

async function settle(ms = 400) {
	await new Promise((resolve) => setTimeout(resolve, ms));
}

describe('Kirin Trigger', () => {
	test("Don't Wait returns each created task at once, and the trigger starts one execution per completed task", async () => {
		const trigger = await activateTrigger();
		const created = await generateInto(trigger, ['a fox', 'an owl', 'a whale']);
		expect(created.map((item) => item.json.status)).toEqual(['pending', 'pending', 'pending']);
		expect(created.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);

		const executions = await trigger.waitForExecutions(3);
		await settle();
		expect(trigger.executions).toHaveLength(3);
		const emitted = executions.map((run) => outputOf(run, 'Kirin Trigger')[0].json);
		expect(emitted.map((json) => json.taskId).sort()).toEqual(
			created.map((item) => item.json.taskId).sort(),
		);
		for (const json of emitted) {
			expect(json.status).toBe('completed');
			expect(json.videoUrl).toMatch(/\.mp4$/);
			expect(json.costUsd).toBeGreaterThan(0);
		}
		// The Kirin node added the trigger's secret to the callback URL by itself.
		const callbackUrl = new URL(
			(fake.ledger.creates()[0].body as { callback_url: string }).callback_url,
		);
		expect(callbackUrl.searchParams.get('secret')).toMatch(/^[\w-]{32}$/);
	});

	test('the same task and status delivered twice starts one execution, not two', async () => {
		fake.setCallbackOptions({ duplicateCallbacks: true });
		const trigger = await activateTrigger();
		await generateInto(trigger, ['a fox', 'an owl']);
		await trigger.waitForExecutions(2);
		await settle(600);
		const completedDeliveries = fake.ledger
			.callbacks()
			.filter((attempt) => attempt.taskStatus === 'completed' && attempt.httpStatus === 200);
		expect(completedDeliveries.length).toBe(4);
		expect(trigger.executions).toHaveLength(2);
	});

	test('events: failed tasks only, with the code and its meaning', async () => {
		const trigger = await activateTrigger({ events: ['failed'] });
		await generateInto(trigger, ['fine', 'broken [fail:099]']);
		const [run] = await trigger.waitForExecutions(1);
		await settle();
		expect(trigger.executions).toHaveLength(1);
		const json = outputOf(run, 'Kirin Trigger')[0].json;
		expect(json.status).toBe('failed');
		expect(json.error).toEqual({
			code: '002014099',
			message: expect.any(String),
			meaning: 'Kirin V2.6 - Text to Video: task creation error',
		});
	});

	test('events: every status change starts an execution per status', async () => {
		const trigger = await activateTrigger({ events: ['statusChange'] });
		await generateInto(trigger, ['a fox']);
		await trigger.waitForExecutions(3);
		await settle();
		const statuses = trigger.executions.map((run) => outputOf(run, 'Kirin Trigger')[0].json.status);
		expect(statuses.sort()).toEqual(['completed', 'pending', 'processing']);
	});

	test('no secret, no execution: missing or wrong secret gets 401', async () => {
		const trigger = await activateTrigger();
		const task = {
			task_id: 'tsk_forged',
			status: 'completed',
			output: [{ content: [{ type: 'video', url: 'https://evil.example/x.mp4' }] }],
		};
		expect((await post(n8n.triggerUrl(trigger), task)).status).toBe(401);
		expect((await post(`${n8n.triggerUrl(trigger)}?secret=${'a'.repeat(32)}`, task)).status).toBe(
			401,
		);
		await settle(100);
		expect(trigger.executions).toHaveLength(0);
	});

	test('a secret set on the trigger is the one it checks', async () => {
		const trigger = await activateTrigger({ secret: 'my-own-secret-123' });
		const task = {
			task_id: 'tsk_manual',
			status: 'completed',
			output: [{ content: [{ type: 'video', url: `${fake.url}/files/x.mp4` }] }],
		};
		expect((await post(`${n8n.triggerUrl(trigger)}?secret=wrong`, task)).status).toBe(401);
		expect((await post(`${n8n.triggerUrl(trigger)}?secret=my-own-secret-123`, task)).status).toBe(
			200,
		);
		const [run] = await trigger.waitForExecutions(1);
		expect(outputOf(run, 'Kirin Trigger')[0].json.taskId).toBe('tsk_manual');
	});

	test('Download Video puts the finished video on the emitted item as binary data', async () => {
		const trigger = await activateTrigger({ downloadVideo: true, binaryPropertyOutput: 'video' });
		await generateInto(trigger, ['a fox [size:123456]']);
		const [run] = await trigger.waitForExecutions(1);
		const [item] = outputOf(run, 'Kirin Trigger');
		const taskId = String(item.json.taskId);
		expect(item.binary!.video.fileName).toBe(`${taskId}.mp4`);
		const bytes = await binaryBytes(item.binary!.video);
		expect(createHash('sha256').update(bytes).digest('hex')).toBe(
			expectedVideoSha256(taskId, 0, 123456),
		);
	});
});
