/**
 * Generate Video, run as a real n8n workflow (Manual Trigger -> Items -> Kirin, built node from
 * dist/) against the fake Kirin API over HTTP: the request body of every model with defaults and
 * with every field set, the three image sources, the poll lifecycle to a video URL, the five failure
 * kinds of the pages, Continue On Fail, timeout, cancellation and the API's HTTP errors.
 *
 * Expected bodies are written from the provider's model pages, not from the node's catalog; the
 * fake server additionally rejects (400) any parameter a page does not list.
 */
import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { startFakeKirin, type FakeKirin } from './fake-kirin/server';
import { makeJpegHeader, makePng } from './fixtures/images';
import { startWorkflow } from './harness/harness';
import { sleep, waitFor } from './harness/wait';
import {
	FAST_POLL,
	imageItem,
	kirinCredentials,
	kirinWorkflow,
	runGenerate,
	type TestItem,
} from './harness/workflows';

const PNG_1280x720 = makePng(1280, 720);
const PNG_BASE64 = PNG_1280x720.toString('base64');
const DERIVED_ID = /^n8n-.+-\d+-[0-9a-f]{12}$/;

let fake: FakeKirin;

beforeAll(async () => {
	fake = await startFakeKirin({
		generationMs: 60,
		forbiddenKeys: ['revoked-key'],
		brokeKeys: ['broke-key'],
	});
});
afterAll(async () => {
	await fake.close();
});
beforeEach(() => {
	fake.clearFaults();
	fake.ledger.reset();
});

/** The bodies of the create requests that created a task, in order of receipt. */
function createdBodies(): IDataObject[] {
	return fake.ledger.creates().map((entry) => entry.body as IDataObject);
}

describe('request body with defaults only (one per model, as the page lists its defaults)', () => {
	const cases: Array<[string, IDataObject, TestItem[] | undefined, IDataObject]> = [
		[
			'kirin_v2_6_t2v',
			{ prompt: 'a red fox in snow' },
			undefined,
			{
				prompt: 'a red fox in snow',
				duration: '5',
				aspect_ratio: '16:9',
				mode: 'std',
				watermark_info: { enabled: false },
			},
		],
		[
			'kirin_v2_5_turbo_t2v',
			{ prompt: 'a red fox in snow' },
			undefined,
			{
				prompt: 'a red fox in snow',
				duration: '5',
				aspect_ratio: '16:9',
				mode: 'std',
				watermark_info: { enabled: false },
			},
		],
		[
			// The page lists duration options but no default: nothing is sent, the API decides.
			'kirin_v2_1_master_t2v',
			{ prompt: 'a red fox in snow' },
			undefined,
			{ prompt: 'a red fox in snow', aspect_ratio: '16:9', watermark_info: { enabled: false } },
		],
		[
			// Prompt is optional on the page; an empty one is not sent. No aspect ratio or mode on the page.
			'kirin_v2_master_i2v',
			{},
			[imageItem(PNG_1280x720)],
			{ image: PNG_BASE64, duration: '5', watermark_info: { enabled: false } },
		],
		[
			// cfg_scale has a page default (0.5); camera control is left to the model.
			'kirin_v1_t2v',
			{ prompt: 'a red fox in snow' },
			undefined,
			{
				prompt: 'a red fox in snow',
				duration: '5',
				aspect_ratio: '16:9',
				mode: 'std',
				cfg_scale: 0.5,
				watermark_info: { enabled: false },
			},
		],
	];

	it.each(cases)(
		'%s sends exactly the page defaults',
		async (model, parameters, items, expected) => {
			const { output, error } = await runGenerate(fake, { model, ...parameters }, items);
			expect(error).toBeUndefined();
			const bodies = createdBodies();
			expect(bodies).toHaveLength(1);
			expect(bodies[0]).toEqual({
				model,
				...expected,
				external_task_id: expect.stringMatching(DERIVED_ID),
			});
			expect(output).toHaveLength(1);
			expect(output[0].json).toMatchObject({
				status: 'completed',
				model,
				externalTaskId: bodies[0].external_task_id,
			});
		},
	);

	it('kirin_v2_1_master_t2v sends no duration, and kirin_v2_6_t2v no sound in Standard mode', async () => {
		await runGenerate(fake, { model: 'kirin_v2_1_master_t2v', prompt: 'fox' });
		await runGenerate(fake, { model: 'kirin_v2_6_t2v', prompt: 'fox' });
		const [v21, v26] = createdBodies();
		expect(v21).not.toHaveProperty('duration');
		expect(v26).not.toHaveProperty('sound');
	});

	it('gives each run its own derived external task id, so two runs create two tasks', async () => {
		const first = await runGenerate(fake, { model: 'kirin_v2_6_t2v', prompt: 'same prompt' });
		const second = await runGenerate(fake, { model: 'kirin_v2_6_t2v', prompt: 'same prompt' });
		expect(first.output[0].json.taskId).not.toBe(second.output[0].json.taskId);
		const ids = createdBodies().map((body) => body.external_task_id);
		expect(new Set(ids).size).toBe(2);
		expect(fake.ledger.createAttempts().every((entry) => entry.status === 200)).toBe(true);
	});
});

