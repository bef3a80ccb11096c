/**
 * One row per video, model per row: a sheet-like batch of 12 rows in one execution, every Kirin
 * parameter mapped from the row by an expression (Model too), as marketing teams map a Google
 * Sheets row into one node. The rows mix all five models, both modes, both durations, sound on and
 * off, images by URL and by binary file, and the types sheets deliver (5 and "5", "Professional" and
 * "PRO", "on" and false, "0.8" and 0.2).
 *
 * The fake Kirin server rejects (400) any parameter a model's page does not list, and every body is
 * compared with the one its model's page defines, written here from the pages (seeds), not from the
 * node's catalog. Three bad rows fail alone, naming the row, the field and the allowed values.
 */
import type { IDataObject } from 'n8n-workflow';

import { useFakeKirin } from './harness/fake-api';
import { makePng } from './fixtures/images';
import { outputOf } from './harness/harness';
import { N8nWebhookServer } from './harness/webhooks';
import {
	generateParameters,
	kirinCredentials,
	kirinWorkflow,
	runGenerate,
	type TestItem,
} from './harness/workflows';

const PNG = makePng(1280, 720);

const server = useFakeKirin({ generationMs: 40 });

/** The Kirin node's parameters: every field mapped from the row's column of the same meaning. */
const MAPPED: IDataObject = {
	model: '={{ $json.model }}',
	prompt: '={{ $json.prompt }}',
	negativePrompt: '={{ $json.negative }}',
	imageSource: '={{ $json.image_source }}',
	imageUrl: '={{ $json.image_url }}',
	duration: '={{ $json.duration }}',
	aspectRatio: '={{ $json.ratio }}',
	mode: '={{ $json.mode }}',
	sound: '={{ $json.sound }}',
	cfgScale: '={{ $json.cfg }}',
	cameraControlType: '={{ $json.camera }}',
	cameraAxis: '={{ $json.camera_axis }}',
	cameraValue: '={{ $json.camera_amount }}',
	watermark: '={{ $json.watermark }}',
};

/** A sheet row: every column present (blank cells are empty strings, as sheets deliver them). */
function row(cells: IDataObject, binary?: Buffer): TestItem {
	const json: IDataObject = {
		model: '',
		prompt: '',
		negative: '',
		image_source: '',
		image_url: '',
		duration: '',
		ratio: '',
		mode: '',
		sound: '',
		cfg: '',
		camera: '',
		camera_axis: '',
		camera_amount: '',
		watermark: '',
		...cells,
	};
	if (!binary) return { json };
	return {
		json,
		binary: {
			data: { data: binary.toString('base64'), fileName: 'shoe.png', mimeType: 'image/png' },
		},
	};
}

/**
 * The rows, each with the body its model's page defines for it (without `external_task_id`), the
 * fields the row set that its model does not take, or the error it must fail with.
 */
