import type { INode } from 'n8n-workflow';

import { expectedVideoSha256, startFakeKirin, type FakeKirin } from './fake-kirin/server';
import { binaryBytes, sha256Hex } from './harness/binary';
import { postJson as post, resetCallbackOptions, waitForFinalCallbacks } from './harness/fake-api';
import { outputOf, runWorkflow } from './harness/harness';
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
async function generateInto(trigger: ActiveTrigger, prompts: string[]) {
	const run = await runWorkflow(
		kirinWorkflow(
			generateFromPrompts({
				completion: 'none',
				options: { callbackUrl: n8n.triggerUrl(trigger) },
			}),
			promptItems(...prompts),
		),
		credentials,
	);
	return outputOf(run, 'Kirin');
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
		expect(sha256Hex(bytes)).toBe(expectedVideoSha256(taskId, 0, 123456));
	});
});
