/**
 * Generate Video rejects every input that breaks a rule of its model's page before anything is
 * paid for: a real n8n workflow run of the built node against the fake Kirin API, where the node
 * must fail with a NodeOperationError naming the field, the rule and the item, and no create
 * request may reach the server.
 *
 * Fields hidden by display options are dropped by n8n before the node runs (`getNodeParameters`),
 * so cross-field rules (camera control only in Standard / 5 s, sound only in Professional) are
 * reached through expressions: a display dependency holding an expression keeps its dependants shown.
 */
import type { IDataObject } from 'n8n-workflow';

import { startFakeKirin, type FakeKirin } from './fake-kirin/server';
import { makePng } from './fixtures/images';
import { imageItem, runGenerate, type TestItem } from './harness/workflows';

let fake: FakeKirin;

beforeAll(async () => {
	fake = await startFakeKirin({ generationMs: 50 });
});
afterAll(async () => {
	await fake.close();
});
beforeEach(() => {
	fake.ledger.reset();
});

/**
 * Runs the node and expects it to stop with a NodeOperationError whose message matches every
 * pattern and names the item, whose description names the field to fix, and no create request.
 */
async function expectRejected(
	parameters: IDataObject,
	items: TestItem[] | undefined,
	field: string,
	patterns: Array<string | RegExp>,
	itemIndex = 0,
) {
	const { error } = await runGenerate(fake, parameters, items);
	expect(error).toBeDefined();
	expect(error!.name).toBe('NodeOperationError');
	for (const pattern of patterns) expect(error!.message).toMatch(pattern);
	expect(error!.message).toContain(`[item ${itemIndex}]`);
	expect(String(error!.description)).toContain(`Fix the ${field} field`);
	expect(String(error!.description)).toContain(`item ${itemIndex}`);
	expect(fake.ledger.createAttempts()).toHaveLength(0);
	return error!;
}

const escape = (text: string) => new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));

describe('prompt', () => {
	it.each([
		['kirin_v2_6_t2v', 'Kirin V2.6 - Text to Video'],
		['kirin_v2_5_turbo_t2v', 'Kirin V2.5 Turbo - Text to Video'],
		['kirin_v2_1_master_t2v', 'Kirin V2.1 Master - Text to Video'],
		['kirin_v1_t2v', 'Kirin V1 - Text to Video'],
	])('%s: a prompt that resolves to nothing is rejected', async (model, name) => {
		await expectRejected({ model, prompt: '={{ $json.prompt }}' }, [{ json: {} }], 'Prompt', [
			escape(`Prompt is required for ${name}`),
			/2500/,
		]);
	});

	it('an empty Prompt field is refused by n8n itself before the run (required parameter)', async () => {
		await expect(runGenerate(fake, { model: 'kirin_v2_6_t2v', prompt: '' })).rejects.toThrow(
			/Parameter "Prompt" is required/,
		);
		expect(fake.ledger.entries).toHaveLength(0);
	});

	it('a prompt of only spaces counts as missing', async () => {
		await expectRejected({ model: 'kirin_v2_6_t2v', prompt: '   \n ' }, undefined, 'Prompt', [
			/Prompt is required/,
		]);
	});

	it('a prompt over 2500 characters is rejected', async () => {
		await expectRejected(
			{ model: 'kirin_v2_6_t2v', prompt: 'x'.repeat(2501) },
			undefined,
			'Prompt',
			[/Prompt is 2501 characters long; the limit is 2500/],
		);
	});

	it('the optional prompt of image to video is also limited to 2500 characters', async () => {
		await expectRejected(
			{
				model: 'kirin_v2_master_i2v',
				imageSource: 'url',
				imageUrl: 'https://cdn.example.com/a.png',
				prompt: 'y'.repeat(2501),
			},
			undefined,
			'Prompt',
			[/Prompt is 2501 characters long/],
		);
	});

	it('counts characters, not UTF-16 units: 2500 emoji are accepted', async () => {
		const prompt = '🦊'.repeat(2500);
		expect(prompt.length).toBe(5000);
		const { error } = await runGenerate(fake, { model: 'kirin_v2_6_t2v', prompt });
		expect(error).toBeUndefined();
		expect((fake.ledger.creates()[0].body as IDataObject).prompt).toBe(prompt);
	});
});

