/**
 * End to end in a real n8n: installs the n8n release asked for (once, into a cache folder of its
 * own), links the built package into a fresh n8n user folder, starts the fake Kirin server, and runs
 * the scenarios listed in SCENARIOS through n8n's CLI and HTTP endpoints: Wait and Poll (two
 * examples and a binary image), Wait for Callback through n8n's real resume URL, the Kirin Trigger
 * example, and the credential test.
 * Every process it starts is stopped by its pid. Prints "e2e: n8n <version> on Node <version>:
 * N passed, N failed (S s)" and exits non-zero when a scenario failed.
 *
 *   npm run test:e2e                            n8n 2.41.1 (N8N_VERSION overrides it)
 *   npm run test:e2e -- --n8n 1.123.x           the newest 1.123 release
 *   npm run test:e2e -- --n8n latest --node 24  Node.js 24 from the npm package `node@24`
 *   npm run test:e2e -- --n8n 1.123.x --node system   the node on PATH (KIRIN_E2E_NODE=system)
 *   npm run test:e2e -- --only credential       only the scenarios whose name contains "credential"
 */
import '../../test/harness/setup';

import { spawnSync } from 'child_process';
import { createServer, type Server } from 'http';
import { readFileSync } from 'fs';
import type { AddressInfo } from 'net';
import { join } from 'path';

import { startFakeKirin, type FakeKirin } from '../../test/fake-kirin/server';
import { makePng } from '../../test/fixtures/images';
import { compareVersions, installN8n, N8nInstance, PACKAGE_ROOT, type N8nChoice } from './n8n';
import { check, expect, results, waitFor, waitForPostWebhook } from './checks';

type Json = Record<string, unknown>;
type WorkflowJson = {
	id: string;
	name: string;
	nodes: Json[];
	connections: Json;
	settings?: Json;
	active?: boolean;
};

/** An HTTP receiver for the results workflows send with an HTTP Request node. */
class Receiver {
	readonly received = new Map<string, Json[]>();
	private server: Server | undefined;
	url = '';

	async start(): Promise<this> {
		this.server = createServer((req, res) => {
			const chunks: Buffer[] = [];
			req.on('data', (chunk: Buffer) => chunks.push(chunk));
			req.on('end', () => {
				const path = new URL(req.url ?? '/', 'http://x').pathname;
				const list = this.received.get(path) ?? [];
				try {
					list.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Json);
				} catch {
					list.push({ raw: Buffer.concat(chunks).toString('utf8') });
				}
				this.received.set(path, list);
				res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
			});
		});
		await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
		this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
		return this;
	}

	async close(): Promise<void> {
		this.server?.closeAllConnections();
		await new Promise<void>((resolve) =>
			this.server ? this.server.close(() => resolve()) : resolve(),
		);
	}
}

function loadExample(file: string): WorkflowJson | WorkflowJson[] {
	return JSON.parse(readFileSync(join(PACKAGE_ROOT, 'examples', file), 'utf8')) as
		WorkflowJson | WorkflowJson[];
}

/** Shortens the Kirin nodes' poll interval so the run takes seconds, not the default 10 s per poll. */
function fastPolling(workflow: WorkflowJson): WorkflowJson {
	for (const node of workflow.nodes) {
		if (node.type !== 'n8n-nodes-kirin.kirin') continue;
		const parameters = node.parameters as Json;
		parameters.options = { ...(parameters.options as Json), pollInterval: 0.5 };
	}
	return workflow;
}

function kirinNode(name: string, parameters: Json, position: [number, number]): Json {
	return {
		id: `e2e-${name.replace(/\W+/g, '-').toLowerCase()}`,
		name,
		type: 'n8n-nodes-kirin.kirin',
		typeVersion: 1,
		position,
		parameters,
		credentials: { kirinApi: { id: 'kirinCredential', name: 'Kirin account' } },
	};
}

function sendResultNode(name: string, url: string, position: [number, number]): Json {
	return {
		id: `e2e-${name.replace(/\W+/g, '-').toLowerCase()}`,
		name,
		type: 'n8n-nodes-base.httpRequest',
		typeVersion: 4.2,
		position,
		parameters: {
			method: 'POST',
			url,
			sendBody: true,
			specifyBody: 'json',
			jsonBody: '={{ JSON.stringify($json) }}',
			options: {},
		},
	};
}

