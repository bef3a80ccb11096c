/**
 * The rules of the pages as `checkInput` applies them to one item, and the request body
 * `buildRequestBody` makes from its result. Limits come from the model pages: prompt 1-2500
 * characters, negative prompt 2500, CFG scale 0-1, camera control only in std / 5 s with one
 * non-zero movement in -10..10, sound only in pro, image JPG/PNG under 10 MB, sides >= 300 px,
 * aspect 1:2.5..2.5:1.
 */
import { BinaryImage, encodeBody, probeImage } from '../nodes/Kirin/catalog/binaryImage';
import { buildRequestBody } from '../nodes/Kirin/catalog/body';
import type { GenerateInput, ImageInput } from '../nodes/Kirin/catalog/input';
import { findModel, type KirinModel } from '../nodes/Kirin/catalog/models';
import { checkInput, InputRuleError } from '../nodes/Kirin/catalog/validate';
import { makeJpegHeader, makePng } from './fixtures/images';

function model(id: string): KirinModel {
	const found = findModel(id);
	if (!found) throw new Error(`no model ${id}`);
	return found;
}

function input(id: string, fields: Omit<GenerateInput, 'model'> = {}): GenerateInput {
	return { model: model(id), ...fields };
}

/** A binary file holding `bytes`, probed as planning probes it. */
async function binaryImage(bytes: Buffer): Promise<ImageInput> {
	const file = { property: 'data', chunks: async () => [bytes], read: async () => bytes };
	return { source: 'binary', image: new BinaryImage(file, await probeImage([bytes], 10_000_000)) };
}

/** Expects checkInput to throw an InputRuleError for `field` whose message matches `pattern`. */
function expectRule(value: GenerateInput, field: string, pattern: RegExp) {
	let thrown: unknown;
	try {
		checkInput(value);
	} catch (error) {
		thrown = error;
	}
	expect(thrown).toBeInstanceOf(InputRuleError);
	expect((thrown as InputRuleError).field).toBe(field);
	expect((thrown as InputRuleError).message).toMatch(pattern);
}

describe('prompt', () => {
	it('is required for text to video', () => {
		expectRule(
			input('kirin_v2_6_t2v'),
			'Prompt',
			/Prompt is required for Kirin V2.6 - Text to Video/,
		);
		expectRule(input('kirin_v1_t2v', { prompt: '' }), 'Prompt', /required/);
		expectRule(input('kirin_v1_t2v', { prompt: ' \t\n' }), 'Prompt', /required/);
	});

	it('is optional for image to video, and then not sent', () => {
		const checked = checkInput(
			input('kirin_v2_master_i2v', { image: { source: 'url', url: 'https://x.example/a.png' } }),
		);
		expect(checked.prompt).toBeUndefined();
		expect(buildRequestBody(checked, 'id-1', undefined)).not.toHaveProperty('prompt');
	});

	it('allows 2500 characters counted as code points and rejects 2501', () => {
		expect(checkInput(input('kirin_v2_6_t2v', { prompt: '🦊'.repeat(2500) })).prompt).toHaveLength(
			5000,
		);
		expect(checkInput(input('kirin_v2_6_t2v', { prompt: 'a'.repeat(2500) })).prompt).toHaveLength(
			2500,
		);
		expectRule(
			input('kirin_v2_6_t2v', { prompt: 'a'.repeat(2501) }),
			'Prompt',
			/2501 characters long; the limit is 2500/,
		);
		expectRule(
			input('kirin_v2_master_i2v', {
				prompt: '🦊'.repeat(2501),
				image: { source: 'url', url: 'https://x.example/a.png' },
			}),
			'Prompt',
			/2501/,
		);
	});

	it('turns a number from an expression into text', () => {
		expect(checkInput(input('kirin_v2_6_t2v', { prompt: 42 })).prompt).toBe('42');
	});

	it('rejects an object', () => {
		expectRule(
			input('kirin_v2_6_t2v', { prompt: { text: 'fox' } }),
			'Prompt',
			/Prompt must be text, got object/,
		);
	});
});

describe('negative prompt', () => {
	it('is limited to 2500 characters', () => {
		expect(
			checkInput(input('kirin_v2_5_turbo_t2v', { prompt: 'p', negativePrompt: 'n'.repeat(2500) }))
				.negativePrompt,
		).toHaveLength(2500);
		expectRule(
			input('kirin_v2_5_turbo_t2v', { prompt: 'p', negativePrompt: 'n'.repeat(2501) }),
			'Negative Prompt',
			/2501.*2500/,
		);
	});

	it('is dropped for a model whose page does not list it', () => {
		const checked = checkInput(
			input('kirin_v2_1_master_t2v', { prompt: 'p', negativePrompt: 'blur' }),
		);
		expect(checked.negativePrompt).toBeUndefined();
	});
});