describe('request body with every field set', () => {
	it('kirin_v2_6_t2v: negative prompt, Professional mode with sound on, 10 s, 9:16, watermark, callback and external id', async () => {
		const callbackUrl = `${fake.url}/callback?secret=s3cret`;
		const { output, error } = await runGenerate(fake, {
			model: 'kirin_v2_6_t2v',
			prompt: 'a red fox in snow',
			negativePrompt: 'blur, text',
			mode: 'pro',
			sound: true,
			duration: '10',
			aspectRatio: '9:16',
			watermark: true,
			options: { callbackUrl, externalTaskId: 'campaign-42-item-7' },
		});
		expect(error).toBeUndefined();
		expect(createdBodies()).toEqual([
			{
				model: 'kirin_v2_6_t2v',
				prompt: 'a red fox in snow',
				negative_prompt: 'blur, text',
				duration: '10',
				aspect_ratio: '9:16',
				mode: 'pro',
				sound: 'on',
				watermark_info: { enabled: true },
				callback_url: callbackUrl,
				external_task_id: 'campaign-42-item-7',
			},
		]);
		expect(output[0].json).toMatchObject({
			externalTaskId: 'campaign-42-item-7',
			status: 'completed',
			costUsd: 1.4,
		});
	});

	it('kirin_v2_6_t2v: sound off in Professional mode is sent as "off"', async () => {
		await runGenerate(fake, { model: 'kirin_v2_6_t2v', prompt: 'fox', mode: 'pro', sound: false });
		expect(createdBodies()[0]).toMatchObject({ mode: 'pro', sound: 'off' });
	});

	it('kirin_v2_5_turbo_t2v: negative prompt, Professional, 10 s, 1:1, watermark', async () => {
		await runGenerate(fake, {
			model: 'kirin_v2_5_turbo_t2v',
			prompt: 'fox',
			negativePrompt: 'people',
			mode: 'pro',
			duration: '10',
			aspectRatio: '1:1',
			watermark: true,
			options: { externalTaskId: 'turbo-1' },
		});
		expect(createdBodies()).toEqual([
			{
				model: 'kirin_v2_5_turbo_t2v',
				prompt: 'fox',
				negative_prompt: 'people',
				duration: '10',
				aspect_ratio: '1:1',
				mode: 'pro',
				watermark_info: { enabled: true },
				external_task_id: 'turbo-1',
			},
		]);
	});

	it('kirin_v2_1_master_t2v: 10 s, 1:1, watermark', async () => {
		await runGenerate(fake, {
			model: 'kirin_v2_1_master_t2v',
			prompt: 'fox',
			duration: '10',
			aspectRatio: '1:1',
			watermark: true,
		});
		expect(createdBodies()).toEqual([
			{
				model: 'kirin_v2_1_master_t2v',
				prompt: 'fox',
				duration: '10',
				aspect_ratio: '1:1',
				watermark_info: { enabled: true },
				external_task_id: expect.stringMatching(DERIVED_ID),
			},
		]);
	});

	it('kirin_v2_master_i2v: image URL, prompt, negative prompt, 10 s, watermark, callback', async () => {
		const callbackUrl = `${fake.url}/callback`;
		await runGenerate(fake, {
			model: 'kirin_v2_master_i2v',
			imageSource: 'url',
			imageUrl: 'https://cdn.example.com/product.png',
			prompt: 'the cup slowly turns',
			negativePrompt: 'hands',
			duration: '10',
			watermark: true,
			options: { callbackUrl },
		});
		expect(createdBodies()).toEqual([
			{
				model: 'kirin_v2_master_i2v',
				image: 'https://cdn.example.com/product.png',
				prompt: 'the cup slowly turns',
				negative_prompt: 'hands',
				duration: '10',
				watermark_info: { enabled: true },
				callback_url: callbackUrl,
				external_task_id: expect.stringMatching(DERIVED_ID),
			},
		]);
	});

	it('kirin_v1_t2v: simple camera control with one axis set and the other five sent as 0', async () => {
		const { error } = await runGenerate(fake, {
			model: 'kirin_v1_t2v',
			prompt: 'fox',
			negativePrompt: 'rain',
			cfgScale: 0.8,
			mode: 'std',
			duration: '5',
			aspectRatio: '9:16',
			cameraControlType: 'simple',
			cameraAxis: 'pan',
			cameraValue: -3,
			watermark: true,
		});
		expect(error).toBeUndefined();
		expect(createdBodies()).toEqual([
			{
				model: 'kirin_v1_t2v',
				prompt: 'fox',
				negative_prompt: 'rain',
				duration: '5',
				aspect_ratio: '9:16',
				mode: 'std',
				cfg_scale: 0.8,
				camera_control: {
					type: 'simple',
					config: { horizontal: 0, vertical: 0, pan: -3, tilt: 0, roll: 0, zoom: 0 },
				},
				watermark_info: { enabled: true },
				external_task_id: expect.stringMatching(DERIVED_ID),
			},
		]);
	});

	it('kirin_v1_t2v: a predefined camera movement is sent without config', async () => {
		await runGenerate(fake, {
			model: 'kirin_v1_t2v',
			prompt: 'fox',
			cameraControlType: 'forward_up',
		});
		expect(createdBodies()[0].camera_control).toEqual({ type: 'forward_up' });
	});

	it('kirin_v1_t2v: CFG scale 0 is sent as 0 (not dropped) in Professional mode for 10 s', async () => {
		await runGenerate(fake, {
			model: 'kirin_v1_t2v',
			prompt: 'fox',
			cfgScale: 0,
			mode: 'pro',
			duration: '10',
		});
		const body = createdBodies()[0];
		expect(body).toMatchObject({ cfg_scale: 0, mode: 'pro', duration: '10' });
		expect(body).not.toHaveProperty('camera_control');
	});
});