/** Manual Trigger -> Set (Base64 text) -> Convert to File (binary `data`) -> Kirin image to video. */
function imageFromBinaryWorkflow(image: Buffer): WorkflowJson {
	return {
		id: 'e2eImageFromBinary',
		name: 'e2e: image to video from binary',
		nodes: [
			{
				id: 'e2e-manual',
				name: 'Start',
				type: 'n8n-nodes-base.manualTrigger',
				typeVersion: 1,
				position: [0, 0],
				parameters: {},
			},
			{
				id: 'e2e-set-image',
				name: 'Image as Base64',
				type: 'n8n-nodes-base.set',
				typeVersion: 3.4,
				position: [200, 0],
				parameters: {
					mode: 'raw',
					jsonOutput: JSON.stringify({ image: image.toString('base64') }),
					options: {},
				},
			},
			{
				id: 'e2e-convert',
				name: 'Convert to File',
				type: 'n8n-nodes-base.convertToFile',
				typeVersion: 1.1,
				position: [400, 0],
				parameters: {
					operation: 'toBinary',
					sourceProperty: 'image',
					binaryPropertyName: 'data',
					options: { fileName: 'product.png', mimeType: 'image/png' },
				},
			},
			kirinNode(
				'Animate',
				{
					operation: 'generate',
					model: 'kirin_v2_master_i2v',
					imageSource: 'binary',
					binaryPropertyName: 'data',
					prompt: 'The product slowly turns',
					options: { pollInterval: 0.5 },
				},
				[600, 0],
			),
		],
		connections: {
			Start: { main: [[{ node: 'Image as Base64', type: 'main', index: 0 }]] },
			'Image as Base64': { main: [[{ node: 'Convert to File', type: 'main', index: 0 }]] },
			'Convert to File': { main: [[{ node: 'Animate', type: 'main', index: 0 }]] },
		},
		settings: { executionOrder: 'v1' },
	};
}

/** Webhook -> Kirin (Wait for Callback) over three prompts -> HTTP Request to the receiver. */
function callbackWorkflow(receiverUrl: string): WorkflowJson {
	return {
		id: 'e2eCallbackMode',
		name: 'e2e: wait for callback',
		nodes: [
			{
				id: 'e2e-callback-webhook',
				name: 'Start Batch',
				type: 'n8n-nodes-base.webhook',
				typeVersion: 2.1,
				position: [0, 0],
				webhookId: '5b1e2c3d-4f5a-4b6c-8d7e-9f0a1b2c3d4e',
				parameters: {
					httpMethod: 'POST',
					path: 'kirin-callback-batch',
					responseMode: 'onReceived',
					options: {},
				},
			},
			{
				id: 'e2e-callback-split',
				name: 'One Item per Prompt',
				type: 'n8n-nodes-base.splitOut',
				typeVersion: 1,
				position: [200, 0],
				parameters: {
					fieldToSplitOut: 'body.prompts',
					options: { destinationFieldName: 'prompt' },
				},
			},
			{
				...kirinNode(
					'Generate and Wait',
					{
						operation: 'generate',
						model: 'kirin_v2_5_turbo_t2v',
						prompt: '={{ $json.prompt }}',
						completion: 'callback',
						options: {},
					},
					[400, 0],
				),
				// The editor gives every node with webhooks an id; n8n builds its webhook paths from it.
				webhookId: '0c4f6a2e-5b1d-4e8f-9a3c-7d2b1e0f4a6c',
			},
			sendResultNode('Send Result', `${receiverUrl}/callback-results`, [600, 0]),
		],
		connections: {
			'Start Batch': { main: [[{ node: 'One Item per Prompt', type: 'main', index: 0 }]] },
			'One Item per Prompt': { main: [[{ node: 'Generate and Wait', type: 'main', index: 0 }]] },
			'Generate and Wait': { main: [[{ node: 'Send Result', type: 'main', index: 0 }]] },
		},
		settings: { executionOrder: 'v1' },
	};
}

async function rest(
	n8n: N8nInstance,
	path: string,
	body: unknown,
	cookie?: string,
): Promise<{ status: number; json: Json; cookie?: string }> {
	const response = await fetch(`${n8n.url}${path}`, {
		method: 'POST',
		headers: {
			'content-type': 'application/json',
			'browser-id': 'kirin-e2e',
			...(cookie ? { cookie } : {}),
		},
		body: JSON.stringify(body),
	});
	const text = await response.text();
	let json: Json = {};
	try {
		json = JSON.parse(text) as Json;
	} catch {
		json = { raw: text };
	}
	const setCookie = response.headers.get('set-cookie') ?? undefined;
	return { status: response.status, json, cookie: setCookie?.split(';')[0] };
}

