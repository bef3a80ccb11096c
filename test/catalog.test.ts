/**
 * The model catalog against the provider's five model pages: every model has a
 * field for each parameter its page lists, with the page's options, defaults and ranges, and no
 * field for a parameter its page does not list; every model's error codes are explained.
 *
 * The expectations below are written from the pages, not from `catalog/models.ts`.
 */
import { NodeHelpers, type INode, type INodeParameters, type INodeProperties } from 'n8n-workflow';

import { Kirin } from '../nodes/Kirin/Kirin.node';
import { describeErrorCode, ERROR_KINDS } from '../nodes/Kirin/catalog/errorCodes';
import { findModel, MODEL_IDS, MODELS } from '../nodes/Kirin/catalog/models';

/** What each page lists (besides `model`), its title, error code prefix and defaults. */
const PAGES: Record<
	string,
	{
		name: string;
		prefix: string;
		params: string[];
		promptRequired: boolean;
		defaults: Record<string, unknown>;
	}
> = {
	kirin_v2_6_t2v: {
		name: 'Kirin V2.6 - Text to Video',
		prefix: '002014',
		params: [
			'prompt',
			'negative_prompt',
			'sound',
			'mode',
			'aspect_ratio',
			'duration',
			'watermark_info',
			'callback_url',
			'external_task_id',
		],
		promptRequired: true,
		defaults: { sound: false, mode: 'std', aspect_ratio: '16:9', duration: '5' },
	},
	kirin_v2_5_turbo_t2v: {
		name: 'Kirin V2.5 Turbo - Text to Video',
		prefix: '002011',
		params: [
			'prompt',
			'duration',
			'aspect_ratio',
			'mode',
			'negative_prompt',
			'watermark_info',
			'callback_url',
			'external_task_id',
		],
		promptRequired: true,
		defaults: { duration: '5', aspect_ratio: '16:9', mode: 'std' },
	},
	kirin_v2_1_master_t2v: {
		name: 'Kirin V2.1 Master - Text to Video',
		prefix: '002008',
		params: [
			'prompt',
			'aspect_ratio',
			'duration',
			'watermark_info',
			'callback_url',
			'external_task_id',
		],
		promptRequired: true,
		// The page gives duration options but no default.
		defaults: { aspect_ratio: '16:9' },
	},
	kirin_v2_master_i2v: {
		name: 'Kirin V2 Master - Image to Video',
		prefix: '002015',
		params: [
			'image',
			'prompt',
			'negative_prompt',
			'duration',
			'watermark_info',
			'callback_url',
			'external_task_id',
		],
		promptRequired: false,
		defaults: { duration: '5' },
	},
	kirin_v1_t2v: {
		name: 'Kirin V1 - Text to Video',
		prefix: '002001',
		params: [
			'prompt',
			'duration',
			'aspect_ratio',
			'negative_prompt',
			'cfg_scale',
			'mode',
			'camera_control',
			'watermark_info',
			'callback_url',
			'external_task_id',
		],
		promptRequired: true,
		defaults: { duration: '5', aspect_ratio: '16:9', cfg_scale: 0.5, mode: 'std' },
	},
};

/** The node fields that carry a page parameter (callback_url and external_task_id are Options). */
const FIELDS_OF: Record<string, string[]> = {
	prompt: ['prompt'],
	negative_prompt: ['negativePrompt'],
	image: ['imageSource', 'binaryPropertyName', 'imageUrl', 'imageBase64'],
	duration: ['duration'],
	aspect_ratio: ['aspectRatio'],
	mode: ['mode'],
	sound: ['sound'],
	cfg_scale: ['cfgScale'],
	camera_control: ['cameraControlType', 'cameraAxis', 'cameraValue'],
	watermark_info: ['watermark'],
	callback_url: [],
	external_task_id: [],
};

const description = new Kirin().description;
const properties = description.properties;
const generateProperties = properties.filter((property) =>
	(property.displayOptions?.show?.operation as string[] | undefined)?.includes('generate'),
);

/**
 * The models a field is shown for: every model but those its display options hide it for; a field
 * with no model condition is shown for every model.
 */
function modelsOf(property: INodeProperties): string[] | undefined {
	const hidden = property.displayOptions?.hide?.model as string[] | undefined;
	if (hidden) return MODEL_IDS.filter((id) => !hidden.includes(id));
	const everyModel = MODEL_IDS.every((id) =>
		PAGES[id].params.some((param) => FIELDS_OF[param].includes(property.name)),
	);
	return everyModel ? [...MODEL_IDS] : undefined;
}