describe('choices', () => {
	it("accept the page's options and normalise numbers from expressions to strings", () => {
		const checked = checkInput(
			input('kirin_v2_5_turbo_t2v', { prompt: 'p', duration: 10, aspectRatio: '1:1', mode: 'pro' }),
		);
		expect(checked).toMatchObject({ duration: '10', aspectRatio: '1:1', mode: 'pro' });
	});

	it.each<[string, keyof GenerateInput, unknown, string]>([
		['kirin_v2_6_t2v', 'duration', '7', 'Duration'],
		['kirin_v2_6_t2v', 'duration', 5.5, 'Duration'],
		['kirin_v2_6_t2v', 'aspectRatio', '4:3', 'Aspect Ratio'],
		['kirin_v2_5_turbo_t2v', 'mode', 'turbo', 'Mode'],
		['kirin_v2_5_turbo_t2v', 'mode', 'Pro Max', 'Mode'],
		['kirin_v2_1_master_t2v', 'duration', '15', 'Duration'],
	])('%s rejects %s %p', (id, key, value, field) => {
		expectRule(
			input(id, { prompt: 'p', [key]: value }),
			field,
			new RegExp(`${field} must be one of`),
		);
	});

	it('drops parameters the page does not list, so they are never sent', () => {
		const checked = checkInput(
			input('kirin_v2_master_i2v', {
				image: { source: 'url', url: 'https://x.example/a.png' },
				aspectRatio: '16:9',
				mode: 'pro',
				sound: true,
				cfgScale: 0.5,
				cameraControl: { type: 'simple', axis: 'zoom', value: 5 },
			}),
		);
		const body = buildRequestBody(checked, 'ext-1', undefined);
		// Only the page's own parameters, unset ones with the page's defaults (5 s, no watermark).
		expect(body).toEqual({
			model: 'kirin_v2_master_i2v',
			image: 'https://x.example/a.png',
			duration: '5',
			watermark_info: { enabled: false },
			external_task_id: 'ext-1',
		});
	});
});

describe('CFG scale (kirin_v1_t2v)', () => {
	it.each([0, 0.5, 1, '0.25'])('accepts %p', (cfgScale) => {
		expect(checkInput(input('kirin_v1_t2v', { prompt: 'p', cfgScale })).cfgScale).toBe(
			Number(cfgScale),
		);
	});

	it.each([-0.01, 1.01, 10])('rejects %p', (cfgScale) => {
		expectRule(input('kirin_v1_t2v', { prompt: 'p', cfgScale }), 'CFG Scale', /between 0 and 1/);
	});

	it('rejects text that is no number', () => {
		expectRule(
			input('kirin_v1_t2v', { prompt: 'p', cfgScale: 'high' }),
			'CFG Scale',
			/must be a number/,
		);
	});

	it('is sent as a number, 0 included', () => {
		const body = buildRequestBody(
			checkInput(input('kirin_v1_t2v', { prompt: 'p', cfgScale: 0 })),
			'e',
			undefined,
		);
		expect(body.cfg_scale).toBe(0);
	});
});