function itemsOf(run: Json, nodeName: string): Json[] {
	const resultData = (run.data as Json | undefined)?.resultData as Json | undefined;
	const runData = (resultData?.runData ?? {}) as Record<
		string,
		Array<{ data?: { main?: Array<Array<{ json: Json }>> } }>
	>;
	const runs = runData[nodeName];
	expect(
		runs?.length,
		`node "${nodeName}" did not run; error: ${JSON.stringify(resultData?.error ?? null).slice(0, 400)}`,
	);
	return (runs[runs.length - 1].data?.main?.[0] ?? []).map((item) => item.json);
}

/** What every scenario gets: the running n8n and the servers and workflows around it. */
interface E2e {
	n8n: N8nInstance;
	fake: FakeKirin;
	receiver: Receiver;
	/** The PNG the image scenarios send. */
	image: Buffer;
	sheetRows: WorkflowJson;
	/** The example's "Start Videos" workflow, whose tasks call the Kirin Trigger back. */
	startTasks: WorkflowJson;
	/** The Kirin Trigger's production webhook URL. */
	triggerUrl: string;
}

/** The scenarios, in the order they run; each is one check. */
const SCENARIOS: Array<[name: string, run: (e2e: E2e) => Promise<void>]> = [
	['poll mode: sheet rows example, model per row, through n8n execute', pollSheetRowsExample],
	['poll mode: image to video with the image as binary from Convert to File', pollImageFromBinary],
	['poll mode: image upload example through its production webhook', pollImageUploadWebhook],
	[
		'callback mode: the fake server calls n8n back and the waiting execution finishes once',
		callbackResume,
	],
	['Kirin Trigger example: callbacks start executions; a forged one is refused', triggerExample],
	['credential test through the REST endpoint: good key passes, bad key fails', credentialTest],
];

/**
 * What older n8n releases lack, by scenario: below `before`, that scenario is expected to fail for
 * `why`, with a message matching `symptom` (reported as KNOWN, not as a failure; any other failure
 * still fails). The README's Compatibility section has the details.
 */
const KNOWN_GAPS: Array<{ scenario: string; before: string; why: string; symptom: RegExp }> = [];

/** The known gap of a scenario on an n8n version, if any. */
function knownGap(scenario: string, version: string): (typeof KNOWN_GAPS)[number] | undefined {
	return KNOWN_GAPS.find(
		(gap) => scenario.includes(gap.scenario) && compareVersions(version, gap.before) < 0,
	);
}

/** A key the fake Kirin server answers with 403. */
const FORBIDDEN_KEY = 'forbidden-key';

/**
 * The sheet-rows example, one row per video and model per row (four rows, one per model of text or
 * image to video, every field mapped by expression), run with `n8n execute`: each row gets its own
 * model's body (the fake server rejects any parameter a page does not list) and a video, and the
 * mode of the row whose model has none is named in `fieldsNotSent`.
 */
async function pollSheetRowsExample({ n8n, fake, sheetRows }: E2e): Promise<void> {
	const before = fake.ledger.creates().length;
	const { data } = await n8n.execute(sheetRows.id);
	const items = itemsOf(data, 'Generate Product Videos');
	const models = [
		'kirin_v2_6_t2v',
		'kirin_v2_5_turbo_t2v',
		'kirin_v2_1_master_t2v',
		'kirin_v2_master_i2v',
	];
	expect(items.length === models.length, `expected ${models.length} items, got ${items.length}`);
	for (const [index, item] of items.entries()) {
		expect(item.status === 'completed', `status ${String(item.status)}`);
		expect(item.model === models[index], `row ${index}: model ${String(item.model)}`);
		expect(
			String(item.videoUrl).startsWith(`${fake.url}/files/`),
			`videoUrl ${String(item.videoUrl)}`,
		);
		expect(typeof item.costUsd === 'number', 'costUsd is a number');
		expect(
			String(item.externalTaskId).startsWith('sheet-'),
			`externalTaskId ${String(item.externalTaskId)}`,
		);
	}
	const notSent = items.map((item) => JSON.stringify(item.fieldsNotSent ?? null));
	expect(
		notSent.join() === 'null,null,["Mode"],null',
		`fieldsNotSent per row: ${notSent.join(' ')}`,
	);
	const bodies = fake.ledger
		.creates()
		.slice(before)
		.map((entry) => entry.body as Record<string, unknown>);
	const first = bodies.find((body) => body.model === 'kirin_v2_6_t2v');
	expect(
		first?.mode === 'pro' && first.sound === 'on' && first.duration === '10',
		`kirin_v2_6_t2v body ${JSON.stringify(first)}`,
	);
	const image = bodies.find((body) => body.model === 'kirin_v2_master_i2v');
	expect(
		image?.image === 'https://cdn.example.com/products/wb-400.png' && !('aspect_ratio' in image),
		`kirin_v2_master_i2v body ${JSON.stringify(image)}`,
	);
}

