import { randomUUID } from 'crypto';

import { Workflow, type IDataObject } from 'n8n-workflow';

import { startFakeKirin, type FakeKirin } from './fake-kirin/server';
import { postJson, resetCallbackOptions } from './harness/fake-api';
import { loadPackage, outputOf, type WorkflowJson } from './harness/harness';
import { sleep, waitFor } from './harness/wait';
import { N8nWebhookServer } from './harness/webhooks';
import { signedWake } from '../nodes/Kirin/completion/callback/wake';
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

/** Items -> Kirin -> Kirin 2, both waiting for callbacks: one execution that waits twice in turn. */
function twoWaitsWorkflow(items: string[], secondPrompt: string): WorkflowJson {
	const json = callbackWorkflow(items);
	const first = json.nodes.find((node) => node.name === 'Kirin')!;
	json.nodes.push({
		...first,
		id: 'kirin-node-2',
		name: 'Kirin 2',
		position: [600, 0],
		parameters: { ...first.parameters, prompt: secondPrompt },
	});
	json.connections.Kirin = { main: [[{ node: 'Kirin 2', type: 'main', index: 0 }]] };
	return json;
}

/** The `kirinBatch` of the first task created with a callback URL. */
function firstBatchKey(): string {
	return callbackUrls()[0].searchParams.get('kirinBatch')!;
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
		// One status request per task: each reported end is confirmed with the API, nothing more.
		for (const item of items) expect(fake.ledger.statusPolls(String(item.json.taskId))).toBe(1);
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

	test('at the deadline the batch resumes by itself: ended tasks are reported as such, the rest as timed out', async () => {
		const waiting = await n8n.runUntilWaiting(
			callbackWorkflow(['quick [ms:50]', 'stuck [never]'], { timeout: 0.01, pollInterval: 0.1 }),
			credentials,
		);
		// n8n's own wait limit comes three minutes after the node's timeout: time for the resume at the
		// deadline (look-ups, downloads) to end before n8n outputs the stored TIMEOUT items.
		expect(waiting.firstRun!.waitTill!.getTime()).toBeGreaterThan(
			Date.now() + 0.01 * 60_000 + 3 * 60_000 - 5000,
		);
		const run = await waiting.finished();
		expect(waiting.resumes).toBe(1);
		const items = outputOf(run, 'Kirin');
		expect(items).toHaveLength(2);
		expect(items[0].json.status).toBe('completed');
		expect(items[0].json.videoUrl).toMatch(new RegExp(`^${fake.url}/files/`));
		const stuckTask = fake.ledger.creates()[1].createdTaskId!;
		const error = items[1].json.error as Record<string, string>;
		expect(error.code).toBe('TIMEOUT');
		expect(error.taskId).toBe(stuckTask);
		expect(error.message).toContain(stuckTask);
		expect(error.description).toContain('Get Task');
		expect(items.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
	});

	test("n8n's own wait limit, when nothing resumed the batch, outputs each task as timed out by task id", async () => {
		fake.setCallbackOptions({ loseFinalCallbacks: 1 });
		const waiting = await n8n.runUntilWaiting(
			callbackWorkflow(['stuck [never]', 'also stuck [never]'], { timeout: 0.01 }),
			credentials,
		);
		const run = await waiting.expire();
		const items = outputOf(run, 'Kirin');
		expect(items.map((item) => (item.json.error as Record<string, string>).code)).toEqual([
			'TIMEOUT',
			'TIMEOUT',
		]);
		expect(items[1].json.taskId).toBe(fake.ledger.creates()[1].createdTaskId);
	});

	test('an end reported by a callback but not confirmed by the API is refused (409) and changes nothing', async () => {
		const waiting = await n8n.runUntilWaiting(
			callbackWorkflow(['slow one [ms:1500]']),
			credentials,
		);
		const realUrl = (fake.ledger.creates()[0].body as { callback_url: string }).callback_url;
		const taskId = fake.ledger.creates()[0].createdTaskId!;
		const forged = {
			task_id: taskId,
			status: 'completed',
			output: [{ content: [{ type: 'video', url: 'https://evil.example/x.mp4' }] }],
		};
		expect((await postJson(realUrl, forged)).status).toBe(409);
		expect(waiting.resumes).toBe(0);
		const run = await waiting.finished();
		expect(outputOf(run, 'Kirin')[0].json.videoUrl).toMatch(new RegExp(`^${fake.url}/files/`));
	});

	test("a callback carrying another execution's batch is refused (403) and resumes neither", async () => {
		const first = await n8n.runUntilWaiting(callbackWorkflow(['first [ms:1500]']), credentials);
		const firstUrl = new URL(
			(fake.ledger.creates()[0].body as { callback_url: string }).callback_url,
		);
		const second = await n8n.runUntilWaiting(callbackWorkflow(['second [ms:1500]']), credentials);
		const secondUrl = new URL(
			(fake.ledger.creates()[1].body as { callback_url: string }).callback_url,
		);
		// The second execution's resume URL (its own signature) with the first one's batch and secret.
		const crossed = new URL(secondUrl);
		for (const [name, value] of firstUrl.searchParams) {
			if (name.startsWith('kirin')) crossed.searchParams.set(name, value);
		}
		const body = { task_id: fake.ledger.creates()[0].createdTaskId, status: 'completed' };
		expect((await postJson(crossed.toString(), body)).status).toBe(403);
		expect(first.resumes + second.resumes).toBe(0);
		const [firstRun, secondRun] = await Promise.all([first.finished(), second.finished()]);
		expect(outputOf(firstRun, 'Kirin')[0].json.taskId).toBe(fake.ledger.creates()[0].createdTaskId);
		expect(outputOf(secondRun, 'Kirin')[0].json.taskId).toBe(
			fake.ledger.creates()[1].createdTaskId,
		);
	});

	test('an execution that waits twice (two Kirin nodes, or a loop) resumes each batch once, with its results', async () => {
		const waiting = await n8n.runUntilWaiting(
			twoWaitsWorkflow(['one [ms:100]', 'two [ms:150]'], 'a second video [ms:100]'),
			credentials,
		);
		const run = await Promise.race([
			waiting.finished(),
			sleep(8000).then(() => {
				throw new Error(
					`the execution is still ${waiting.status} after ${waiting.resumes} resumes`,
				);
			}),
		]);
		expect(waiting.resumes).toBe(2);
		expect(outputOf(run, 'Kirin').map((item) => item.json.status)).toEqual([
			'completed',
			'completed',
		]);
		expect(outputOf(run, 'Kirin 2').map((item) => item.json.status)).toEqual([
			'completed',
			'completed',
		]);
	});

	test('with Download Video on, the batch resumes with each video as binary data, in input order', async () => {
		const json = kirinWorkflow(
			generateFromPrompts({
				model: 'kirin_v2_5_turbo_t2v',
				completion: 'callback',
				downloadVideo: true,
			}),
			promptItems('a fox [ms:150] [size:3000]', 'an owl [ms:50] [size:2000]', 'a cat [ms:100]'),
		);
		const waiting = await n8n.runUntilWaiting(json, credentials);
		const run = await waiting.finished();
		const items = outputOf(run, 'Kirin');
		expect(items.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		for (const item of items) {
			expect(item.json.status).toBe('completed');
			expect(item.binary!.data.fileName).toBe(`${String(item.json.taskId)}.mp4`);
			expect(item.binary!.data.mimeType).toBe('video/mp4');
		}
	});

	test("wakes of an execution's earlier batch change nothing while it waits for a later one", async () => {
		const waiting = await n8n.runUntilWaiting(
			twoWaitsWorkflow(['one [ms:100]'], 'a later video [ms:2500]'),
			credentials,
		);
		const batch = firstBatchKey();
		await waitFor(() => waiting.resumes === 1 && waiting.status === 'waiting', {
			what: 'the second wait',
		});
		const later = fake.ledger.creates()[1];
		const resumeUrl = new URL(callbackUrls()[1].toString());
		for (const name of [...resumeUrl.searchParams.keys()])
			if (name.startsWith('kirin')) resumeUrl.searchParams.delete(name);
		// What a process that saw part of the first batch sends at that batch's deadline: to this
		// process, which resumed that batch, and to one that did not (a batch of the execution that
		// resumed elsewhere), whose answer 409 ends the sender's sweeps.
		const staleSweep = (batchKey: string) =>
			signedWake(
				{
					batch: batchKey,
					reason: 'sweep',
					deadline: Date.now() - 1,
					results: [],
					anchors: [
						{
							itemIndex: 0,
							externalTaskId: String(
								(fake.ledger.creates()[0].body as { external_task_id: string }).external_task_id,
							),
						},
					],
				},
				fake.apiKey,
				waiting.executionId,
			);
		const resumedHere = await postJson(resumeUrl.toString(), staleSweep(batch));
		expect(resumedHere.status).toBe(200);
		expect(JSON.parse(resumedHere.body)).toEqual({ received: true, resumed: true });
		const resumedElsewhere = await postJson(resumeUrl.toString(), staleSweep(`${batch}-elsewhere`));
		expect(resumedElsewhere.status).toBe(409);

		expect(waiting.status).toBe('waiting');
		expect(waiting.resumes).toBe(1);
		expect(fake.ledger.statusPolls(later.createdTaskId!)).toBe(0);
		const run = await waiting.finished();
		expect(waiting.resumes).toBe(2);
		expect(outputOf(run, 'Kirin 2')[0].json.status).toBe('completed');
	});

	test('a wake that is not signed with the API key is refused (403)', async () => {
		const waiting = await n8n.runUntilWaiting(callbackWorkflow(['slow [ms:1500]']), credentials);
		const url = new URL((fake.ledger.creates()[0].body as { callback_url: string }).callback_url);
		for (const name of [...url.searchParams.keys()])
			if (name.startsWith('kirin')) url.searchParams.delete(name);
		const wake = {
			kirinWake: { batch: 'x', reason: 'complete', deadline: 0, results: [] },
			kirinSignature: 'x'.repeat(32),
		};
		expect((await postJson(url.toString(), wake)).status).toBe(403);
		expect(waiting.resumes).toBe(0);
		await waiting.finished();
	});
});

/**
 * Wait for Callback in a published workflow: the tasks call back to the Kirin node's live callback
 * webhook, which n8n serves without loading the waiting execution, and the batch's one resume is a
 * signed wake to the resume URL.
 */
const WEBHOOK_ID = '3f1d7c2e-5b8a-4e0f-9c61-2a7d4b9e8f10';

/** The callback workflow, its Kirin node with a webhook id as the editor gives every node that has webhooks. */
function publishedWorkflow(
	items: string[],
	options: Record<string, unknown> = {},
	webhookId = WEBHOOK_ID,
) {
	const json = callbackWorkflow(items, options);
	const kirin = json.nodes.find((node) => node.name === 'Kirin')!;
	if (webhookId) kirin.webhookId = webhookId;
	return json;
}

function callbackUrls(): URL[] {
	return fake.ledger
		.creates()
		.map((entry) => new URL((entry.body as { callback_url: string }).callback_url));
}

/** The node webhooks n8n registers for `json`'s Kirin node, read as n8n's WebhookService reads them. */
async function registeredMethods(json: WorkflowJson, active: boolean): Promise<string[]> {
	const { nodeTypes } = await loadPackage();
	const workflow = new Workflow({
		id: 'wf-registration',
		nodes: json.nodes,
		connections: json.connections,
		active,
		nodeTypes,
		staticData: {},
	});
	const node = workflow.getNode('Kirin')!;
	const live = nodeTypes
		.getByNameAndVersion(node.type, node.typeVersion)
		.description.webhooks!.find((webhook) => webhook.restartWebhook !== true)!;
	const methods = workflow.expression.getSimpleParameterValue(
		node,
		live.httpMethod,
		'internal',
		{},
		undefined,
		'GET',
	);
	// n8n splits the value on commas and skips empty entries.
	return String(methods)
		.split(',')
		.map((method) => method.trim())
		.filter(Boolean);
}

describe('Wait for Callback in a published workflow', () => {
	test("callbacks go to the node's live webhook: the waiting execution is loaded once, to resume, and each task is looked up once", async () => {
		fake.setCallbackOptions({ duplicateCallbacks: true, shuffleCallbacks: 150 });
		const prompts = ['a fox [ms:200]', 'a whale [ms:500]', 'an owl [ms:50]', 'a cat [ms:350]'];
		const waiting = await n8n.runUntilWaiting(publishedWorkflow(prompts), credentials, {
			published: true,
		});
		const run = await waiting.finished();

		for (const url of callbackUrls()) {
			expect(`${url.origin}${url.pathname}`).toBe(`${n8n.url}/webhook/${WEBHOOK_ID}/callback`);
		}
		expect(waiting.liveCalls).toBeGreaterThan(prompts.length * 2);
		expect(waiting.webhookCalls).toBe(1);
		expect(waiting.resumes).toBe(1);
		const items = outputOf(run, 'Kirin');
		expect(items.map((item) => item.json.status)).toEqual(Array(prompts.length).fill('completed'));
		items.forEach((item, index) => {
			expect(item.pairedItem).toEqual({ item: index });
			const create = fake.ledger
				.creates()
				.find((entry) => entry.createdTaskId === item.json.taskId)!;
			expect((create.body as { prompt: string }).prompt).toBe(prompts[index]);
			expect(fake.ledger.statusPolls(String(item.json.taskId))).toBe(1);
		});
		expect(fake.ledger.callbacks().every((attempt) => attempt.httpStatus === 200)).toBe(true);
	});

	test("callbacks leave the workflow's static data alone, so n8n saves nothing over a polling trigger's state", async () => {
		// n8n saves a workflow's whole static data after a live webhook call that changed it; a save
		// from a callback that loaded it before a Google Sheets Trigger saved its last row would put
		// that row back, and the trigger would start the rows again (new, paid tasks).
		const waiting = await n8n.runUntilWaiting(
			publishedWorkflow(['one [ms:100]', 'two [ms:200]', 'three [ms:50]']),
			credentials,
			{ published: true },
		);
		const staticData = waiting.workflow.staticData as IDataObject & { __dataChanged: boolean };
		staticData['node:Google Sheets Trigger'] = { lastIndexChecked: 5 };
		staticData.__dataChanged = false;
		const run = await waiting.finished();
		expect(waiting.liveCalls).toBeGreaterThan(6);
		expect(outputOf(run, 'Kirin').map((item) => item.json.status)).toEqual([
			'completed',
			'completed',
			'completed',
		]);
		expect(staticData.__dataChanged).toBe(false);
		expect(Object.keys(staticData)).toEqual(['node:Google Sheets Trigger']);
	});

	test('n8n registers the live callback webhook only for an active workflow, so an Execute step in the editor waits for no webhook call', async () => {
		const json = publishedWorkflow(['x']);
		expect(await registeredMethods(json, true)).toEqual(['POST']);
		expect(await registeredMethods(json, false)).toEqual([]);
	});

	test('a manual execution, a node without a webhook id and a live webhook n8n does not serve: callbacks go to the resume URL', async () => {
		const manual = await n8n.runUntilWaiting(publishedWorkflow(['one [ms:100]']), credentials);
		await manual.finished();
		const noId = await n8n.runUntilWaiting(
			publishedWorkflow(['two [ms:100]'], {}, ''),
			credentials,
			{
				published: true,
			},
		);
		await noId.finished();
		// A production execution whose live webhook n8n does not serve (404 to the node's probe).
		const unserved = await n8n.runUntilWaiting(
			publishedWorkflow(['three [ms:100]'], {}, randomUUID()),
			credentials,
			{
				published: true,
				liveWebhooks: false,
			},
		);
		const run = await unserved.finished();
		expect(outputOf(run, 'Kirin')[0].json.status).toBe('completed');
		const urls = callbackUrls();
		[manual, noId, unserved].forEach((waiting, index) => {
			expect(`${urls[index].origin}${urls[index].pathname}`).toBe(
				`${n8n.url}/webhook-waiting/${waiting.executionId}`,
			);
			expect(waiting.liveCalls).toBe(0);
		});
	});

	test('forged calls to the live webhook are refused and change nothing', async () => {
		const waiting = await n8n.runUntilWaiting(
			publishedWorkflow(['slow one [ms:1500]', 'quick one [ms:50]']),
			credentials,
			{ published: true },
		);
		const [slowUrl, quickUrl] = callbackUrls();
		const [slow, quick] = fake.ledger.creates().map((entry) => entry.createdTaskId!);
		const completed = (taskId: string) => ({
			task_id: taskId,
			status: 'completed',
			output: [{ content: [{ type: 'video', url: 'https://evil.example/x.mp4' }] }],
		});

		const wrongSecret = new URL(slowUrl);
		wrongSecret.searchParams.set('kirinSecret', 'x'.repeat(32));
		const otherItem = new URL(slowUrl);
		otherItem.searchParams.set('kirinItem', '1');
		const nonAscii = new URL(slowUrl);
		nonAscii.searchParams.set('kirinSecret', 'é'.repeat(32));
		for (const url of [wrongSecret, otherItem, nonAscii]) {
			expect((await postJson(url.toString(), completed(slow))).status).toBe(403);
		}
		// Signed right, but the API says the task is still rendering, or it is another item's task.
		expect((await postJson(slowUrl.toString(), completed(slow))).status).toBe(409);
		expect((await postJson(quickUrl.toString(), completed(slow))).status).toBe(403);
		expect((await postJson(slowUrl.toString(), { hello: 'world' })).status).toBe(400);
		expect(waiting.resumes).toBe(0);

		const run = await waiting.finished();
		const items = outputOf(run, 'Kirin');
		expect(items.map((item) => item.json.taskId)).toEqual([slow, quick]);
		for (const item of items) expect(item.json.videoUrl).toMatch(new RegExp(`^${fake.url}/files/`));
	});

	test.each([
		['the resume URL', false],
		['the live webhook of a published workflow', true],
	])(
		'lost final callbacks on %s do not stall the batch: the quiet batch is swept and resumes once with every result',
		async (_where, published) => {
			fake.setCallbackOptions({ loseFinalCallbacks: 0.5 });
			const waiting = await n8n.runUntilWaiting(
				publishedWorkflow(
					['a [ms:100]', 'b [ms:150]', 'c [ms:200]', 'd [ms:250]', 'e [ms:300]', 'f [ms:350]'],
					{ pollInterval: 0.2, timeout: 2 },
				),
				credentials,
				{ published },
			);
			const run = await waiting.finished();
			expect(fake.lostFinalCallbacks().length).toBeGreaterThan(0);
			expect(waiting.resumes).toBe(1);
			expect(waiting.liveCalls > 0).toBe(published);
			expect(outputOf(run, 'Kirin').map((item) => item.json.status)).toEqual(
				Array(6).fill('completed'),
			);
		},
	);
});