describe('camera control (kirin_v1_t2v)', () => {
	const simple = (value: unknown, axis: unknown = 'zoom') => ({ type: 'simple', axis, value });

	it('with the page defaults (std, 5 s) builds one non-zero axis and five zeros', () => {
		const checked = checkInput(
			input('kirin_v1_t2v', { prompt: 'p', cameraControl: simple(-10, 'roll') }),
		);
		expect(checked.cameraControl).toEqual({
			type: 'simple',
			config: { horizontal: 0, vertical: 0, pan: 0, tilt: 0, roll: -10, zoom: 0 },
		});
		expect(buildRequestBody(checked, 'e', undefined).camera_control).toEqual(checked.cameraControl);
	});

	it.each([10, -10, 0.5, '3'])('accepts the amount %p', (value) => {
		expect(
			checkInput(input('kirin_v1_t2v', { prompt: 'p', cameraControl: simple(value) })).cameraControl
				?.config?.zoom,
		).toBe(Number(value));
	});

	it.each([0, 11, -10.5, undefined])('rejects the amount %p', (value) => {
		expectRule(
			input('kirin_v1_t2v', { prompt: 'p', cameraControl: simple(value) }),
			'Camera Movement Amount',
			/between -10 and 10 and not 0/,
		);
	});

	it('rejects an amount that is no number', () => {
		expectRule(
			input('kirin_v1_t2v', { prompt: 'p', cameraControl: simple('far') }),
			'Camera Movement Amount',
			/must be a number; got "far"/,
		);
	});

	it('rejects an unknown axis or none at all', () => {
		expectRule(
			input('kirin_v1_t2v', { prompt: 'p', cameraControl: simple(5, 'dolly') }),
			'Camera Movement',
			/must be one of/,
		);
		expectRule(
			input('kirin_v1_t2v', { prompt: 'p', cameraControl: { type: 'simple', value: 5 } }),
			'Camera Movement',
			/required/,
		);
	});

	it('sends a predefined movement without config', () => {
		for (const type of ['down_back', 'forward_up', 'right_turn_forward', 'left_turn_forward']) {
			expect(
				checkInput(input('kirin_v1_t2v', { prompt: 'p', cameraControl: { type } })).cameraControl,
			).toEqual({ type });
		}
	});

	it('sends nothing for "none"', () => {
		expect(
			checkInput(input('kirin_v1_t2v', { prompt: 'p', cameraControl: { type: 'none' } }))
				.cameraControl,
		).toBeUndefined();
	});

	it('is only allowed in Standard mode for 5 seconds', () => {
		expectRule(
			input('kirin_v1_t2v', { prompt: 'p', mode: 'pro', cameraControl: simple(5) }),
			'Camera Control',
			/got mode pro and duration 5/,
		);
		expectRule(
			input('kirin_v1_t2v', { prompt: 'p', duration: '10', cameraControl: simple(5) }),
			'Camera Control',
			/got mode std and duration 10/,
		);
		expectRule(
			input('kirin_v1_t2v', { prompt: 'p', mode: 'pro', cameraControl: { type: 'forward_up' } }),
			'Camera Control',
			/Standard/,
		);
		expect(
			checkInput(
				input('kirin_v1_t2v', {
					prompt: 'p',
					mode: 'std',
					duration: '5',
					cameraControl: simple(5),
				}),
			).cameraControl,
		).toBeDefined();
	});

	it('rejects an unknown type', () => {
		expectRule(
			input('kirin_v1_t2v', { prompt: 'p', cameraControl: { type: 'orbit' } }),
			'Camera Control',
			/must be one of/,
		);
	});
});

describe('sound (kirin_v2_6_t2v)', () => {
	it('is only allowed in Professional mode (Standard is the default)', () => {
		expectRule(
			input('kirin_v2_6_t2v', { prompt: 'p', sound: true }),
			'Sound',
			/only available in Professional mode; mode is Standard/,
		);
		expectRule(
			input('kirin_v2_6_t2v', { prompt: 'p', mode: 'std', sound: 'on' }),
			'Sound',
			/Professional/,
		);
	});

	it('is sent as "on" / "off"', () => {
		const on = buildRequestBody(
			checkInput(input('kirin_v2_6_t2v', { prompt: 'p', mode: 'pro', sound: true })),
			'e',
			undefined,
		);
		const off = buildRequestBody(
			checkInput(input('kirin_v2_6_t2v', { prompt: 'p', mode: 'pro', sound: false })),
			'e',
			undefined,
		);
		expect(on.sound).toBe('on');
		expect(off.sound).toBe('off');
	});

	it('is not sent in Standard mode, where the page does not support it', () => {
		for (const sound of [false, 'off', 'false', undefined]) {
			const body = buildRequestBody(
				checkInput(input('kirin_v2_6_t2v', { prompt: 'p', mode: 'std', sound })),
				'e',
				undefined,
			);
			expect(body).not.toHaveProperty('sound');
		}
	});

	it('accepts on/off and true/false text from expressions, rejects anything else', () => {
		expect(
			checkInput(input('kirin_v2_6_t2v', { prompt: 'p', mode: 'pro', sound: 'on' })).sound,
		).toBe(true);
		expect(
			checkInput(input('kirin_v2_6_t2v', { prompt: 'p', mode: 'pro', sound: 'false' })).sound,
		).toBe(false);
		expectRule(
			input('kirin_v2_6_t2v', { prompt: 'p', mode: 'pro', sound: 'loud' }),
			'Sound',
			/true or false/,
		);
	});
});

