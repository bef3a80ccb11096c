import type { INodeProperties, INodePropertyOptions } from 'n8n-workflow';

import {
	CAMERA_AXES,
	CAMERA_CONTROL_TYPES,
	MODELS,
	type KirinModel,
	type ModelParameters,
} from './models';

/**
 * The node's model-specific fields, built from the catalog (`models.ts`). A parameter becomes one
 * field per group of models whose pages describe it alike (same options, default and rules), shown
 * only for those models through display options. Field names are public: they are stored in users'
 * workflows.
 */

const CAMERA_TYPE_LABELS: Record<string, { name: string; description: string }> = {
	simple: { name: 'Simple', description: 'One movement along the axis you pick below' },
	down_back: { name: 'Down and Back', description: 'The camera presses down and moves back' },
	forward_up: { name: 'Forward and Up', description: 'The camera pushes in and moves up' },
	right_turn_forward: {
		name: 'Right Turn Forward',
		description: 'The camera turns right, then moves forward',
	},
	left_turn_forward: {
		name: 'Left Turn Forward',
		description: 'The camera turns left, then moves forward',
	},
};

const CAMERA_AXIS_LABELS: Record<string, { name: string; description: string }> = {
	horizontal: {
		name: 'Horizontal',
		description: 'Move along the x-axis: negative left, positive right',
	},
	vertical: { name: 'Vertical', description: 'Move along the y-axis: negative down, positive up' },
	pan: { name: 'Pan', description: 'Rotate around the y-axis: negative left, positive right' },
	tilt: { name: 'Tilt', description: 'Rotate around the x-axis: negative down, positive up' },
	roll: {
		name: 'Roll',
		description: 'Rotate around the z-axis: negative counter-clockwise, positive clockwise',
	},
	zoom: { name: 'Zoom', description: 'Change the focal length: negative zooms in, positive out' },
};

/** Groups the models that list a parameter by how their pages describe it. */
function groupBy<K extends keyof ModelParameters>(
	key: K,
): Array<{ spec: NonNullable<ModelParameters[K]>; models: KirinModel[] }> {
	const groups = new Map<string, { spec: NonNullable<ModelParameters[K]>; models: KirinModel[] }>();
	for (const model of MODELS) {
		const spec = model.parameters[key] as NonNullable<ModelParameters[K]> | undefined;
		if (spec === undefined) continue;
		const signature = JSON.stringify(spec);
		const group = groups.get(signature) ?? { spec, models: [] };
		group.models.push(model);
		groups.set(signature, group);
	}
	return [...groups.values()];
}

function showFor(models: KirinModel[], extra: Record<string, Array<string | boolean>> = {}) {
	return {
		show: {
			operation: ['generate'],
			model: models.map((model) => model.id),
			...extra,
		},
	};
}

function modelOptions(): INodePropertyOptions[] {
	return MODELS.map((model) => ({
		name: model.name,
		value: model.id,
		description: model.description,
	}));
}

function promptFields(): INodeProperties[] {
	return groupBy('prompt').map(({ spec, models }) => ({
		displayName: 'Prompt',
		name: 'prompt',
		type: 'string',
		typeOptions: { rows: 4 },
		default: '',
		required: spec.required,
		placeholder: 'e.g. A red fox running through fresh snow at sunrise, cinematic',
		description: spec.required
			? `What the video should show, 1 to ${spec.maxLength} characters`
			: `What should happen in the video, up to ${spec.maxLength} characters. Optional: leave empty to let the model animate the image.`,
		displayOptions: showFor(models),
	}));
}