/** Image to video with the image as binary data from a Convert to File node, sent as bare Base64. */
async function pollImageFromBinary({ n8n, fake, image }: E2e): Promise<void> {
	const before = fake.ledger.creates().length;
	const { data } = await n8n.execute('e2eImageFromBinary');
	const [item] = itemsOf(data, 'Animate');
	expect(item?.status === 'completed', `status ${String(item?.status)}`);
	const body = fake.ledger.creates()[before].body as Json;
	expect(body.model === 'kirin_v2_master_i2v', `model ${String(body.model)}`);
	expect(
		body.image === image.toString('base64'),
		'the image reached the API as bare Base64 of the file',
	);
}

/** The image-upload example: a PNG posted to its production webhook comes back as a video. */
async function pollImageUploadWebhook({ n8n, image }: E2e): Promise<void> {
	const response = await fetch(`${n8n.url}/webhook/kirin-image-to-video`, {
		method: 'POST',
		headers: { 'content-type': 'image/png' },
		body: image,
	});
	const json = (await response.json()) as Json;
	expect(response.status === 200, `HTTP ${response.status}: ${JSON.stringify(json).slice(0, 300)}`);
	expect(
		json.status === 'completed' && String(json.videoUrl).endsWith('.mp4'),
		`answer ${JSON.stringify(json).slice(0, 300)}`,
	);
}

/**
 * Wait for Callback: the fake server's callbacks (duplicated and out of order) reach n8n, at the
 * execution's resume URL or the node's callback webhook, whichever the node put in the task; the
 * execution resumes once, with every item.
 */
async function callbackResume({ n8n, fake, receiver }: E2e): Promise<void> {
	const prompts = ['a red fox in snow', 'a blue whale breaching', 'a green owl at night'];
	fake.setCallbackOptions({ duplicateCallbacks: true, shuffleCallbacks: 300 });
	try {
		const response = await fetch(`${n8n.url}/webhook/kirin-callback-batch`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ prompts }),
		});
		expect(response.status === 200, `start webhook answered ${response.status}`);
		const received = await waitFor('3 callback results', () => {
			const list = receiver.received.get('/callback-results') ?? [];
			return list.length >= 3 ? list : undefined;
		}).catch((error: Error) => {
			const attempts = fake.ledger
				.callbacks()
				.map((attempt) => `${attempt.taskStatus}:${attempt.httpStatus ?? attempt.error}`);
			throw new Error(
				`${error.message}; creates ${fake.ledger.creates().length}; callback answers ${attempts.join(' ')}`,
			);
		});
		await new Promise((wake) => setTimeout(wake, 1500));
		expect(
			(receiver.received.get('/callback-results') ?? []).length === 3,
			'the execution resumed more than once',
		);
		for (const item of received) {
			expect(
				item.status === 'completed' && String(item.videoUrl).endsWith('.mp4'),
				`item ${JSON.stringify(item).slice(0, 200)}`,
			);
		}
		const delivered = fake.ledger
			.callbacks()
			.filter((attempt) => attempt.url.startsWith(`${n8n.url}/webhook`));
		expect(
			delivered.some((attempt) => attempt.httpStatus === 200),
			`no callback reached n8n: ${[...new Set(delivered.map((attempt) => `${attempt.url.replace(n8n.url, '')} ${attempt.httpStatus ?? attempt.error}`))].join(', ').slice(0, 300)}`,
		);
	} finally {
		fake.setCallbackOptions({ duplicateCallbacks: false, shuffleCallbacks: 0 });
	}
}