describe('image (kirin_v2_master_i2v)', () => {
	const i2v = (image?: ImageInput) => input('kirin_v2_master_i2v', { image });

	it('is required', () => {
		expectRule(
			i2v(undefined),
			'Image',
			/An image is required for Kirin V2 Master - Image to Video/,
		);
	});

	it('accepts PNG and JPEG by their bytes and sends the Base64', async () => {
		const png = makePng(1280, 720);
		const checked = checkInput(i2v(await binaryImage(png)));
		expect(checked.image).toBeInstanceOf(BinaryImage);
		const { serialized } = (await encodeBody(buildRequestBody(checked, 'id-1', undefined))) as {
			serialized: Buffer;
		};
		expect(JSON.parse(serialized.toString()).image).toBe(png.toString('base64'));
		const jpeg = makeJpegHeader(720, 1280);
		expect(
			checkInput(i2v({ source: 'base64', base64: jpeg.toString('base64'), bytes: jpeg })).image,
		).toBe(jpeg.toString('base64'));
	});

	it('rejects other formats, whatever the file is called', async () => {
		const gif = Buffer.concat([Buffer.from('GIF89a'), Buffer.alloc(32)]);
		expectRule(i2v(await binaryImage(gif)), 'Image', /must be a JPG or PNG file/);
		const webp = Buffer.concat([
			Buffer.from('RIFF'),
			Buffer.alloc(4),
			Buffer.from('WEBPVP8 '),
			Buffer.alloc(32),
		]);
		expectRule(i2v(await binaryImage(webp)), 'Image', /must be a JPG or PNG file/);
	});

	it('must be smaller than 10 MB, read strictly as 10,000,000 bytes', async () => {
		const largest = await binaryImage(makePng(800, 600, 10_000_000 - 1));
		expect(checkInput(i2v(largest)).image).toBeDefined();
		expectRule(
			i2v(await binaryImage(makePng(800, 600, 10_000_001))),
			'Image',
			/10,000,001 bytes \(10\.0 MB\); it must be smaller than 10 MB \(10,000,000 bytes\)/,
		);
	});

	it.each([
		[300, 300, true],
		[299, 300, false],
		[300, 299, false],
		[750, 300, true],
		[751, 300, false],
		[300, 750, true],
		[300, 751, false],
	])('%sx%s px accepted: %s', async (width, height, ok) => {
		const value = i2v(await binaryImage(makePng(width, height)));
		if (ok) expect(checkInput(value).image).toBeDefined();
		else expectRule(value, 'Image', new RegExp(`${width}x${height} px`));
	});

	it('applies the same rules to JPEG sizes', async () => {
		expectRule(
			i2v(await binaryImage(makeJpegHeader(1000, 350))),
			'Image',
			/1000x350 px; its aspect ratio/,
		);
	});

	it('passes an http(s) URL through and rejects other schemes', () => {
		expect(checkInput(i2v({ source: 'url', url: 'http://x.example/a.jpg' })).image).toBe(
			'http://x.example/a.jpg',
		);
		expectRule(i2v({ source: 'url', url: 'ftp://x.example/a.jpg' }), 'Image URL', /http or https/);
	});
});

describe('callback URL and external task id', () => {
	it('accepts an http(s) callback URL and sends it with the external id', () => {
		const checked = checkInput(
			input('kirin_v2_6_t2v', {
				prompt: 'p',
				callbackUrl: 'https://n8n.example/webhook/x?secret=1',
				externalTaskId: 'job-7',
			}),
		);
		const body = buildRequestBody(checked, checked.externalTaskId, checked.callbackUrl);
		expect(body).toMatchObject({
			callback_url: 'https://n8n.example/webhook/x?secret=1',
			external_task_id: 'job-7',
		});
	});

	it.each([
		'hooks.example.com/x',
		'ftp://hooks.example.com',
		'https://[oops]/hook',
		'https://exa mple.com',
	])('rejects the callback URL %p', (callbackUrl) => {
		expectRule(
			input('kirin_v2_6_t2v', { prompt: 'p', callbackUrl }),
			'Callback URL',
			/must be an http or https URL/,
		);
	});

	it('leaves out empty values', () => {
		const checked = checkInput(
			input('kirin_v2_6_t2v', { prompt: 'p', callbackUrl: '', externalTaskId: '' }),
		);
		expect(checked.callbackUrl).toBeUndefined();
		expect(checked.externalTaskId).toBeUndefined();
	});
});

describe('watermark', () => {
	it('is sent as watermark_info.enabled for every model', () => {
		for (const id of [
			'kirin_v2_6_t2v',
			'kirin_v2_5_turbo_t2v',
			'kirin_v2_1_master_t2v',
			'kirin_v1_t2v',
		]) {
			const body = buildRequestBody(
				checkInput(input(id, { prompt: 'p', watermark: true })),
				'e',
				undefined,
			);
			expect(body.watermark_info).toEqual({ enabled: true });
		}
	});

	it('is sent off when unset (a blank cell), as every unset parameter gets its page default', () => {
		const body = buildRequestBody(
			checkInput(input('kirin_v2_6_t2v', { prompt: 'p' })),
			'e',
			undefined,
		);
		expect(body).toEqual({
			model: 'kirin_v2_6_t2v',
			prompt: 'p',
			duration: '5',
			aspect_ratio: '16:9',
			mode: 'std',
			watermark_info: { enabled: false },
			external_task_id: 'e',
		});
	});
});
