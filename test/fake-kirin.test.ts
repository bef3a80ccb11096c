/**
 * Tests of the fake Kirin server itself, over real HTTP on 127.0.0.1: if the fake drifts from
 * the API's protocol (paths, task envelope, callbacks, errors) or the model pages, every node test
 * built on it is wrong.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

import { makeJpegHeader } from './fixtures/images';
import { sha256Hex } from './harness/binary';
import { apiRequest as api, createOverHttp as create } from './harness/fake-api';
import { waitFor } from './harness/wait';
import {
	expectedVideoSha256,
	parseByteSize,
	parsePromptMagic,
	startFakeKirin,
	type FakeKirin,
	type KirinTask,
} from './fake-kirin/server';

const KEY = 'test-key';

/** Reads a task over HTTP until it is in `status`, and returns it. */
function waitForStatus(fake: FakeKirin, taskId: string, status: string): Promise<KirinTask> {
	return waitFor(async () => {
		const res = await api(fake, 'GET', `/v1/tasks/${taskId}`);
		return res.json?.status === status ? (res.json as KirinTask) : undefined;
	});
}

/** A PNG header (signature + IHDR) of the given size: all the fake reads. */
function png(width: number, height: number): Buffer {
	const ihdr = Buffer.alloc(25);
	ihdr.writeUInt32BE(13, 0);
	ihdr.write('IHDR', 4, 'latin1');
	ihdr.writeUInt32BE(width, 8);
	ihdr.writeUInt32BE(height, 12);
	ihdr[16] = 8; // bit depth
	ihdr[17] = 2; // RGB
	return Buffer.concat([
		Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
		ihdr,
		Buffer.alloc(12),
	]);
}

const jpeg = makeJpegHeader;