function imageFields(): INodeProperties[] {
	return groupBy('image').flatMap(({ spec, models }) => {
		const rules = `JPG or PNG, under ${spec.maxBytes / (1024 * 1024)} MB, at least ${spec.minSidePx} px wide and high, aspect ratio between 1:2.5 and 2.5:1`;
		return [
			{
				displayName: 'Image Source',
				name: 'imageSource',
				type: 'options',
				default: 'binary',
				description: `Where the reference image comes from (${rules})`,
				options: [
					{
						name: 'Binary File',
						value: 'binary',
						description:
							'A file on the input item, e.g. from a Read/Write Files or HTTP Request node',
					},
					{ name: 'URL', value: 'url', description: 'A public image URL the API can download' },
					{ name: 'Base64', value: 'base64', description: 'Base64-encoded image data' },
				],
				displayOptions: showFor(models),
			},
			{
				displayName: 'Input Binary Field',
				name: 'binaryPropertyName',
				type: 'string',
				default: 'data',
				required: true,
				hint: 'The name of the input binary field containing the image',
				description: 'The binary property of the input item that holds the image',
				displayOptions: showFor(models, { imageSource: ['binary'] }),
			},
			{
				displayName: 'Image URL',
				name: 'imageUrl',
				type: 'string',
				default: '',
				required: true,
				placeholder: 'https://example.com/product.png',
				description: 'The image URL, passed to the API as it is (the API checks the image)',
				displayOptions: showFor(models, { imageSource: ['url'] }),
			},
			{
				displayName: 'Image Base64',
				name: 'imageBase64',
				type: 'string',
				typeOptions: { rows: 2 },
				default: '',
				required: true,
				description:
					'The image as Base64. A data:image/...;base64, prefix is removed before sending.',
				displayOptions: showFor(models, { imageSource: ['base64'] }),
			},
		] satisfies INodeProperties[];
	});
}

function negativePromptFields(): INodeProperties[] {
	return groupBy('negativePrompt').map(({ spec, models }) => ({
		displayName: 'Negative Prompt',
		name: 'negativePrompt',
		type: 'string',
		typeOptions: { rows: 2 },
		default: '',
		description: `What the video should not show, up to ${spec.maxLength} characters. Not sent when empty.`,
		displayOptions: showFor(models),
	}));
}

function durationFields(): INodeProperties[] {
	return groupBy('duration').map(({ spec, models }) => {
		const options: INodePropertyOptions[] = spec.options.map((value) => ({
			name: `${value} Seconds`,
			value,
		}));
		if (spec.default === undefined) {
			options.unshift({
				name: 'Model Default',
				value: '',
				description: 'Not sent: the API decides',
			});
		}
		const defaultValue = spec.default ?? '';
		return {
			displayName: 'Duration',
			name: 'duration',
			type: 'options',
			options,
			default: defaultValue,
			description:
				spec.default === undefined
					? 'Length of the video. By default the duration is not sent and the API decides.'
					: `Length of the video. Defaults to ${spec.default} seconds.`,
			displayOptions: showFor(models),
		} satisfies INodeProperties;
	});
}

function aspectRatioFields(): INodeProperties[] {
	const labels: Record<string, string> = {
		'16:9': '16:9 (Landscape)',
		'9:16': '9:16 (Portrait)',
		'1:1': '1:1 (Square)',
	};
	return groupBy('aspectRatio').map(({ spec, models }) => {
		const defaultValue = spec.default ?? '';
		return {
			displayName: 'Aspect Ratio',
			name: 'aspectRatio',
			type: 'options',
			options: spec.options.map((value) => ({ name: labels[value] ?? value, value })),
			default: defaultValue,
			description: `Width to height of the video. Defaults to ${spec.default}.`,
			displayOptions: showFor(models),
		} satisfies INodeProperties;
	});
}

function modeFields(): INodeProperties[] {
	return groupBy('mode').map(({ spec, models }) => {
		const defaultValue = spec.default ?? '';
		return {
			displayName: 'Mode',
			name: 'mode',
			type: 'options',
			options: [
				{ name: 'Standard', value: 'std', description: 'Basic mode with high cost-effectiveness' },
				{
					name: 'Professional',
					value: 'pro',
					description: 'Higher quality video; takes longer and costs more',
				},
			].filter((option) => (spec.options as readonly string[]).includes(option.value)),
			default: defaultValue,
			description: 'Generation mode. Defaults to Standard.',
			displayOptions: showFor(models),
		} satisfies INodeProperties;
	});
}

