/**
 * One catalog entry is enough for a new model: a test-only model with option values the pages do
 * not use yet (a 15 second duration, a 4:3 ratio, a `master` mode) gets its fields, display rules,
 * checks and request body from the entry alone, through the same builders the node uses.
 */
import { NodeHelpers, type INode, type INodeParameters, type INodeProperties } from 'n8n-workflow';

import { buildRequestBody } from '../nodes/Kirin/catalog/body';
import { modelField, modelParameterFields } from '../nodes/Kirin/catalog/fields';
import { MODELS, type KirinModel } from '../nodes/Kirin/catalog/models';
import { checkInput, InputRuleError } from '../nodes/Kirin/catalog/validate';

const NEW_MODEL: KirinModel = {
	id: 'kirin_v9_test_t2v',
	name: 'Kirin V9 Test - Text to Video',
	description: 'A model that exists only in this test',
	kind: 'textToVideo',
	errorCodePrefix: '009999',
	parameters: {
		prompt: { required: true, maxLength: 100 },
		duration: { options: ['5', '15'], default: '15' },
		aspectRatio: { options: ['16:9', '4:3'], default: '4:3' },
		mode: { options: ['std', 'master'], default: 'master', labels: { master: 'Master' } },
		sound: { requiresMode: 'master' },
		watermark: {},
	},
};

const CATALOG = [...MODELS, NEW_MODEL];
const properties: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		default: 'generate',
		options: [{ name: 'Generate Video', value: 'generate' }],
	},
	modelField(CATALOG),
	...modelParameterFields(CATALOG),
];

/** The fields n8n shows for these parameter values (its own display option rules). */
function shownFields(values: INodeParameters): string[] {
	const node = { parameters: values } as unknown as INode;
	const resolved = NodeHelpers.getNodeParameters(properties, values, true, false, node, null) ?? {};
	return properties
		.filter((property) => NodeHelpers.displayParameter(resolved, property, node, null))
		.map((property) => property.name);
}

function fieldOf(name: string, modelId: string): INodeProperties {
	return properties.find(
		(property) =>
			property.name === name &&
			!(property.displayOptions?.hide?.model as string[] | undefined)?.includes(modelId) &&
			property.displayOptions?.show?.operation !== undefined &&
			property.name !== 'model',
	)!;
}

describe('a model added by one catalog entry', () => {
	it('is offered in the Model list with its name and description', () => {
		const model = modelField(CATALOG);
		expect(model.options).toContainEqual({
			name: NEW_MODEL.name,
			value: NEW_MODEL.id,
			description: NEW_MODEL.description,
		});
	});

	it('gets fields with its new option values, labels and defaults', () => {
		const duration = fieldOf('duration', NEW_MODEL.id);
		expect(duration.options).toEqual([
			{ name: '5 Seconds', value: '5' },
			{ name: '15 Seconds', value: '15' },
		]);
		expect(duration.default).toBe('15');
		expect(fieldOf('aspectRatio', NEW_MODEL.id).options).toEqual([
			{ name: '16:9 (Landscape)', value: '16:9' },
			{ name: '4:3', value: '4:3' },
		]);
		const mode = fieldOf('mode', NEW_MODEL.id);
		expect(mode.options).toEqual([
			expect.objectContaining({ name: 'Standard', value: 'std' }),
			{ name: 'Master', value: 'master' },
		]);
		expect(mode.default).toBe('master');
		expect(mode.description).toBe('Generation mode. Defaults to Master.');
		expect(fieldOf('sound', NEW_MODEL.id).description).toContain('(Master mode only)');
		// Fields used by some models only name them, for a panel whose Model is an expression.
		expect(fieldOf('sound', NEW_MODEL.id).hint).toBe(`Used by ${NEW_MODEL.name}`);
	});

	it('shows exactly the fields its entry lists, with the display rules its entry sets', () => {
		const base = { operation: 'generate', model: NEW_MODEL.id };
		expect(shownFields({ ...base, mode: 'master' }).sort()).toEqual(
			[
				'aspectRatio',
				'duration',
				'mode',
				'model',
				'operation',
				'prompt',
				'sound',
				'watermark',
			].sort(),
		);
		expect(shownFields({ ...base, mode: 'std' })).not.toContain('sound');
		expect(shownFields(base)).not.toContain('cfgScale');
		expect(shownFields(base)).not.toContain('imageSource');
	});

	it('is checked by its own rules, with the new values and their labels', () => {
		const checked = checkInput({
			model: NEW_MODEL,
			prompt: 'a lighthouse',
			duration: 15,
			aspectRatio: '4:3',
			mode: 'Master',
			sound: 'on',
		});
		expect(checked).toMatchObject({
			duration: '15',
			aspectRatio: '4:3',
			mode: 'master',
			sound: true,
		});
		expect(() => checkInput({ model: NEW_MODEL, prompt: 'x', duration: '10' })).toThrow(
			new InputRuleError('Duration', 'Duration must be one of 5, 15; got "10"'),
		);
		expect(() => checkInput({ model: NEW_MODEL, prompt: 'x', mode: 'std', sound: true })).toThrow(
			/Sound is only available in Master mode; mode is Standard/,
		);
		expect(() => checkInput({ model: NEW_MODEL, prompt: 'x'.repeat(101) })).toThrow(
			/the limit is 100/,
		);
	});

	it('builds the request body its page would define, leaving out what it does not list', () => {
		const body = buildRequestBody(
			checkInput({
				model: NEW_MODEL,
				prompt: 'a lighthouse',
				duration: '15',
				aspectRatio: '4:3',
				mode: 'master',
				sound: false,
				watermark: true,
				cfgScale: 0.5,
				negativePrompt: 'fog',
			}),
			'ext-1',
			undefined,
		);
		expect(body).toEqual({
			model: NEW_MODEL.id,
			prompt: 'a lighthouse',
			duration: '15',
			aspect_ratio: '4:3',
			mode: 'master',
			sound: 'off',
			watermark_info: { enabled: true },
			external_task_id: 'ext-1',
		});
	});
});