describe('image source', () => {
	it("binary: the item's file is sent as bare Base64 (JPEG judged by its bytes)", async () => {
		const jpeg = makeJpegHeader(1024, 768);
		await runGenerate(fake, { model: 'kirin_v2_master_i2v', imageSource: 'binary' }, [
			imageItem(jpeg, 'shot.jpg', 'image/jpeg'),
		]);
		expect(createdBodies()[0].image).toBe(jpeg.toString('base64'));
	});

	it('binary: reads the binary field the user names', async () => {
		const item: TestItem = {
			json: {},
			binary: { picture: { data: PNG_BASE64, fileName: 'p.png', mimeType: 'image/png' } },
		};
		await runGenerate(
			fake,
			{ model: 'kirin_v2_master_i2v', imageSource: 'binary', binaryPropertyName: 'picture' },
			[item],
		);
		expect(createdBodies()[0].image).toBe(PNG_BASE64);
	});

	it('url: the URL is passed as it is', async () => {
		await runGenerate(fake, {
			model: 'kirin_v2_master_i2v',
			imageSource: 'url',
			imageUrl: 'https://cdn.example.com/a%20b/c.jpg?x=1',
		});
		expect(createdBodies()[0].image).toBe('https://cdn.example.com/a%20b/c.jpg?x=1');
	});

	it('base64: a data: prefix is stripped', async () => {
		await runGenerate(fake, {
			model: 'kirin_v2_master_i2v',
			imageSource: 'base64',
			imageBase64: `data:image/png;base64,${PNG_BASE64}`,
		});
		expect(createdBodies()[0].image).toBe(PNG_BASE64);
	});

	it('base64: line breaks of wrapped Base64 are removed', async () => {
		const wrapped = PNG_BASE64.replace(/(.{76})/g, '$1\n');
		expect(wrapped).toContain('\n');
		await runGenerate(fake, {
			model: 'kirin_v2_master_i2v',
			imageSource: 'base64',
			imageBase64: wrapped,
		});
		expect(createdBodies()[0].image).toBe(PNG_BASE64);
	});

	// Found by this test: Base64 without its "=" padding passes the node's checks (Buffer decodes it)
	// but is sent as typed, and the API rejects it (400). The node should send the bytes it checked,
	// re-encoded (`bytes.toString('base64')` in actions/readInput.ts).
	test('base64: unpadded Base64 is sent as the canonical padded Base64 of the checked bytes', async () => {
		const png = makePng(640, 480);
		const padded = png.toString('base64');
		expect(padded.endsWith('=')).toBe(true);
		const { error } = await runGenerate(fake, {
			model: 'kirin_v2_master_i2v',
			imageSource: 'base64',
			imageBase64: padded.replace(/=+$/, ''),
		});
		expect(error).toBeUndefined();
		expect(createdBodies()[0].image).toBe(padded);
	});
});