/** The Kirin Trigger example: each task's callback starts one execution; a forged one gets 401. */
async function triggerExample({ n8n, receiver, startTasks, triggerUrl }: E2e): Promise<void> {
	const forged = await fetch(triggerUrl, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify({
			task_id: 'tsk_forged',
			status: 'completed',
			output: [{ content: [{ type: 'video', url: 'https://evil.example/x.mp4' }] }],
		}),
	});
	expect(forged.status === 401, `forged callback answered ${forged.status}`);
	const { data } = await n8n.execute(startTasks.id);
	const created = itemsOf(data, 'Start Videos');
	expect(
		created.length === 2 && created.every((item) => item.status === 'pending'),
		`created ${JSON.stringify(created).slice(0, 300)}`,
	);
	const received = await waitFor('2 trigger results', () => {
		const list = receiver.received.get('/trigger-results') ?? [];
		return list.length >= 2 ? list : undefined;
	});
	await new Promise((wake) => setTimeout(wake, 1000));
	expect(
		(receiver.received.get('/trigger-results') ?? []).length === 2,
		'more executions than tasks',
	);
	const ids = received.map((item) => item.taskId).sort();
	expect(
		JSON.stringify(ids) === JSON.stringify(created.map((item) => item.taskId).sort()),
		`task ids ${JSON.stringify(ids)}`,
	);
	expect(
		!received.some((item) => item.taskId === 'tsk_forged'),
		'the forged task started an execution',
	);
}

/**
 * The credential test through n8n's REST endpoint: the right key passes; a wrong key (401) and a
 * forbidden one (403) fail with the credential's message for that status.
 */
async function credentialTest({ n8n, fake }: E2e): Promise<void> {
	const setup = await rest(n8n, '/rest/owner/setup', {
		email: 'owner@kirin.test',
		firstName: 'Kirin',
		lastName: 'Owner',
		password: 'Kirin-e2e-Passw0rd',
	});
	expect(
		setup.status === 200 && setup.cookie,
		`owner setup answered ${setup.status}: ${JSON.stringify(setup.json).slice(0, 300)}`,
	);
	const test = async (id: string, apiKey: string) => {
		const answer = await rest(
			n8n,
			'/rest/credentials/test',
			{ credentials: { id, name: id, type: 'kirinApi', data: { apiKey, baseUrl: fake.url } } },
			setup.cookie,
		);
		return { result: (answer.json.data ?? answer.json) as Json, raw: JSON.stringify(answer.json) };
	};
	const good = await test('kirinCredential', fake.apiKey);
	expect(good.result.status === 'OK', `good key: ${good.raw.slice(0, 300)}`);
	for (const [id, apiKey, status] of [
		['kirinBadKey', 'not-the-key', '(401)'],
		['kirinForbiddenKey', FORBIDDEN_KEY, '(403)'],
	]) {
		const refused = await test(id, apiKey);
		expect(
			refused.result.status === 'Error' &&
				String(refused.result.message).includes('API key') &&
				String(refused.result.message).includes(status),
			`${status === '(401)' ? 'bad' : 'forbidden'} key: ${refused.raw.slice(0, 300)}`,
		);
	}
}

/**
 * Imports the credentials and workflows into a new n8n user folder, activates the ones with
 * webhooks or triggers, and starts n8n.
 */
async function setUp(n8n: N8nInstance, fake: FakeKirin, receiver: Receiver): Promise<E2e> {
	await n8n.import('credentials', [
		{
			id: 'kirinCredential',
			name: 'Kirin account',
			type: 'kirinApi',
			data: { apiKey: fake.apiKey, baseUrl: `${fake.url}/` },
		},
		{
			id: 'kirinBadKey',
			name: 'Kirin wrong key',
			type: 'kirinApi',
			data: { apiKey: 'not-the-key', baseUrl: fake.url },
		},
		{
			id: 'kirinForbiddenKey',
			name: 'Kirin forbidden key',
			type: 'kirinApi',
			data: { apiKey: FORBIDDEN_KEY, baseUrl: fake.url },
		},
	]);
	const sheetRows = fastPolling(loadExample('sheet-rows-to-videos.json') as WorkflowJson);
	const upload = fastPolling(loadExample('image-to-video-from-file.json') as WorkflowJson);
	const [triggerWorkflow, startTasks] = loadExample(
		'callback-to-kirin-trigger.json',
	) as WorkflowJson[];
	for (const node of triggerWorkflow.nodes) {
		if (node.type === 'n8n-nodes-base.httpRequest')
			(node.parameters as Json).url = `${receiver.url}/trigger-results`;
	}
	const triggerNode = triggerWorkflow.nodes.find(
		(node) => node.type === 'n8n-nodes-kirin.kirinTrigger',
	)!;
	const triggerUrl = `${n8n.url}/webhook/${String(triggerNode.webhookId)}/callback`;
	for (const node of startTasks.nodes) {
		if (node.type === 'n8n-nodes-kirin.kirin')
			((node.parameters as Json).options as Json).callbackUrl = triggerUrl;
	}
	const image = makePng(640, 480);
	for (const workflow of [
		sheetRows,
		upload,
		triggerWorkflow,
		startTasks,
		imageFromBinaryWorkflow(image),
		callbackWorkflow(receiver.url),
	]) {
		await n8n.import('workflow', workflow);
	}
	for (const id of [upload.id, triggerWorkflow.id, 'e2eCallbackMode']) await n8n.publish(id);
	await n8n.start();
	// n8n answers its readiness check before its REST API and the active workflows' webhooks are
	// all there, especially on a busy machine: wait for them.
	await waitFor('the REST API', async () => {
		const response = await fetch(`${n8n.url}/rest/settings`).catch(() => undefined);
		return response?.ok ? true : undefined;
	});
	// A node that does not load (an n8n-workflow API missing in this n8n) shows up here, not later.
	const types = await fetch(`${n8n.url}/types/nodes.json`).catch(() => undefined);
	if (types?.ok && !(await types.text()).includes('"n8n-nodes-kirin.kirin"'))
		throw new Error(`n8n ${n8n.version ?? ''} did not load the Kirin node (see the server log)`);
	const webhookPaths = [
		'kirin-image-to-video',
		'kirin-callback-batch',
		triggerUrl.split('/webhook/')[1],
	];
	for (const path of webhookPaths) await waitForPostWebhook(n8n.url, path);
	return { n8n, fake, receiver, image, sheetRows, startTasks, triggerUrl };
}