describe('negative prompt, CFG scale, options', () => {
	it('a negative prompt over 2500 characters is rejected', async () => {
		await expectRejected(
			{ model: 'kirin_v2_5_turbo_t2v', prompt: 'fox', negativePrompt: 'n'.repeat(2501) },
			undefined,
			'Negative Prompt',
			[/Negative Prompt is 2501 characters long; the limit is 2500/],
		);
	});

	it.each([1.01, -0.1, 5])('CFG scale %s (outside 0-1) is rejected', async (cfgScale) => {
		await expectRejected(
			{ model: 'kirin_v1_t2v', prompt: 'fox', cfgScale },
			undefined,
			'CFG Scale',
			[escape(`CFG Scale must be between 0 and 1; got ${cfgScale}`)],
		);
	});

	it('a CFG scale that is no number (from an expression) is rejected', async () => {
		await expectRejected(
			{ model: 'kirin_v1_t2v', prompt: 'fox', cfgScale: "={{ 'high' }}" },
			undefined,
			'CFG Scale',
			[/CFG Scale must be a number; got "high"/],
		);
	});

	it.each([
		['duration', "={{ '7' }}", 'Duration', /Duration must be one of 5, 10; got "7"/],
		[
			'aspectRatio',
			"={{ '4:3' }}",
			'Aspect Ratio',
			/Aspect Ratio must be one of 16:9, 9:16, 1:1; got "4:3"/,
		],
		['mode', "={{ 'turbo' }}", 'Mode', /Mode must be one of std, pro; got "turbo"/],
		['watermark', "={{ 'maybe' }}", 'Watermark', /Watermark must be true or false/],
	])(
		"%s from an expression outside the page's options is rejected",
		async (name, value, field, pattern) => {
			await expectRejected(
				{ model: 'kirin_v2_5_turbo_t2v', prompt: 'fox', [name]: value },
				undefined,
				field,
				[pattern],
			);
		},
	);

	it('a duration from an expression per item names the bad item', async () => {
		await expectRejected(
			{ model: 'kirin_v2_6_t2v', prompt: 'fox', duration: '={{ $json.seconds }}' },
			[{ json: { seconds: '5' } }, { json: { seconds: '10' } }, { json: { seconds: '15' } }],
			'Duration',
			[/got "15"/],
			2,
		);
	});

	it('a callback URL that is not http(s) is rejected', async () => {
		await expectRejected(
			{
				model: 'kirin_v2_6_t2v',
				prompt: 'fox',
				options: { callbackUrl: 'ftp://hooks.example.com/x' },
			},
			undefined,
			'Callback URL',
			[/Callback URL must be an http or https URL/],
		);
	});

	it('a malformed http(s) callback URL is rejected naming the field', async () => {
		await expectRejected(
			{ model: 'kirin_v2_6_t2v', prompt: 'fox', options: { callbackUrl: 'https://[oops]/hook' } },
			undefined,
			'Callback URL',
			[/Callback URL must be an http or https URL/],
		);
	});
});