const SHEET: Array<{
	row: TestItem;
	body?: IDataObject;
	notSent?: string[];
	error?: RegExp;
}> = [
	{
		// kirin_v2_6_t2v.txt: sound needs mode pro; sound is sent as "on"/"off".
		row: row({
			model: 'kirin_v2_6_t2v',
			prompt: 'row 0: a trail shoe splashing through a stream',
			mode: 'pro',
			duration: 10,
			ratio: '9:16',
			sound: 'on',
			watermark: 'true',
		}),
		body: {
			model: 'kirin_v2_6_t2v',
			prompt: 'row 0: a trail shoe splashing through a stream',
			mode: 'pro',
			duration: '10',
			aspect_ratio: '9:16',
			sound: 'on',
			watermark_info: { enabled: true },
		},
	},
	{
		row: row({
			model: 'kirin_v2_6_t2v',
			prompt: 'row 1: a ceramic mug, steam rising',
			mode: 'Professional',
			duration: '5',
			ratio: '1:1',
			sound: false,
		}),
		body: {
			model: 'kirin_v2_6_t2v',
			prompt: 'row 1: a ceramic mug, steam rising',
			mode: 'pro',
			duration: '5',
			aspect_ratio: '1:1',
			sound: 'off',
			watermark_info: { enabled: false },
		},
	},
	{
		// kirin_v2_5_turbo_t2v.txt: negative_prompt, mode, duration, aspect_ratio; no sound.
		row: row({
			model: 'kirin_v2_5_turbo_t2v',
			prompt: 'row 2: a backpack on a summit',
			negative: 'blurry, text',
			mode: 'PRO',
			duration: '10',
			ratio: '16:9',
		}),
		body: {
			model: 'kirin_v2_5_turbo_t2v',
			prompt: 'row 2: a backpack on a summit',
			negative_prompt: 'blurry, text',
			mode: 'pro',
			duration: '10',
			aspect_ratio: '16:9',
			watermark_info: { enabled: false },
		},
	},
	{
		// Blank cells take the page's defaults: 5 seconds, 16:9, std.
		row: row({ model: 'kirin_v2_5_turbo_t2v', prompt: 'row 3: sneakers on a shelf' }),
		body: {
			model: 'kirin_v2_5_turbo_t2v',
			prompt: 'row 3: sneakers on a shelf',
			mode: 'std',
			duration: '5',
			aspect_ratio: '16:9',
			watermark_info: { enabled: false },
		},
	},
	{
		// kirin_v2_1_master_t2v.txt: no mode and no image; duration has no default (not sent).
		row: row({
			model: 'kirin_v2_1_master_t2v',
			prompt: 'row 4: a city at night, rain',
			ratio: '9:16',
			mode: 'pro',
			image_source: 'url',
			image_url: 'https://cdn.example/unused.png',
		}),
		body: {
			model: 'kirin_v2_1_master_t2v',
			prompt: 'row 4: a city at night, rain',
			aspect_ratio: '9:16',
			watermark_info: { enabled: false },
		},
		notSent: ['Image URL', 'Mode'],
	},
	{
		// kirin_v2_master_i2v.txt: image (URL passed as it is), optional prompt, duration; no ratio.
		row: row({
			model: 'kirin_v2_master_i2v',
			prompt: 'row 5: the camera circles the product',
			image_source: 'url',
			image_url: 'https://cdn.example/product.png',
			duration: 10,
		}),
		body: {
			model: 'kirin_v2_master_i2v',
			prompt: 'row 5: the camera circles the product',
			image: 'https://cdn.example/product.png',
			duration: '10',
			watermark_info: { enabled: false },
		},
	},
	{
		// An image from the row's binary file, sent as bare Base64; the page has no aspect ratio, so
		// the row's ratio is left out and named (a value equal to a field's default cannot be told
		// from an unmapped field, so it is not named).
		row: row(
			{
				model: 'kirin_v2_master_i2v',
				prompt: 'row 6: the shoe turns slowly',
				image_source: 'binary',
				ratio: '9:16',
			},
			PNG,
		),
		body: {
			model: 'kirin_v2_master_i2v',
			prompt: 'row 6: the shoe turns slowly',
			image: PNG.toString('base64'),
			duration: '5',
			watermark_info: { enabled: false },
		},
		notSent: ['Aspect Ratio'],
	},
	{
		// kirin_v1_t2v.txt: cfg_scale 0..1, camera control in std mode for 5 seconds only.
		row: row({
			model: 'kirin_v1_t2v',
			prompt: 'row 7: a lighthouse at dawn',
			mode: 'std',
			duration: '5',
			cfg: '0.8',
			camera: 'simple',
			camera_axis: 'zoom',
			camera_amount: '5',
		}),
		body: {
			model: 'kirin_v1_t2v',
			prompt: 'row 7: a lighthouse at dawn',
			mode: 'std',
			duration: '5',
			aspect_ratio: '16:9',
			cfg_scale: 0.8,
			camera_control: {
				type: 'simple',
				config: { horizontal: 0, vertical: 0, pan: 0, tilt: 0, roll: 0, zoom: 5 },
			},
			watermark_info: { enabled: false },
		},
	},
	{
		// V1 has no sound parameter: the row's "on" is left out and named.
		row: row({
			model: 'kirin_v1_t2v',
			prompt: 'row 8: waves on black sand',
			mode: 'pro',
			duration: 10,
			ratio: '9:16',
			cfg: 0.2,
			sound: 'on',
		}),
		body: {
			model: 'kirin_v1_t2v',
			prompt: 'row 8: waves on black sand',
			mode: 'pro',
			duration: '10',
			aspect_ratio: '9:16',
			cfg_scale: 0.2,
			watermark_info: { enabled: false },
		},
		notSent: ['Sound'],
	},
	{
		row: row({
			model: 'kirin_v2_6_t2v',
			prompt: 'row 9: sound in standard mode',
			mode: 'std',
			sound: 'on',
		}),
		error: /Sound is only available in Professional mode; mode is Standard \[item 9\]/,
	},
	{
		row: row({ model: 'kirin_v1_t2v', prompt: 'row 10: seven seconds', duration: '7' }),
		error: /Duration must be one of 5, 10; got "7" \[item 10\]/,
	},
	{
		row: row({
			model: 'kirin_v2_master_i2v',
			image_source: 'url',
			image_url: 'product.png',
		}),
		error: /Image URL must be an http or https URL; got "product.png" \[item 11\]/,
	},
];