/** A local HTTP receiver for callbacks; `statuses` is what it answers, in order, then 200. */
async function startReceiver(statuses: number[] = []) {
	const received: KirinTask[] = [];
	const contentTypes: string[] = [];
	const server = http.createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (c: Buffer) => chunks.push(c));
		req.on('end', () => {
			const status = statuses.shift() ?? 200;
			if (status === 200) {
				received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
				contentTypes.push(String(req.headers['content-type']));
			}
			res.writeHead(status).end();
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook?secret=s3cret`;
	return {
		url,
		received,
		contentTypes,
		close: () =>
			new Promise<void>((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	};
}

const IMAGE_OK = png(1280, 720).toString('base64');
/** The smallest valid body of each model, from its model page. */
const MINIMAL: Record<string, Record<string, unknown>> = {
	kirin_v1_t2v: { model: 'kirin_v1_t2v', prompt: 'a red fox in snow' },
	kirin_v2_master_i2v: { model: 'kirin_v2_master_i2v', image: IMAGE_OK },
	kirin_v2_1_master_t2v: { model: 'kirin_v2_1_master_t2v', prompt: 'a red fox in snow' },
	kirin_v2_5_turbo_t2v: { model: 'kirin_v2_5_turbo_t2v', prompt: 'a red fox in snow' },
	kirin_v2_6_t2v: { model: 'kirin_v2_6_t2v', prompt: 'a red fox in snow' },
};
const SIMPLE_CAMERA = {
	type: 'simple',
	config: { horizontal: 0, vertical: 0, pan: 0, tilt: 0, roll: 0, zoom: 5 },
};

describe('fake Kirin server', () => {
	let fake: FakeKirin;

	beforeAll(async () => {
		fake = await startFakeKirin({
			generationMs: 20,
			forbiddenKeys: ['revoked-key'],
			brokeKeys: ['broke-key'],
		});
	});
	afterAll(async () => {
		await fake.close();
	});
	afterEach(() => {
		fake.clearFaults();
		fake.setGenerationMs(20);
		fake.ledger.reset();
	});

	describe('authentication', () => {
		it('answers 401 without a bearer key or with a wrong one, and records the raw header', async () => {
			const none = await api(fake, 'GET', '/v1/tasks/tsk_x', undefined, null);
			expect(none.status).toBe(401);
			expect(none.json.error.code).toBe('unauthorized');
			expect(typeof none.json.error.message).toBe('string');
			const wrong = await api(
				fake,
				'POST',
				'/v1/videos/generations',
				MINIMAL.kirin_v1_t2v,
				'Bearer nope',
			);
			expect(wrong.status).toBe(401);
			expect((await api(fake, 'GET', '/v1/tasks/tsk_x', undefined, KEY)).status).toBe(401); // no "Bearer "
			expect(
				fake.ledger.entries.map((e) => [e.authorization, e.authorizationHeader, e.status]),
			).toEqual([
				[false, undefined, 401],
				[true, 'Bearer nope', 401],
				[true, KEY, 401],
			]);
			expect(fake.tasks.size).toBe(0);
		});

		it('answers 403 for a forbidden key and 402 for a broke key on create', async () => {
			const forbidden = await api(
				fake,
				'POST',
				'/v1/videos/generations',
				MINIMAL.kirin_v1_t2v,
				'Bearer revoked-key',
			);
			expect(forbidden.status).toBe(403);
			expect(forbidden.json.error.code).toBe('forbidden');
			const broke = await api(
				fake,
				'POST',
				'/v1/videos/generations',
				MINIMAL.kirin_v1_t2v,
				'Bearer broke-key',
			);
			expect(broke.status).toBe(402);
			expect(broke.json.error.code).toBe('insufficient_balance');
			expect(fake.ledger.creates()).toHaveLength(0);
		});
	});

	describe('create validation against the model pages', () => {
		it.each(Object.keys(MINIMAL))(
			'accepts the minimal body of %s with a pending Task',
			async (model) => {
				const res = await create(fake, MINIMAL[model]);
				expect(res.status).toBe(200);
				expect(res.json).toMatchObject({ model, status: 'pending', error: null, metadata: {} });
				expect(res.json.task_id).toMatch(/^tsk_/);
				expect(res.json.output).toBeUndefined();
				expect(new Date(res.json.created_at).toISOString()).toBe(res.json.created_at);
				expect(fake.ledger.creates().map((e) => e.createdTaskId)).toEqual([res.json.task_id]);
			},
		);

		it.each([
			['kirin_v2_6_t2v', 'cfg_scale', 0.5],
			['kirin_v2_6_t2v', 'camera_control', SIMPLE_CAMERA],
			['kirin_v2_5_turbo_t2v', 'sound', 'on'],
			['kirin_v2_5_turbo_t2v', 'cfg_scale', 0.5],
			['kirin_v2_1_master_t2v', 'negative_prompt', 'blur'],
			['kirin_v2_1_master_t2v', 'mode', 'std'],
			['kirin_v2_master_i2v', 'aspect_ratio', '16:9'],
			['kirin_v2_master_i2v', 'mode', 'pro'],
			['kirin_v1_t2v', 'sound', 'off'],
			['kirin_v1_t2v', 'seed', 42],
		])('rejects %s with the unlisted parameter %s', async (model, param, value) => {
			const res = await create(fake, { ...MINIMAL[model], [param]: value });
			expect(res.status).toBe(400);
			expect(res.json.error.code).toBe('invalid_parameter');
			expect(res.json.error.message).toMatch(
				new RegExp(`^${param}: parameter not supported by model ${model}`),
			);
		});

		const long = 'x'.repeat(2501);
		it.each<[string, Record<string, unknown>, string]>([
			['unknown model', { model: 'kirin_v9', prompt: 'p' }, 'model: unknown model'],
			['missing model', { prompt: 'p' }, 'model: required'],
			['missing prompt', { model: 'kirin_v2_6_t2v' }, 'prompt: required'],
			['missing image', { model: 'kirin_v2_master_i2v', prompt: 'p' }, 'image: required'],
			[
				'null value',
				{ ...MINIMAL.kirin_v1_t2v, negative_prompt: null },
				'negative_prompt: must not be null',
			],
			[
				'empty string',
				{ ...MINIMAL.kirin_v1_t2v, aspect_ratio: '' },
				'aspect_ratio: must not be an empty string',
			],
			[
				'empty prompt',
				{ model: 'kirin_v2_6_t2v', prompt: '' },
				'prompt: must not be an empty string',
			],
			[
				'prompt over 2500',
				{ model: 'kirin_v2_6_t2v', prompt: long },
				'prompt: length must be between 1 and 2500',
			],
			[
				'negative_prompt over 2500',
				{ ...MINIMAL.kirin_v2_5_turbo_t2v, negative_prompt: long },
				'negative_prompt: length',
			],
			[
				'numeric duration',
				{ ...MINIMAL.kirin_v1_t2v, duration: 5 },
				'duration: must be one of the strings "5", "10"',
			],
			['duration 7', { ...MINIMAL.kirin_v2_6_t2v, duration: '7' }, 'duration: must be one of'],
			[
				'aspect 4:3',
				{ ...MINIMAL.kirin_v2_6_t2v, aspect_ratio: '4:3' },
				'aspect_ratio: must be one of',
			],
			['mode turbo', { ...MINIMAL.kirin_v2_5_turbo_t2v, mode: 'turbo' }, 'mode: must be one of'],
			[
				'cfg_scale string',
				{ ...MINIMAL.kirin_v1_t2v, cfg_scale: '0.5' },
				'cfg_scale: must be a number',
			],
			[
				'cfg_scale 1.5',
				{ ...MINIMAL.kirin_v1_t2v, cfg_scale: 1.5 },
				'cfg_scale: must be within 0..1',
			],
			[
				'watermark boolean',
				{ ...MINIMAL.kirin_v1_t2v, watermark_info: true },
				'watermark_info: must be an object',
			],
			[
				'watermark string',
				{ ...MINIMAL.kirin_v1_t2v, watermark_info: { enabled: 'yes' } },
				'watermark_info.enabled: must be a boolean',
			],
			[
				'watermark extra',
				{ ...MINIMAL.kirin_v1_t2v, watermark_info: { enabled: true, text: 'x' } },
				'watermark_info.text: unknown field',
			],
			[
				'sound on in std',
				{ ...MINIMAL.kirin_v2_6_t2v, sound: 'on' },
				'sound: "on" is only supported when mode is pro',
			],
			[
				'sound yes',
				{ ...MINIMAL.kirin_v2_6_t2v, mode: 'pro', sound: 'yes' },
				'sound: must be one of',
			],
			[
				'camera in pro',
				{ ...MINIMAL.kirin_v1_t2v, mode: 'pro', camera_control: SIMPLE_CAMERA },
				'camera_control: only supported when mode is std',
			],
			[
				'camera for 10 s',
				{ ...MINIMAL.kirin_v1_t2v, duration: '10', camera_control: SIMPLE_CAMERA },
				'camera_control: only supported',
			],
			[
				'camera type',
				{ ...MINIMAL.kirin_v1_t2v, camera_control: { type: 'orbit' } },
				'camera_control.type: must be one of',
			],
			[
				'simple without config',
				{ ...MINIMAL.kirin_v1_t2v, camera_control: { type: 'simple' } },
				'camera_control.config: required',
			],
			[
				'config missing a key',
				{ ...MINIMAL.kirin_v1_t2v, camera_control: { type: 'simple', config: { zoom: 5 } } },
				'camera_control.config.horizontal: required',
			],
			[
				'two non-zero',
				{
					...MINIMAL.kirin_v1_t2v,
					camera_control: { type: 'simple', config: { ...SIMPLE_CAMERA.config, pan: 1 } },
				},
				'exactly one',
			],
			[
				'all zero',
				{
					...MINIMAL.kirin_v1_t2v,
					camera_control: { type: 'simple', config: { ...SIMPLE_CAMERA.config, zoom: 0 } },
				},
				'exactly one',
			],
			[
				'zoom 11',
				{
					...MINIMAL.kirin_v1_t2v,
					camera_control: { type: 'simple', config: { ...SIMPLE_CAMERA.config, zoom: 11 } },
				},
				'camera_control.config.zoom: must be within -10..10',
			],
			[
				'callback not a URL',
				{ ...MINIMAL.kirin_v1_t2v, callback_url: 'hook' },
				'callback_url: must be an absolute http(s) URL',
			],
			[
				'image data: prefix',
				{ model: 'kirin_v2_master_i2v', image: `data:image/png;base64,${IMAGE_OK}` },
				'image: base64 must be sent without a prefix',
			],
			[
				'image not base64',
				{ model: 'kirin_v2_master_i2v', image: 'not base64!' },
				'image: must be an http(s) URL or a bare base64',
			],
			[
				'image gif',
				{
					model: 'kirin_v2_master_i2v',
					image: Buffer.from('GIF89a-----------------').toString('base64'),
				},
				'image: not a PNG or JPEG',
			],
			[
				'image 299 px',
				{ model: 'kirin_v2_master_i2v', image: png(299, 600).toString('base64') },
				'image: width and height must be at least 300px',
			],
			[
				'image 3:1',
				{ model: 'kirin_v2_master_i2v', image: jpeg(900, 300).toString('base64') },
				'image: aspect ratio must be between 1:2.5 and 2.5:1',
			],
			[
				'image 1:3',
				{ model: 'kirin_v2_master_i2v', image: png(300, 900).toString('base64') },
				'image: aspect ratio',
			],
			[
				'image 10 MiB',
				{
					model: 'kirin_v2_master_i2v',
					image: Buffer.concat([png(800, 600), Buffer.alloc(10 * 1024 * 1024)]).toString('base64'),
				},
				'image: file size must be less than 10MB',
			],
		])('rejects %s with 400 invalid_parameter', async (_name, body, message) => {
			const res = await create(fake, body);
			expect(res.status).toBe(400);
			expect(res.json.error.code).toBe('invalid_parameter');
			expect(res.json.error.message).toContain(message);
			expect(fake.ledger.creates()).toHaveLength(0);
		});

		it('rejects a body that is not JSON', async () => {
			const res = await fetch(`${fake.url}/v1/videos/generations`, {
				method: 'POST',
				headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
				body: '{"model":',
			});
			expect(res.status).toBe(400);
			expect(((await res.json()) as { error: { code: string } }).error.code).toBe('invalid_json');
		});

		it.each<[string, Record<string, unknown>]>([
			[
				'every v1 option',
				{
					...MINIMAL.kirin_v1_t2v,
					duration: '5',
					aspect_ratio: '9:16',
					negative_prompt: 'blur',
					cfg_scale: 0,
					mode: 'std',
					camera_control: SIMPLE_CAMERA,
					watermark_info: { enabled: false },
				},
			],
			[
				'camera_control with defaults for mode and duration',
				{ ...MINIMAL.kirin_v1_t2v, camera_control: { type: 'down_back' } },
			],
			[
				'camera_control negative value',
				{
					...MINIMAL.kirin_v1_t2v,
					camera_control: {
						type: 'simple',
						config: { ...SIMPLE_CAMERA.config, zoom: 0, roll: -10 },
					},
				},
			],
			[
				'cfg_scale 1 in pro for 10 s',
				{ ...MINIMAL.kirin_v1_t2v, cfg_scale: 1, mode: 'pro', duration: '10' },
			],
			['sound on in pro', { ...MINIMAL.kirin_v2_6_t2v, mode: 'pro', sound: 'on' }],
			['sound off in std', { ...MINIMAL.kirin_v2_6_t2v, sound: 'off' }],
			[
				'v2.1 master 10 s square',
				{ ...MINIMAL.kirin_v2_1_master_t2v, duration: '10', aspect_ratio: '1:1' },
			],
			[
				'image URL with prompt',
				{
					model: 'kirin_v2_master_i2v',
					image: 'https://example.com/cat.png',
					prompt: 'walks',
					duration: '10',
				},
			],
			[
				'JPEG image at 2.5:1',
				{ model: 'kirin_v2_master_i2v', image: jpeg(750, 300).toString('base64') },
			],
			['prompt of 2500 code points', { model: 'kirin_v2_6_t2v', prompt: '🦊'.repeat(2500) }],
			[
				'callback_url',
				{ ...MINIMAL.kirin_v2_5_turbo_t2v, callback_url: 'https://hooks.example/k?s=1' },
			],
		])('accepts %s', async (_name, body) => {
			const res = await create(fake, body);
			expect(res.json.error).toBeNull();
			expect(res.status).toBe(200);
		});
	});

	describe('task lifecycle', () => {
		it('goes pending → processing → completed and serves a video whose sha256 matches the helper', async () => {
			fake.setGenerationMs(200);
			const created = await create(fake, { ...MINIMAL.kirin_v2_6_t2v, external_task_id: 'life-1' });
			expect(created.json.status).toBe('pending');
			const taskId: string = created.json.task_id;
			const processing = await waitForStatus(fake, taskId, 'processing');
			expect(processing.output).toBeUndefined();
			const done = await waitForStatus(fake, taskId, 'completed');
			expect(done).toMatchObject({
				task_id: taskId,
				external_task_id: 'life-1',
				model: 'kirin_v2_6_t2v',
				usage: { cost: '0.35', discount: 0 },
				error: null,
				metadata: {},
			});
			expect(Date.parse(done.updated_at) - Date.parse(done.created_at)).toBe(200);
			const url = done.output![0].content[0].url;
			expect(done.output![0].content).toEqual([
				{ type: 'video', url: `${fake.url}/files/${taskId}.mp4` },
			]);

			const file = await fetch(url);
			expect(file.status).toBe(200);
			expect(file.headers.get('content-type')).toBe('video/mp4');
			expect(file.headers.get('content-length')).toBe(String(64 * 1024));
			const bytes = Buffer.from(await file.arrayBuffer());
			expect(bytes.length).toBe(64 * 1024);
			expect(bytes.subarray(4, 8).toString('latin1')).toBe('ftyp');
			expect(sha256Hex(bytes)).toBe(expectedVideoSha256(taskId, 0, 64 * 1024));
			expect(fake.ledger.statusPolls(taskId)).toBeGreaterThanOrEqual(2);
			expect(fake.ledger.downloads(taskId)).toHaveLength(1);
		});

		it('honours [videos:N], [size:N] and prices pro / 10 s higher', async () => {
			const created = await create(fake, {
				...MINIMAL.kirin_v2_5_turbo_t2v,
				mode: 'pro',
				duration: '10',
				prompt: 'fox [videos:3] [size:200KB]',
			});
			const done = await waitForStatus(fake, created.json.task_id, 'completed');
			const urls = done.output![0].content.map((c) => c.url);
			expect(urls).toHaveLength(3);
			expect(done.usage!.cost).toBe('4.20');
			const third = await fetch(urls[2]);
			const bytes = Buffer.from(await third.arrayBuffer());
			expect(bytes.length).toBe(200_000);
			expect(sha256Hex(bytes)).toBe(expectedVideoSha256(done.task_id, 2, 200_000));
			expect(expectedVideoSha256(done.task_id, 1, 200_000)).not.toBe(
				expectedVideoSha256(done.task_id, 2, 200_000),
			);
			expect((await fetch(`${fake.url}/files/${done.task_id}_3.mp4`)).status).toBe(404);
		});

		it('serves no file before completion and no file for unknown tasks', async () => {
			const created = await create(fake, { ...MINIMAL.kirin_v1_t2v, prompt: 'fox [ms:5000]' });
			expect((await fetch(`${fake.url}/files/${created.json.task_id}.mp4`)).status).toBe(404);
			expect((await fetch(`${fake.url}/files/tsk_nope.mp4`)).status).toBe(404);
		});

		it.each(['095', '096', '097', '098', '099'])(
			'fails with the page code for [fail:%s]',
			async (kind) => {
				const created = await create(fake, {
					...MINIMAL.kirin_v2_6_t2v,
					prompt: `fox [fail:${kind}]`,
				});
				const failed = await waitForStatus(fake, created.json.task_id, 'failed');
				expect(failed.error).toEqual({
					code: `002014${kind}`,
					error_message: {
						'095': 'Internal generation error',
						'096': 'Result parsing error',
						'097': 'HTTP error response',
						'098': 'Status check error',
						'099': 'Task creation error',
					}[kind],
				});
				expect(failed.output).toBeUndefined();
				expect(failed.usage).toBeUndefined();
			},
		);

		it("uses each model's own error prefix", async () => {
			const prefixes: Record<string, string> = {
				kirin_v1_t2v: '002001',
				kirin_v2_1_master_t2v: '002008',
				kirin_v2_5_turbo_t2v: '002011',
				kirin_v2_6_t2v: '002014',
				kirin_v2_master_i2v: '002015',
			};
			for (const [model, prefix] of Object.entries(prefixes)) {
				const created = await create(fake, { ...MINIMAL[model], prompt: 'x [fail]' });
				expect((await waitForStatus(fake, created.json.task_id, 'failed')).error!.code).toBe(
					`${prefix}095`,
				);
			}
		});

		it('keeps a [never] task processing', async () => {
			const created = await create(fake, { ...MINIMAL.kirin_v1_t2v, prompt: 'fox [never]' });
			// Past the time in which any other task would have finished.
			const task = fake.tasks.get(created.json.task_id)!;
			await waitFor(() => Date.now() - task.createdAtMs > task.generationMs);
			expect((await api(fake, 'GET', `/v1/tasks/${created.json.task_id}`)).json.status).toBe(
				'processing',
			);
		});

		it('completes at once with generationMs 0', async () => {
			fake.setGenerationMs(0);
			const created = await create(fake, MINIMAL.kirin_v1_t2v);
			expect(created.json.status).toBe('pending');
			expect((await api(fake, 'GET', `/v1/tasks/${created.json.task_id}`)).json.status).toBe(
				'completed',
			);
		});
	});

	describe('task look-ups and idempotency', () => {
		it('answers 409 with the existing task_id for a reused external_task_id, and finds tasks by it', async () => {
			const first = await create(fake, {
				...MINIMAL.kirin_v1_t2v,
				external_task_id: 'campaign/42 item 7',
			});
			const second = await create(fake, {
				...MINIMAL.kirin_v2_6_t2v,
				external_task_id: 'campaign/42 item 7',
			});
			expect(second.status).toBe(409);
			expect(second.json.error).toMatchObject({ code: 'conflict', task_id: first.json.task_id });
			const found = await api(
				fake,
				'GET',
				`/v1/tasks?external_task_id=${encodeURIComponent('campaign/42 item 7')}`,
			);
			expect(found.status).toBe(200);
			expect(found.json.task_id).toBe(first.json.task_id);
			expect(fake.ledger.createsByExternalId()).toEqual({ 'campaign/42 item 7': 1 });
			expect(fake.ledger.createAttempts()).toHaveLength(2);
			expect(fake.ledger.statusPolls(first.json.task_id)).toBe(1);
		});

		it('answers 404 for unknown ids and unknown external ids', async () => {
			const byId = await api(fake, 'GET', '/v1/tasks/tsk_missing');
			expect(byId.status).toBe(404);
			expect(byId.json.error.code).toBe('not_found');
			expect((await api(fake, 'GET', '/v1/tasks?external_task_id=nope')).status).toBe(404);
		});
	});

	describe('faults', () => {
		it('rate limits with Retry-After in seconds or as an HTTP date, then recovers', async () => {
			fake.setFaults({ rateLimit: { count: 1, retryAfterSeconds: 2 } });
			const limited = await create(fake, MINIMAL.kirin_v1_t2v);
			expect(limited.status).toBe(429);
			expect(limited.headers.get('retry-after')).toBe('2');
			expect(limited.json.error.code).toBe('rate_limited');
			expect((await create(fake, MINIMAL.kirin_v1_t2v)).status).toBe(200);

			const date = new Date(Date.now() + 3000);
			fake.setFaults({ rateLimit: { count: 1, retryAfterDate: date, on: 'poll' } });
			expect((await create(fake, MINIMAL.kirin_v1_t2v)).status).toBe(200); // not a poll
			const polled = await api(fake, 'GET', '/v1/tasks/tsk_any');
			expect(polled.status).toBe(429);
			expect(polled.headers.get('retry-after')).toBe(date.toUTCString());
			expect(fake.ledger.entries.map((e) => e.status)).toEqual([429, 200, 200, 429]);
		});

		it('answers server errors only on the targeted requests', async () => {
			fake.setFaults({ serverErrors: { count: 2, status: 503, on: 'poll' } });
			const created = await create(fake, MINIMAL.kirin_v1_t2v);
			expect(created.status).toBe(200);
			expect((await api(fake, 'GET', `/v1/tasks/${created.json.task_id}`)).status).toBe(503);
			expect((await api(fake, 'GET', `/v1/tasks/${created.json.task_id}`)).status).toBe(503);
			expect((await api(fake, 'GET', `/v1/tasks/${created.json.task_id}`)).status).toBe(200);
			expect(fake.activeFaults().serverErrors?.count).toBe(0);
		});

		it('resets after create: the response is lost but the task exists, and a retry gets 409', async () => {
			fake.setFaults({ resetAfterCreate: 1 });
			await expect(
				create(fake, { ...MINIMAL.kirin_v1_t2v, external_task_id: 'lost-1' }),
			).rejects.toThrow();
			const creates = fake.ledger.creates();
			expect(creates).toHaveLength(1);
			expect(creates[0]).toMatchObject({ status: 0, fault: 'resetAfterCreate' });
			const taskId = creates[0].createdTaskId!;
			expect(fake.tasks.get(taskId)?.externalTaskId).toBe('lost-1');
			const retry = await create(fake, { ...MINIMAL.kirin_v1_t2v, external_task_id: 'lost-1' });
			expect(retry.status).toBe(409);
			expect(retry.json.error.task_id).toBe(taskId);
		});

		it('resets before create without creating anything', async () => {
			fake.setFaults({ resetBeforeCreate: 1 });
			const before = fake.tasks.size;
			await expect(create(fake, MINIMAL.kirin_v1_t2v)).rejects.toThrow();
			expect(fake.tasks.size).toBe(before);
			expect(fake.ledger.createAttempts()[0]).toMatchObject({
				status: 0,
				fault: 'resetBeforeCreate',
			});
		});

		it('sends truncated JSON and slow answers (the create still happens)', async () => {
			fake.setFaults({ malformedJson: { count: 1, on: 'create' } });
			const broken = await create(fake, MINIMAL.kirin_v1_t2v);
			expect(broken.status).toBe(200);
			expect(broken.json).toBeUndefined();
			expect(broken.text.startsWith('{"task_id":"tsk_')).toBe(true);
			expect(fake.ledger.creates()).toHaveLength(1);

			fake.setFaults({ slow: { count: 1, delayMs: 150 } });
			const started = Date.now();
			const slow = await create(fake, MINIMAL.kirin_v1_t2v);
			expect(Date.now() - started).toBeGreaterThanOrEqual(140);
			expect(slow.status).toBe(200);
			expect(fake.ledger.creates()).toHaveLength(2);
		});

		it('fails downloads with 500 or a reset midway', async () => {
			const created = await create(fake, MINIMAL.kirin_v1_t2v);
			const done = await waitForStatus(fake, created.json.task_id, 'completed');
			const url = done.output![0].content[0].url;
			fake.setFaults({ downloadFail: 1 });
			expect((await fetch(url)).status).toBe(500);
			fake.setFaults({ downloadFail: { count: 1, mode: 'reset' } });
			await expect(fetch(url).then((r) => r.arrayBuffer())).rejects.toThrow();
			const ok = Buffer.from(await (await fetch(url)).arrayBuffer());
			expect(sha256Hex(ok)).toBe(expectedVideoSha256(done.task_id, 0, ok.length));
			expect(fake.ledger.downloads(done.task_id).map((e) => e.fault)).toEqual([
				'downloadFail',
				'downloadFail',
				undefined,
			]);
		});
	});

	describe('callbacks', () => {
		it('POSTs the Task at every status change, in order by default', async () => {
			const receiver = await startReceiver();
			try {
				const created = await create(fake, {
					...MINIMAL.kirin_v2_6_t2v,
					callback_url: receiver.url,
				});
				await waitFor(() => (receiver.received.length >= 3 ? true : undefined));
				expect(receiver.received.map((t) => t.status)).toEqual([
					'pending',
					'processing',
					'completed',
				]);
				expect(receiver.received.every((t) => t.task_id === created.json.task_id)).toBe(true);
				expect(receiver.received[2].output![0].content[0].url).toContain(created.json.task_id);
				expect(receiver.contentTypes[0]).toBe('application/json');
				await waitFor(() =>
					fake.ledger.callbacks(created.json.task_id).length >= 3 ? true : undefined,
				);
				expect(fake.ledger.callbacks(created.json.task_id).map((c) => c.httpStatus)).toEqual([
					200, 200, 200,
				]);
			} finally {
				await receiver.close();
			}
		});

		it('retries a failed delivery and records every attempt', async () => {
			const receiver = await startReceiver([500, 502]);
			try {
				const created = await create(fake, {
					...MINIMAL.kirin_v1_t2v,
					prompt: 'x [fail:099]',
					callback_url: receiver.url,
				});
				await waitFor(() => (receiver.received.length >= 3 ? true : undefined));
				expect(receiver.received.map((t) => t.status)).toEqual(['pending', 'processing', 'failed']);
				expect(receiver.received[2].error!.code).toBe('002001099');
				// The ledger records an attempt once its answer is in, just after the receiver saw it.
				const attempts = await waitFor(() => {
					const all = fake.ledger.callbacks(created.json.task_id);
					return all.length >= 5 ? all : undefined;
				});
				expect(attempts.map((c) => [c.taskStatus, c.attempt, c.httpStatus])).toEqual([
					['pending', 1, 500],
					['pending', 2, 502],
					['pending', 3, 200],
					['processing', 1, 200],
					['failed', 1, 200],
				]);
			} finally {
				await receiver.close();
			}
		});

		it('delivers duplicates and, reversed, newest first', async () => {
			const other = await startFakeKirin({ generationMs: 20, duplicateCallbacks: true });
			const receiver = await startReceiver();
			try {
				await create(other, { ...MINIMAL.kirin_v1_t2v, callback_url: receiver.url });
				await waitFor(() => (receiver.received.length >= 6 ? true : undefined));
				expect(receiver.received.map((t) => t.status)).toEqual([
					'pending',
					'pending',
					'processing',
					'processing',
					'completed',
					'completed',
				]);
				await waitFor(() => (other.ledger.callbacks().length >= 6 ? true : undefined));
				expect(other.ledger.callbacks().map((c) => c.copy)).toEqual([1, 2, 1, 2, 1, 2]);

				receiver.received.length = 0;
				other.setCallbackOptions({ duplicateCallbacks: false, reverseCallbacks: true });
				await create(other, { ...MINIMAL.kirin_v1_t2v, callback_url: receiver.url });
				await waitFor(() => (receiver.received.length >= 3 ? true : undefined));
				expect(receiver.received.map((t) => t.status)).toEqual([
					'completed',
					'processing',
					'pending',
				]);
			} finally {
				await receiver.close();
				await other.close();
			}
		});

		it('delivers every status when shuffled', async () => {
			const other = await startFakeKirin({ generationMs: 0, shuffleCallbacks: 30, seed: 7 });
			const receiver = await startReceiver();
			try {
				await create(other, { ...MINIMAL.kirin_v1_t2v, callback_url: receiver.url });
				await waitFor(() => (receiver.received.length >= 3 ? true : undefined));
				expect(receiver.received.map((t) => t.status).sort()).toEqual([
					'completed',
					'pending',
					'processing',
				]);
			} finally {
				await receiver.close();
				await other.close();
			}
		});
	});

	it('stops listening on close()', async () => {
		const other = await startFakeKirin();
		await other.close();
		await expect(fetch(`${other.url}/v1/tasks/x`)).rejects.toThrow();
	});
});

describe('prompt magic parsing', () => {
	it('reads every magic word', () => {
		expect(parsePromptMagic('a [fail:097] b [videos:3] [size:50MB] [ms:10]')).toEqual({
			fail: '097',
			never: false,
			videos: 3,
			sizeBytes: 50_000_000,
			generationMs: 10,
		});
		expect(parsePromptMagic('[NEVER]')).toEqual({ never: true });
		expect(parsePromptMagic(undefined)).toEqual({ never: false });
		expect(parsePromptMagic('[videos:99]').videos).toBe(10);
	});

	it('parses byte sizes', () => {
		expect(parseByteSize('200KB')).toBe(200_000);
		expect(parseByteSize('2KiB')).toBe(2048);
		expect(parseByteSize('1.5 MiB')).toBe(1_572_864);
		expect(parseByteSize('123')).toBe(123);
		expect(parseByteSize('lots')).toBeUndefined();
	});
});