describe('camera control (kirin_v1_t2v)', () => {
	const base = {
		model: 'kirin_v1_t2v',
		prompt: 'fox',
		cameraControlType: 'simple',
		cameraAxis: 'zoom',
	};

	it.each([0, 11, -11, 10.5])('movement amount %s is rejected', async (cameraValue) => {
		await expectRejected({ ...base, cameraValue }, undefined, 'Camera Movement Amount', [
			escape(`Camera Movement Amount must be between -10 and 10 and not 0; got ${cameraValue}`),
		]);
	});

	it('camera control in Professional mode is rejected (mode from an expression keeps the camera fields)', async () => {
		await expectRejected(
			{ ...base, cameraValue: 5, mode: "={{ 'pro' }}" },
			undefined,
			'Camera Control',
			[
				/Camera Control needs Mode Standard and Duration 5 seconds; got mode pro and duration 5 seconds/,
			],
		);
	});

	it('camera control for 10 seconds is rejected (duration from an expression keeps the camera fields)', async () => {
		await expectRejected(
			{ ...base, cameraValue: 5, duration: "={{ '10' }}" },
			undefined,
			'Camera Control',
			[
				/Camera Control needs Mode Standard and Duration 5 seconds; got mode std and duration 10 seconds/,
			],
		);
	});

	it('a predefined camera movement is also limited to Standard and 5 seconds', async () => {
		await expectRejected(
			{
				model: 'kirin_v1_t2v',
				prompt: 'fox',
				cameraControlType: 'down_back',
				mode: "={{ 'pro' }}",
			},
			undefined,
			'Camera Control',
			[/Camera Control needs Mode Standard/],
		);
	});

	it('an unknown camera type from an expression is rejected', async () => {
		await expectRejected(
			{ model: 'kirin_v1_t2v', prompt: 'fox', cameraControlType: "={{ 'orbit' }}" },
			undefined,
			'Camera Control',
			[/Camera Control must be one of .*simple.*; got "orbit"/],
		);
	});

	it('camera settings left over after switching to Professional are hidden, so not sent (n8n drops hidden fields)', async () => {
		const { error } = await runGenerate(fake, { ...base, cameraValue: 5, mode: 'pro' });
		expect(error).toBeUndefined();
		const body = fake.ledger.creates()[0].body as IDataObject;
		expect(body.mode).toBe('pro');
		expect(body).not.toHaveProperty('camera_control');
	});
});

describe('sound (kirin_v2_6_t2v)', () => {
	it('sound in Standard mode is rejected (mode from an expression keeps the sound field)', async () => {
		await expectRejected(
			{ model: 'kirin_v2_6_t2v', prompt: 'fox', mode: "={{ 'std' }}", sound: true },
			undefined,
			'Sound',
			[/Sound is only available in Professional mode; mode is Standard/],
		);
	});

	it('sound left on after switching to Standard is hidden, so not sent', async () => {
		const { error } = await runGenerate(fake, {
			model: 'kirin_v2_6_t2v',
			prompt: 'fox',
			mode: 'std',
			sound: true,
		});
		expect(error).toBeUndefined();
		expect(fake.ledger.creates()[0].body).not.toHaveProperty('sound');
	});
});

describe('image (kirin_v2_master_i2v)', () => {
	const i2v = { model: 'kirin_v2_master_i2v', imageSource: 'binary' };

	it('an item without the binary field is rejected', async () => {
		await expectRejected(i2v, [{ json: { name: 'no file' } }], 'Input Binary Field', [
			/The input item has no binary field "data"/,
		]);
	});

	it('names the binary fields the item does have', async () => {
		const item: TestItem = {
			json: {},
			binary: { picture: { data: makePng(640, 480).toString('base64'), mimeType: 'image/png' } },
		};
		await expectRejected(i2v, [item], 'Input Binary Field', [
			/no binary field "data"; it has picture/,
		]);
	});

	it('an image URL that resolves to nothing is rejected as a missing image', async () => {
		await expectRejected(
			{ ...i2v, imageSource: 'url', imageUrl: '={{ $json.url }}' },
			[{ json: {} }],
			'Image',
			[/An image is required for Kirin V2 Master - Image to Video/],
		);
	});

	it('an image URL that is not http(s) is rejected', async () => {
		await expectRejected(
			{ ...i2v, imageSource: 'url', imageUrl: 'file:///etc/passwd' },
			undefined,
			'Image URL',
			[/Image URL must be an http or https URL/],
		);
	});

	it('a GIF named .png is rejected by its bytes', async () => {
		const gif = Buffer.concat([
			Buffer.from('GIF89a', 'ascii'),
			Buffer.from([0x20, 0x03, 0x58, 0x02, 0, 0, 0]),
			Buffer.alloc(64),
		]);
		await expectRejected(i2v, [imageItem(gif, 'photo.png', 'image/png')], 'Image', [
			/The image must be a JPG or PNG file/,
		]);
	});

	it('text that is not Base64 is rejected', async () => {
		await expectRejected(
			{ ...i2v, imageSource: 'base64', imageBase64: 'this is not base64!' },
			undefined,
			'Image Base64',
			[/Image Base64 is not valid Base64 data/],
		);
	});

	it('an image of 10 MB (10,000,000 bytes) or more is rejected', async () => {
		await expectRejected(i2v, [imageItem(makePng(800, 600, 10_000_000))], 'Image', [
			/The image is 10,000,000 bytes \(10\.0 MB\); it must be smaller than 10 MB/,
		]);
	});

	it.each([
		[299, 600],
		[600, 299],
	])('an image of %sx%s px (a side under 300) is rejected', async (width, height) => {
		await expectRejected(i2v, [imageItem(makePng(width, height))], 'Image', [
			escape(`The image is ${width}x${height} px; width and height must be at least 300 px`),
		]);
	});

	it('a Base64 image is checked too', async () => {
		await expectRejected(
			{ ...i2v, imageSource: 'base64', imageBase64: makePng(200, 200).toString('base64') },
			undefined,
			'Image',
			[/The image is 200x200 px/],
		);
	});

	it.each([
		[751, 300],
		[300, 751],
	])('an image of %sx%s px (aspect outside 1:2.5..2.5:1) is rejected', async (width, height) => {
		await expectRejected(i2v, [imageItem(makePng(width, height))], 'Image', [
			escape(
				`The image is ${width}x${height} px; its aspect ratio must be between 1:2.5 and 2.5:1`,
			),
		]);
	});

	it('an image of exactly 2.5:1 is accepted', async () => {
		const { error } = await runGenerate(fake, i2v, [imageItem(makePng(750, 300))]);
		expect(error).toBeUndefined();
		expect(fake.ledger.creates()).toHaveLength(1);
	});
});