function soundFields(): INodeProperties[] {
	return groupBy('sound').map(({ spec, models }) => {
		return {
			displayName: 'Sound',
			name: 'sound',
			type: 'boolean',
			// The page's default is "off".
			default: false,
			description:
				'Whether to generate sound with the video (Professional mode only). Defaults to off.',
			displayOptions: showFor(models, { mode: [spec.requiresMode] }),
		} satisfies INodeProperties;
	});
}

function cfgScaleFields(): INodeProperties[] {
	return groupBy('cfgScale').map(({ spec, models }) => {
		const defaultValue = spec.default;
		return {
			displayName: 'CFG Scale',
			name: 'cfgScale',
			type: 'number',
			typeOptions: { minValue: spec.min, maxValue: spec.max, numberPrecision: 2 },
			default: defaultValue,
			description: `How closely the video follows the prompt, ${spec.min} to ${spec.max}: higher means less freedom for the model. Defaults to ${spec.default}.`,
			displayOptions: showFor(models),
		} satisfies INodeProperties;
	});
}

function cameraControlFields(): INodeProperties[] {
	return groupBy('cameraControl').flatMap(({ spec, models }) => {
		const when = { mode: [spec.requiresMode], duration: [spec.requiresDuration] };
		return [
			{
				displayName: 'Camera Control',
				name: 'cameraControlType',
				type: 'options',
				default: 'none',
				description: `Camera movement (Standard mode, ${spec.requiresDuration} seconds only). By default the model picks a movement that fits the prompt.`,
				options: [
					{ name: 'None', value: 'none', description: 'Not sent: the model decides' },
					...CAMERA_CONTROL_TYPES.map((type) => ({ value: type, ...CAMERA_TYPE_LABELS[type] })),
				],
				displayOptions: showFor(models, when),
			},
			{
				displayName: 'Camera Movement',
				name: 'cameraAxis',
				type: 'options',
				default: 'zoom',
				description: 'The one movement of a simple camera control; the other five are sent as 0',
				options: CAMERA_AXES.map((axis) => ({ value: axis, ...CAMERA_AXIS_LABELS[axis] })),
				displayOptions: showFor(models, { ...when, cameraControlType: ['simple'] }),
			},
			{
				displayName: 'Camera Movement Amount',
				name: 'cameraValue',
				type: 'number',
				typeOptions: { minValue: spec.valueMin, maxValue: spec.valueMax },
				default: 5,
				description: `How far the camera moves, ${spec.valueMin} to ${spec.valueMax}, not 0`,
				displayOptions: showFor(models, { ...when, cameraControlType: ['simple'] }),
			},
		] satisfies INodeProperties[];
	});
}

function watermarkFields(): INodeProperties[] {
	return groupBy('watermark').map(({ models }) => ({
		displayName: 'Watermark',
		name: 'watermark',
		type: 'boolean',
		default: false,
		description: 'Whether to also generate a watermarked result. Defaults to off.',
		displayOptions: showFor(models),
	}));
}

/**
 * The Model field: every catalog model, with the page's title and one-line description.
 *
 * @returns one `options` property named `model`, shown for Generate Video
 */
export function modelField(): INodeProperties {
	const defaultModel = MODELS[0].id;
	return {
		displayName: 'Model',
		name: 'model',
		type: 'options',
		options: modelOptions(),
		default: defaultModel,
		description: 'The Kirin model that generates the video',
		displayOptions: { show: { operation: ['generate'] } },
	};
}

/**
 * Every model-specific field of Generate Video, in the order the node shows them: prompt, image,
 * negative prompt, duration, aspect ratio, mode, sound, CFG scale, camera control, watermark.
 *
 * @returns node properties, each scoped by display options to the models whose page lists it
 */
export function modelParameterFields(): INodeProperties[] {
	return [
		...promptFields(),
		...imageFields(),
		...negativePromptFields(),
		...durationFields(),
		...aspectRatioFields(),
		...modeFields(),
		...soundFields(),
		...cfgScaleFields(),
		...cameraControlFields(),
		...watermarkFields(),
	];
}