/**
 * `--n8n <version or range>`, `--node <major or system>` and `--only <part of a scenario name>`
 * (each also as `--flag=value`).
 *
 * @throws Error on an unknown argument
 */
function parseArgs(argv: string[]): N8nChoice & { only?: string } {
	const choice: N8nChoice & { only?: string } = {};
	for (let index = 0; index < argv.length; index++) {
		const [flag, inline] = argv[index].split(/=(.*)/s, 2);
		const value = () => inline ?? argv[++index];
		if (flag === '--n8n') choice.version = value();
		else if (flag === '--node') choice.node = value();
		else if (flag === '--only') choice.only = value();
		else
			throw new Error(
				`unknown argument ${argv[index]} (use --n8n <version> --node <major|system> --only <name>)`,
			);
	}
	return choice;
}

async function main(): Promise<void> {
	const started = Date.now();
	const args = parseArgs(process.argv.slice(2));
	const scenarios = SCENARIOS.filter(([name]) => !args.only || name.includes(args.only));
	if (scenarios.length === 0) throw new Error(`no scenario name contains "${args.only}"`);
	const install = installN8n(args);
	const nodeVersion = spawnSync(install.nodeBin, ['--version'], { encoding: 'utf8' }).stdout.trim();
	console.log(`n8n ${install.version} on Node ${nodeVersion}: ${install.n8nBin}`);
	const fake: FakeKirin = await startFakeKirin({
		generationMs: 1500,
		forbiddenKeys: [FORBIDDEN_KEY],
	});
	const receiver = await new Receiver().start();
	const n8n = await N8nInstance.create(install);
	try {
		const e2e = await setUp(n8n, fake, receiver);
		for (const [name, run] of scenarios)
			await check(name, async () => await run(e2e), knownGap(name, install.version));
	} catch (error) {
		// Setting up failed (an import, an activation, or n8n did not start): every scenario fails.
		const detail = error instanceof Error ? error.message : String(error);
		for (const [name] of scenarios)
			await check(name, async () => {
				throw new Error(`not run: setting up failed: ${detail.split('\n')[0]}`);
			});
		console.log(detail.split('\n').slice(0, 40).join('\n'));
	} finally {
		await n8n.stop();
		await receiver.close();
		await fake.close();
	}
	const failed = results.filter((result) => !result.ok);
	const known = results.filter((result) => result.knownGap).length;
	if (failed.length)
		console.log(`\nserver log (last lines):\n${n8n.log().split('\n').slice(-40).join('\n')}`);
	n8n.remove();
	const seconds = ((Date.now() - started) / 1000).toFixed(0);
	console.log(
		`\ne2e: n8n ${install.version} on Node ${nodeVersion}: ${results.length - failed.length - known} passed, ${failed.length} failed${known ? `, ${known} known gap${known > 1 ? 's' : ''}` : ''} (${seconds} s)`,
	);
	process.exitCode = failed.length ? 1 : 0;
}

main().catch((error: unknown) => {
	console.error(error);
	process.exitCode = 1;
});