describe('batches', () => {
	const items = [
		{ json: { prompt: 'fox one' } },
		{ json: { prompt: '' } },
		{ json: { prompt: 'fox three' } },
	];
	const parameters = { model: 'kirin_v2_6_t2v', prompt: '={{ $json.prompt }}' };

	it('without Continue On Fail, a bad item 1 of 3 stops the run before any task is created', async () => {
		await expectRejected(parameters, items, 'Prompt', [/Prompt is required/], 1);
		expect(fake.ledger.entries.filter((entry) => entry.kind === 'create')).toHaveLength(0);
	});

	it('with Continue On Fail, items 0 and 2 produce videos and item 1 an error item paired to it', async () => {
		const { output, error } = await runGenerate(fake, parameters, items, { continueOnFail: true });
		expect(error).toBeUndefined();
		expect(output).toHaveLength(3);
		expect(output.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		expect(output[0].json).toMatchObject({
			status: 'completed',
			videoUrl: expect.stringContaining('/files/'),
		});
		expect(output[2].json).toMatchObject({
			status: 'completed',
			videoUrl: expect.stringContaining('/files/'),
		});
		const failure = output[1].json.error as IDataObject;
		expect(failure.message).toMatch(/Prompt is required.*\[item 1\]/);
		expect(failure.description).toContain('Nothing was sent to Kirin');
		expect(fake.ledger.creates().map((entry) => (entry.body as IDataObject).prompt)).toEqual([
			'fox one',
			'fox three',
		]);
	});

	it('the same user external task id on two items is rejected before anything is created', async () => {
		await expectRejected(
			{ model: 'kirin_v2_6_t2v', prompt: 'fox', options: { externalTaskId: '={{ $json.id }}' } },
			[{ json: { id: 'job-a' } }, { json: { id: 'job-b' } }, { json: { id: 'job-a' } }],
			'External Task ID',
			[/External Task ID "job-a" is also used by item 0/],
			2,
		);
	});

	it('with Continue On Fail, only the item reusing an external task id fails', async () => {
		const { output } = await runGenerate(
			fake,
			{ model: 'kirin_v2_6_t2v', prompt: 'fox', options: { externalTaskId: '={{ $json.id }}' } },
			[{ json: { id: 'dup-a' } }, { json: { id: 'dup-a' } }],
			{ continueOnFail: true },
		);
		expect(output).toHaveLength(2);
		expect(output[0].json).toMatchObject({ status: 'completed', externalTaskId: 'dup-a' });
		expect(output[1]).toMatchObject({ pairedItem: { item: 1 } });
		expect((output[1].json.error as IDataObject).message).toMatch(/also used by item 0/);
		expect(fake.ledger.createAttempts()).toHaveLength(1);
	});
});