describe('one row per video, model per row (12 rows, every field mapped)', () => {
	it('sends each row the body its page defines, names what was left out, and fails only the bad rows', async () => {
		const { output, error } = await runGenerate(
			server(),
			MAPPED,
			SHEET.map((entry) => entry.row),
			{ continueOnFail: true },
		);
		expect(error).toBeUndefined();

		// The strict fake accepted every create, one per good row.
		const good = SHEET.filter((entry) => entry.body !== undefined);
		expect(server().ledger.createAttempts()).toHaveLength(good.length);
		const bodies = new Map(
			server()
				.ledger.creates()
				.map((entry) => {
					const { external_task_id: externalTaskId, ...body } = entry.body as IDataObject;
					expect(typeof externalTaskId).toBe('string');
					return [String(body.prompt), body];
				}),
		);
		expect(bodies.size).toBe(good.length);
		for (const entry of good) {
			expect(bodies.get(String(entry.body?.prompt))).toEqual(entry.body);
		}

		// One item per row, in order, paired to its row.
		expect(output).toHaveLength(SHEET.length);
		SHEET.forEach((entry, index) => {
			const item = output[index];
			expect(item.pairedItem).toEqual({ item: index });
			if (entry.error) {
				const failure = item.json.error as IDataObject;
				expect(failure.message).toMatch(entry.error);
				expect(failure.description).toContain('Nothing was sent to Kirin');
				return;
			}
			expect(item.json).toMatchObject({
				status: 'completed',
				model: entry.body?.model,
				videoUrl: expect.stringContaining('/files/'),
			});
			expect(item.json.fieldsNotSent).toEqual(entry.notSent);
		});
	});
});

describe('model per row with Completion "Wait for Callback"', () => {
	let n8n: N8nWebhookServer;
	beforeAll(async () => {
		n8n = await new N8nWebhookServer().start();
	});
	afterAll(async () => {
		await n8n.close();
	});

	it('the resumed items still name the fields their models do not take', async () => {
		const rows = [SHEET[4].row, SHEET[7].row, SHEET[8].row];
		const waiting = await n8n.runUntilWaiting(
			kirinWorkflow(generateParameters({ ...MAPPED, completion: 'callback' }), rows),
			kirinCredentials(server()),
		);
		const run = await waiting.finished();
		expect(run.status).toBe('success');
		const items = outputOf(run, 'Kirin');
		expect(items.map((item) => item.json.status)).toEqual(['completed', 'completed', 'completed']);
		expect(items.map((item) => item.json.fieldsNotSent)).toEqual([
			SHEET[4].notSent,
			undefined,
			SHEET[8].notSent,
		]);
	});
});