/** The generate properties scoped to `model` by display options. */
function fieldsFor(model: string): INodeProperties[] {
	return generateProperties.filter((property) => modelsOf(property)?.includes(model));
}

function fieldFor(model: string, name: string): INodeProperties {
	const matches = fieldsFor(model).filter((property) => property.name === name);
	expect(matches).toHaveLength(1);
	return matches[0];
}

const optionValues = (property: INodeProperties) =>
	(property.options as Array<{ value: unknown }>).map((option) => option.value);

/** The parameters n8n keeps for a node with these values: defaults filled in, hidden ones dropped. */
function shownParameters(values: INodeParameters): INodeParameters {
	const node: INode = {
		id: 'n',
		name: 'Kirin',
		type: 'n8n-nodes-kirin.kirin',
		typeVersion: 1,
		position: [0, 0],
		parameters: values,
	};
	return NodeHelpers.getNodeParameters(properties, values, true, false, node, description) ?? {};
}

describe('the Model field', () => {
	it('offers exactly the five models of the pages, each with its page title', () => {
		const model = properties.find((property) => property.name === 'model')!;
		const options = model.options as Array<{ name: string; value: string }>;
		expect(options.map((option) => option.value).sort()).toEqual(Object.keys(PAGES).sort());
		for (const option of options) expect(option.name).toBe(PAGES[option.value].name);
		expect(Object.keys(PAGES)).toContain(model.default);
	});

	it('offers callback URL and external task ID (listed on every page) as options for every model', () => {
		const options = generateProperties.find((property) => property.name === 'options')!;
		expect(modelsOf(options)).toBeUndefined();
		const names = (options.options as INodeProperties[]).map((option) => option.name);
		expect(names).toEqual(expect.arrayContaining(['callbackUrl', 'externalTaskId']));
	});

	it('the catalog knows the same five ids', () => {
		expect([...MODEL_IDS].sort()).toEqual(Object.keys(PAGES).sort());
		expect(findModel('kirin_v9_t2v')).toBeUndefined();
	});
});

describe.each(Object.entries(PAGES))('%s', (model, page) => {
	it('has a field for each parameter its page lists, and none for a parameter it does not list', () => {
		const expected = page.params.flatMap((param) => FIELDS_OF[param]).sort();
		const shown = [...new Set(fieldsFor(model).map((property) => property.name))].sort();
		expect(shown).toEqual(expected);
	});

	it('marks the prompt required as the page does', () => {
		expect(Boolean(fieldFor(model, 'prompt').required)).toBe(page.promptRequired);
	});

	it("uses the page's options and defaults", () => {
		const params = page.params;
		if (params.includes('duration')) {
			const duration = fieldFor(model, 'duration');
			expect(optionValues(duration).filter((value) => value !== '')).toEqual(['5', '10']);
			expect(duration.default).toBe(page.defaults.duration ?? '');
		}
		if (params.includes('aspect_ratio')) {
			const aspect = fieldFor(model, 'aspectRatio');
			expect(optionValues(aspect)).toEqual(['16:9', '9:16', '1:1']);
			expect(aspect.default).toBe('16:9');
		}
		if (params.includes('mode')) {
			const mode = fieldFor(model, 'mode');
			expect(optionValues(mode)).toEqual(['std', 'pro']);
			expect(mode.default).toBe('std');
		}
		if (params.includes('sound')) {
			const sound = fieldFor(model, 'sound');
			expect(sound.type).toBe('boolean');
			expect(sound.default).toBe(false);
		}
		if (params.includes('cfg_scale')) {
			const cfg = fieldFor(model, 'cfgScale');
			expect(cfg.default).toBe(0.5);
			expect(cfg.typeOptions).toMatchObject({ minValue: 0, maxValue: 1 });
		}
		if (params.includes('camera_control')) {
			expect(optionValues(fieldFor(model, 'cameraControlType')).sort()).toEqual(
				[
					'none',
					'simple',
					'down_back',
					'forward_up',
					'right_turn_forward',
					'left_turn_forward',
				].sort(),
			);
			expect(fieldFor(model, 'cameraControlType').default).toBe('none');
			expect(optionValues(fieldFor(model, 'cameraAxis')).sort()).toEqual(
				['horizontal', 'vertical', 'pan', 'tilt', 'roll', 'zoom'].sort(),
			);
			expect(fieldFor(model, 'cameraValue').typeOptions).toMatchObject({
				minValue: -10,
				maxValue: 10,
			});
		}
		if (params.includes('image')) {
			expect(optionValues(fieldFor(model, 'imageSource'))).toEqual(['binary', 'url', 'base64']);
		}
		expect(fieldFor(model, 'watermark').default).toBe(false);
	});

	it("has the page's error code prefix, and every code of its table is explained", () => {
		expect(findModel(model)?.errorCodePrefix).toBe(page.prefix);
		for (const [kind, meaning] of Object.entries({
			'095': 'internal generation error',
			'096': 'result parsing error',
			'097': 'http error response',
			'098': 'status check error',
			'099': 'task creation error',
		})) {
			expect(describeErrorCode(`${page.prefix}${kind}`)).toBe(`${page.name}: ${meaning}`);
		}
	});
});

