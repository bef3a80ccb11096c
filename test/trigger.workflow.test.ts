import type { INode } from 'n8n-workflow';

import { expectedVideoSha256, startFakeKirin, type FakeKirin } from './fake-kirin/server';
import { binaryBytes, sha256Hex } from './harness/binary';
import { postJson as post, resetCallbackOptions, waitForFinalCallbacks } from './harness/fake-api';
import { outputOf, runWorkflow, startWorkflow } from './harness/harness';
import { waitFor } from './harness/wait';
import { N8nWebhookServer, type ActiveTrigger } from './harness/webhooks';
import {
	generateFromPrompts,
	kirinCredentials,
	kirinWorkflow,
	promptItems,
} from './harness/workflows';

let fake: FakeKirin;
let n8n: N8nWebhookServer;
let credentials: ReturnType<typeof kirinCredentials>;
let counter = 0;

beforeAll(async () => {
	fake = await startFakeKirin({ generationMs: 150 });
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
/**
 * Runs Generate Video with "Don't Wait" and a Callback URL (the trigger's production URL by
 * default) on the same n8n instance as the trigger, so the node adds the trigger's secret.
 */
async function generateInto(trigger: ActiveTrigger, prompts: string[], callbackUrl?: string) {
	const started = await startWorkflow(
		kirinWorkflow(
			generateFromPrompts({
				completion: 'none',
				options: { callbackUrl: callbackUrl ?? n8n.triggerUrl(trigger) },
			}),
			promptItems(...prompts),
		),
		credentials,
		undefined,
		n8n.url,
	);
	return outputOf(await started.done, 'Kirin');
}

/** A task that exists at the fake and has completed (made without any callback). */
async function completedTask(): Promise<string> {
	const run = await runWorkflow(
		kirinWorkflow(generateFromPrompts({ options: { pollInterval: 0.02 } }), promptItems('quick')),
		credentials,
	);
	return String(outputOf(run, 'Kirin')[0].json.taskId);
}

/**
 * Waits until every task created in this test has had its final status delivered to the trigger
 * and the trigger has handled every call it received (so no execution is still to come).
 */
async function settle(trigger: ActiveTrigger) {
	await waitForFinalCallbacks(fake);
	await trigger.idle();
}

describe('Kirin Trigger', () => {
	test("Don't Wait returns each created task at once, and the trigger starts one execution per completed task", async () => {
		const trigger = await activateTrigger();
		const created = await generateInto(trigger, ['a fox', 'an owl', 'a whale']);
		expect(created.map((item) => item.json.status)).toEqual(['pending', 'pending', 'pending']);
		expect(created.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);

		const executions = await trigger.waitForExecutions(3);
		await settle(trigger);
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
		const completedDeliveries = () =>
			fake.ledger
				.callbacks()
				.filter((attempt) => attempt.taskStatus === 'completed' && attempt.httpStatus === 200);
		// Both copies of both tasks' final status, then every call handled.
		await waitFor(() => completedDeliveries().length >= 4, { timeoutMs: 5000 });
		await trigger.idle();
		expect(completedDeliveries().length).toBe(4);
		expect(trigger.executions).toHaveLength(2);
	});

	test('events: failed tasks only, with the code and its meaning', async () => {
		const trigger = await activateTrigger({ events: ['failed'] });
		await generateInto(trigger, ['fine', 'broken [fail:099]']);
		const [run] = await trigger.waitForExecutions(1);
		await settle(trigger);
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
		await settle(trigger);
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
		await trigger.idle();
		expect(trigger.executions).toHaveLength(0);
	});

	test('a secret set on the trigger is the one it checks', async () => {
		const taskId = await completedTask();
		const trigger = await activateTrigger({ secret: 'my-own-secret-123' });
		const task = { task_id: taskId, status: 'completed' };
		expect((await post(`${n8n.triggerUrl(trigger)}?secret=wrong`, task)).status).toBe(401);
		expect((await post(`${n8n.triggerUrl(trigger)}?secret=my-own-secret-123`, task)).status).toBe(
			200,
		);
		const [run] = await trigger.waitForExecutions(1);
		expect(outputOf(run, 'Kirin Trigger')[0].json.taskId).toBe(taskId);
	});

	test('a callback body is a hint: the item is what the API says, not what the body says', async () => {
		const taskId = await completedTask();
		const trigger = await activateTrigger({ secret: 'my-own-secret-123' });
		const forged = {
			task_id: taskId,
			status: 'completed',
			output: [{ content: [{ type: 'video', url: 'https://evil.example/x.mp4' }] }],
			usage: { cost: '0.01' },
		};
		expect((await post(`${n8n.triggerUrl(trigger)}?secret=my-own-secret-123`, forged)).status).toBe(
			200,
		);
		const [run] = await trigger.waitForExecutions(1);
		const json = outputOf(run, 'Kirin Trigger')[0].json;
		expect(json.videoUrl).toMatch(new RegExp(`^${fake.url}/files/`));
		expect(json.costUsd).not.toBe(0.01);
	});

	test('an end the API does not confirm is refused (409) and starts nothing', async () => {
		const trigger = await activateTrigger({ secret: 'my-own-secret-123' });
		const [created] = await generateInto(trigger, ['slow [ms:3000]'], 'http://127.0.0.1:9/none');
		const forged = { task_id: created.json.taskId, status: 'completed' };
		const unknown = { task_id: 'tsk_does_not_exist', status: 'completed' };
		const url = `${n8n.triggerUrl(trigger)}?secret=my-own-secret-123`;
		expect((await post(url, forged)).status).toBe(409);
		expect((await post(url, unknown)).status).toBe(404);
		await trigger.idle();
		expect(trigger.executions).toHaveLength(0);
	});

	test('two deliveries of the same callback racing start one execution', async () => {
		const taskId = await completedTask();
		const trigger = await activateTrigger({ secret: 'my-own-secret-123' });
		const url = `${n8n.triggerUrl(trigger)}?secret=my-own-secret-123`;
		const task = { task_id: taskId, status: 'completed' };
		const answers = await Promise.all([post(url, task), post(url, task), post(url, task)]);
		expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200]);
		await trigger.waitForExecutions(1);
		await trigger.idle();
		expect(trigger.executions).toHaveLength(1);
	});

	test('a non-ASCII secret is refused with 401, not a server error', async () => {
		const trigger = await activateTrigger();
		const answer = await post(
			`${n8n.triggerUrl(trigger)}?secret=${encodeURIComponent('é'.repeat(32))}`,
			{
				task_id: 'tsk_x',
				status: 'completed',
			},
		);
		expect(answer.status).toBe(401);
	});

	test("the Kirin node never hands the trigger's secret to another host", async () => {
		const trigger = await activateTrigger();
		const otherHost = `http://127.0.0.2:9/webhook/${trigger.node.webhookId}/callback`;
		await generateInto(trigger, ['a fox'], otherHost);
		const sent = new URL((fake.ledger.creates()[0].body as { callback_url: string }).callback_url);
		expect(sent.searchParams.has('secret')).toBe(false);
	});

	test('Download Video puts the finished video on the emitted item as binary data', async () => {
		const trigger = await activateTrigger({
			downloadVideo: true,
			binaryPropertyOutput: 'video',
			allowPrivateDownloads: true,
		});
		await generateInto(trigger, ['a fox [size:123456]']);
		const [run] = await trigger.waitForExecutions(1);
		const [item] = outputOf(run, 'Kirin Trigger');
		const taskId = String(item.json.taskId);
		expect(item.binary!.video.fileName).toBe(`${taskId}.mp4`);
		const bytes = await binaryBytes(item.binary!.video);
		expect(sha256Hex(bytes)).toBe(expectedVideoSha256(taskId, 0, 123456));
	});
});