describe('poll lifecycle', () => {
	it('waits for the task and outputs the video URL, videos, cost as a number and pairedItem', async () => {
		const { output, error } = await runGenerate(fake, {
			model: 'kirin_v2_5_turbo_t2v',
			prompt: 'fox',
		});
		expect(error).toBeUndefined();
		expect(output).toHaveLength(1);
		const json = output[0].json;
		const taskId = json.taskId as string;
		expect(taskId).toMatch(/^tsk_/);
		expect(json).toMatchObject({
			status: 'completed',
			model: 'kirin_v2_5_turbo_t2v',
			videoUrl: `${fake.url}/files/${taskId}.mp4`,
			videos: [{ type: 'video', url: `${fake.url}/files/${taskId}.mp4` }],
			costUsd: 0.35,
			discount: 0,
		});
		expect(typeof json.costUsd).toBe('number');
		expect(output[0].pairedItem).toEqual({ item: 0 });
		// A task of generation time T costs at most T / interval + 2 status requests (60 ms / 20 ms).
		expect(fake.ledger.statusPolls(taskId)).toBeGreaterThanOrEqual(1);
		expect(fake.ledger.statusPolls(taskId)).toBeLessThanOrEqual(5);
	});

	it('outputs every video of a task with several', async () => {
		const { output } = await runGenerate(fake, {
			model: 'kirin_v2_6_t2v',
			prompt: 'fox [videos:3]',
		});
		const taskId = output[0].json.taskId as string;
		expect(output[0].json.videos).toEqual(
			[0, 1, 2].map((index) => ({
				type: 'video',
				url: `${fake.url}/files/${index === 0 ? taskId : `${taskId}_${index}`}.mp4`,
			})),
		);
		expect(output[0].json.videoUrl).toBe(`${fake.url}/files/${taskId}.mp4`);
		expect(output[0].json.costUsd).toBe(1.05);
	});

	it('keeps input order and pairing when later items finish first', async () => {
		const prompts = ['slow fox [ms:300]', 'quick fox [ms:40]', 'medium fox [ms:150]'];
		const { output, error } = await runGenerate(
			fake,
			{ model: 'kirin_v2_6_t2v', prompt: '={{ $json.prompt }}' },
			prompts.map((prompt) => ({ json: { prompt } })),
		);
		expect(error).toBeUndefined();
		expect(output.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		for (const [index, item] of output.entries()) {
			expect(item.json.status).toBe('completed');
			expect(fake.tasks.get(item.json.taskId as string)?.params.prompt).toBe(prompts[index]);
		}
		expect(new Set(output.map((item) => item.json.taskId)).size).toBe(3);
		// The three tasks were waited for together, not one after another.
		expect(createdBodies()).toHaveLength(3);
	});
});

describe('failed tasks: the five error kinds of the pages', () => {
	const kinds: Array<[string, string]> = [
		['095', 'internal generation error'],
		['096', 'result parsing error'],
		['097', 'http error response'],
		['098', 'status check error'],
		['099', 'task creation error'],
	];

	it.each(kinds)(
		'[fail:%s] fails the node naming the model, the code and its meaning',
		async (kind, meaning) => {
			const { error } = await runGenerate(fake, {
				model: 'kirin_v2_6_t2v',
				prompt: `fox [fail:${kind}]`,
			});
			expect(error).toBeDefined();
			expect(error!.message).toContain(`Kirin V2.6 - Text to Video: ${meaning} (002014${kind})`);
			const taskId = fake.ledger.creates()[0].createdTaskId!;
			expect(String(error!.description)).toContain(taskId);
		},
	);

	it.each<[string, string, string]>([
		['kirin_v1_t2v', 'Kirin V1 - Text to Video', '002001095'],
		['kirin_v2_1_master_t2v', 'Kirin V2.1 Master - Text to Video', '002008095'],
		['kirin_v2_5_turbo_t2v', 'Kirin V2.5 Turbo - Text to Video', '002011095'],
		['kirin_v2_master_i2v', 'Kirin V2 Master - Image to Video', '002015095'],
	])('%s names its own model and code', async (model, name, code) => {
		const items = model === 'kirin_v2_master_i2v' ? [imageItem(PNG_1280x720)] : undefined;
		const { error } = await runGenerate(fake, { model, prompt: 'x [fail]' }, items);
		expect(error!.message).toContain(`${name}: internal generation error (${code})`);
	});

	it.each(kinds)(
		'with Continue On Fail, [fail:%s] becomes an error item while the other items succeed',
		async (kind, meaning) => {
			const prompts = ['fox one', `fox two [fail:${kind}]`, 'fox three'];
			const { output, error } = await runGenerate(
				fake,
				{ model: 'kirin_v2_6_t2v', prompt: '={{ $json.prompt }}' },
				prompts.map((prompt) => ({ json: { prompt } })),
				{ continueOnFail: true },
			);
			expect(error).toBeUndefined();
			expect(output).toHaveLength(3);
			expect(output.map((item) => item.pairedItem)).toEqual([
				{ item: 0 },
				{ item: 1 },
				{ item: 2 },
			]);
			expect(output[0].json).toMatchObject({
				status: 'completed',
				videoUrl: expect.stringContaining('/files/'),
			});
			expect(output[2].json).toMatchObject({
				status: 'completed',
				videoUrl: expect.stringContaining('/files/'),
			});
			const failed = output[1].json.error as IDataObject;
			expect(failed).toBeDefined();
			expect(failed.message).toContain(`Kirin V2.6 - Text to Video: ${meaning} (002014${kind})`);
			expect(failed.taskId).toBe(fake.ledger.creates()[1].createdTaskId);
			expect(output[1].json).not.toHaveProperty('videoUrl');
		},
	);
});

describe('timeout', () => {
	it('fails with the task id and points to Get Task when the task does not finish in time', async () => {
		const started = Date.now();
		const { error } = await runGenerate(fake, {
			model: 'kirin_v2_6_t2v',
			prompt: 'fox [never]',
			options: { timeout: 0.005, pollInterval: 0.05 },
		});
		// A task that never finishes: only the timeout can end the run (generous bound for loaded machines).
		expect(Date.now() - started).toBeLessThan(10_000);
		const taskId = fake.ledger.creates()[0].createdTaskId!;
		expect(error).toBeDefined();
		expect(error!.message).toContain(taskId);
		expect(String(error!.description)).toContain('Get Task');
		expect(String(error!.description)).toContain(taskId);
		// 0.3 s at one poll per 0.05 s, plus the last poll at the deadline: a bounded number of polls.
		expect(fake.ledger.statusPolls(taskId)).toBeGreaterThanOrEqual(2);
		expect(fake.ledger.statusPolls(taskId)).toBeLessThanOrEqual(8);
	});

	it('with Continue On Fail, a timed-out task is an error item carrying its task id', async () => {
		const { output } = await runGenerate(
			fake,
			{
				model: 'kirin_v2_6_t2v',
				prompt: '={{ $json.prompt }}',
				options: { timeout: 0.005, pollInterval: 0.05 },
			},
			[{ json: { prompt: 'fox' } }, { json: { prompt: 'fox [never]' } }],
			{ continueOnFail: true },
		);
		expect(output).toHaveLength(2);
		expect(output[0].json.status).toBe('completed');
		const neverId = fake.ledger.creates()[1].createdTaskId!;
		expect(output[1]).toMatchObject({
			pairedItem: { item: 1 },
			json: { error: { taskId: neverId } },
		});
		expect((output[1].json.error as IDataObject).message).toContain(neverId);
	});
});

describe('cancellation', () => {
	it('stopping the execution while polling ends the run at once and stops polling', async () => {
		const started = await startWorkflow(
			kirinWorkflow({
				operation: 'generate',
				model: 'kirin_v2_6_t2v',
				prompt: 'fox [never]',
				options: FAST_POLL,
			}),
			kirinCredentials(fake),
		);
		const polls = () => fake.ledger.entries.filter((entry) => entry.kind === 'poll').length;
		await waitFor(() => polls() >= 2, { intervalMs: 10, what: 'two polls' });
		expect(polls()).toBeGreaterThanOrEqual(2);

		const cancelledAt = Date.now();
		started.cancel();
		const run = await started.done;
		// The task never finishes, so without the stop the run would not end at all.
		expect(Date.now() - cancelledAt).toBeLessThan(5000);
		expect(run.finished).toBeFalsy();
		const Kirin = run.data.resultData.runData.Kirin;
		const output = Kirin?.[0]?.data?.main?.[0] ?? [];
		expect(output.some((item: INodeExecutionData) => item.json.status === 'completed')).toBe(false);

		// Let any request already in flight land, then check that no further poll arrives.
		await sleep(50);
		const after = polls();
		await sleep(300);
		expect(polls()).toBe(after);
	});
});

describe('HTTP errors from the API', () => {
	it('401: a wrong API key fails naming the API key and the credential, without retrying or leaking the key', async () => {
		const { error } = await runGenerate(
			fake,
			{ model: 'kirin_v2_6_t2v', prompt: 'fox' },
			undefined,
			{
				apiKey: 'sk-wrong-key-123',
			},
		);
		expect(error).toBeDefined();
		expect(error!.message).toMatch(/API key/);
		expect(error!.message).toContain('401');
		expect(String(error!.description)).toMatch(/Kirin API credential/);
		expect(fake.ledger.createAttempts()).toHaveLength(1);
		expect(fake.ledger.creates()).toHaveLength(0);
		expect(JSON.stringify(error)).not.toContain('sk-wrong-key-123');
	});

	it('403: a forbidden key fails naming the API key', async () => {
		const { error } = await runGenerate(
			fake,
			{ model: 'kirin_v2_6_t2v', prompt: 'fox' },
			undefined,
			{
				apiKey: 'revoked-key',
			},
		);
		expect(error!.message).toMatch(/API key/);
		expect(error!.message).toContain('403');
		expect(fake.ledger.createAttempts()).toHaveLength(1);
	});

	it('402: insufficient balance fails once, with nothing created', async () => {
		const { error } = await runGenerate(
			fake,
			{ model: 'kirin_v2_6_t2v', prompt: 'fox' },
			undefined,
			{
				apiKey: 'broke-key',
			},
		);
		expect(error).toBeDefined();
		expect(error!.message).toMatch(/insufficient balance/i);
		expect(error!.message).toContain('402');
		expect(fake.ledger.createAttempts()).toHaveLength(1);
		expect(fake.ledger.creates()).toHaveLength(0);
	});

	it('402 with Continue On Fail: every item becomes an error item with its pairing', async () => {
		const { output } = await runGenerate(
			fake,
			{ model: 'kirin_v2_6_t2v', prompt: '={{ $json.prompt }}' },
			[{ json: { prompt: 'a' } }, { json: { prompt: 'b' } }],
			{ continueOnFail: true, apiKey: 'broke-key' },
		);
		expect(output).toHaveLength(2);
		expect(output.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		for (const item of output)
			expect((item.json.error as IDataObject).message).toMatch(/insufficient balance/i);
	});

	it("400: input the node accepts but the API rejects fails with the API's message, without retrying", async () => {
		// The node passes image URLs to the API as they are ("the API checks the image"); this one is
		// no valid URL for the API.
		const { error } = await runGenerate(fake, {
			model: 'kirin_v2_master_i2v',
			imageSource: 'url',
			imageUrl: 'https://[oops]/cat.png',
		});
		expect(error).toBeDefined();
		expect(error!.name).toBe('NodeApiError');
		expect(error!.message).toContain('Kirin rejected the request (400)');
		expect(error!.message).toContain('image: not a valid http(s) URL');
		expect(fake.ledger.createAttempts()).toHaveLength(1);
		expect(fake.ledger.entries.filter((entry) => entry.kind === 'lookup')).toHaveLength(0);
	});
});