describe('what n8n shows and keeps for each model', () => {
	it("with defaults, shows exactly the page's parameters that apply (sound needs Professional mode)", () => {
		const keys = (model: string, extra: INodeParameters = {}) =>
			Object.keys(shownParameters({ operation: 'generate', model, ...extra }));
		expect(keys('kirin_v2_6_t2v')).not.toContain('sound');
		expect(keys('kirin_v2_6_t2v', { mode: 'pro' })).toContain('sound');
		expect(keys('kirin_v2_1_master_t2v')).not.toContain('mode');
		expect(keys('kirin_v2_master_i2v')).toEqual(
			expect.arrayContaining(['imageSource', 'binaryPropertyName']),
		);
		expect(keys('kirin_v2_master_i2v')).not.toContain('aspectRatio');
		expect(keys('kirin_v2_master_i2v', { imageSource: 'url' })).toContain('imageUrl');
		expect(keys('kirin_v2_master_i2v', { imageSource: 'url' })).not.toContain('binaryPropertyName');
	});

	it('shows camera control only in Standard mode for 5 seconds', () => {
		const keys = (extra: INodeParameters) =>
			Object.keys(
				shownParameters({
					operation: 'generate',
					model: 'kirin_v1_t2v',
					cameraControlType: 'simple',
					...extra,
				}),
			);
		expect(keys({})).toEqual(
			expect.arrayContaining(['cameraControlType', 'cameraAxis', 'cameraValue']),
		);
		expect(keys({ mode: 'pro' })).not.toContain('cameraControlType');
		expect(keys({ duration: '10' })).not.toContain('cameraControlType');
		expect(keys({ cameraControlType: 'down_back' })).not.toContain('cameraAxis');
	});

	it('keeps no model-specific field of another model', () => {
		for (const model of Object.keys(PAGES)) {
			const kept = Object.keys(
				shownParameters({ operation: 'generate', model, mode: 'pro', imageSource: 'binary' }),
			);
			const allowed = new Set([
				'operation',
				'model',
				'completion',
				'downloadVideo',
				'options',
				...PAGES[model].params.flatMap((param) => FIELDS_OF[param]),
			]);
			expect(kept.filter((name) => !allowed.has(name))).toEqual([]);
		}
	});

	it('every Generate Video field that is not scoped to models is a general one', () => {
		const unscoped = generateProperties
			.filter((property) => modelsOf(property) === undefined)
			.map((property) => property.name);
		const modelFields = new Set(Object.values(FIELDS_OF).flat());
		expect(unscoped.filter((name) => modelFields.has(name))).toEqual([]);
	});
});

describe('describeErrorCode', () => {
	it('explains the five kinds the pages list', () => {
		expect(Object.keys(ERROR_KINDS).sort()).toEqual(['095', '096', '097', '098', '099']);
		expect(describeErrorCode('002014095')).toBe(
			'Kirin V2.6 - Text to Video: internal generation error',
		);
	});

	it('still explains the kind of a code from an unknown model', () => {
		expect(describeErrorCode('009999097')).toBe('Kirin: http error response');
	});

	it.each([undefined, '', '002014', '002014094', '00201409x', '0020140950', 'oops'])(
		'returns nothing for %p',
		(code) => {
			expect(describeErrorCode(code)).toBeUndefined();
		},
	);

	it('each model has its own prefix', () => {
		const prefixes = MODELS.map((model) => model.errorCodePrefix);
		expect(new Set(prefixes).size).toBe(MODELS.length);
		for (const prefix of prefixes) expect(prefix).toMatch(/^\d{6}$/);
	});
});
