import { inspectImage } from './image';
import type { GenerateInput } from './input';
import { CAMERA_AXES, CAMERA_CONTROL_TYPES, type KirinModel } from './models';

/**
 * A parameter that breaks a rule of the model's page. `field` is the node field's display name, so
 * the message tells a user which field to fix.
 */
export class InputRuleError extends Error {
	constructor(
		readonly field: string,
		message: string,
	) {
		super(message);
		this.name = 'InputRuleError';
	}
}

/**
 * The parameters of one item, checked and normalised: strings where the API wants strings, numbers
 * where it wants numbers, booleans for on/off switches. Only parameters the model's page lists and the
 * user set are present.
 */
export interface CheckedInput {
	model: KirinModel;
	prompt?: string;
	negativePrompt?: string;
	image?: string;
	duration?: string;
	aspectRatio?: string;
	mode?: string;
	sound?: boolean;
	cfgScale?: number;
	cameraControl?: { type: string; config?: Record<string, number> };
	watermark?: boolean;
	callbackUrl?: string;
	externalTaskId?: string;
}

function text(field: string, value: unknown): string | undefined {
	if (value === undefined || value === null || value === '') return undefined;
	if (typeof value === 'string') return value;
	if (typeof value === 'number' || typeof value === 'boolean') return String(value);
	throw new InputRuleError(field, `${field} must be text, got ${typeof value}`);
}

function choice(field: string, value: unknown, options: readonly string[]): string | undefined {
	const given = text(field, value);
	if (given === undefined) return undefined;
	if (!options.includes(given)) {
		throw new InputRuleError(
			field,
			`${field} must be one of ${options.join(', ')}; got "${given}"`,
		);
	}
	return given;
}

function flag(field: string, value: unknown): boolean | undefined {
	if (value === undefined || value === null || value === '') return undefined;
	if (typeof value === 'boolean') return value;
	if (value === 'on' || value === 'true') return true;
	if (value === 'off' || value === 'false') return false;
	throw new InputRuleError(
		field,
		`${field} must be true or false (or on/off); got "${String(value)}"`,
	);
}

function number(field: string, value: unknown): number | undefined {
	if (value === undefined || value === null || value === '') return undefined;
	const parsed = typeof value === 'number' ? value : Number(value);
	if (!Number.isFinite(parsed)) {
		throw new InputRuleError(field, `${field} must be a number; got "${String(value)}"`);
	}
	return parsed;
}

/** Whether a value is an absolute http(s) URL that a URL parser accepts (not just its form). */
function isHttpUrl(value: string): boolean {
	if (!/^https?:\/\/\S+$/i.test(value)) return false;
	try {
		new URL(value);
		return true;
	} catch {
		return false;
	}
}

/** Length in characters as a person counts them (Unicode code points, not UTF-16 units). */
function characters(value: string): number {
	return [...value].length;
}

function maxLength(field: string, value: string | undefined, limit: number): void {
	if (value !== undefined && characters(value) > limit) {
		throw new InputRuleError(
			field,
			`${field} is ${characters(value)} characters long; the limit is ${limit}`,
		);
	}
}

function checkImage(input: GenerateInput, model: KirinModel): string | undefined {
	const spec = model.parameters.image;
	if (!spec) return undefined;
	const image = input.image;
	if (!image) throw new InputRuleError('Image', `An image is required for ${model.name}`);
	if (image.source === 'url') {
		if (!/^https?:\/\/\S+$/i.test(image.url)) {
			throw new InputRuleError(
				'Image URL',
				`Image URL must be an http or https URL; got "${image.url}"`,
			);
		}
		return image.url;
	}
	const info = inspectImage(image.bytes);
	if (!info || !spec.formats.includes(info.format)) {
		throw new InputRuleError(
			'Image',
			'The image must be a JPG or PNG file (judged by its content)',
		);
	}
	if (image.bytes.length >= spec.maxBytes) {
		const megabytes = (image.bytes.length / (1024 * 1024)).toFixed(1);
		throw new InputRuleError(
			'Image',
			`The image is ${megabytes} MB; it must be smaller than ${spec.maxBytes / (1024 * 1024)} MB`,
		);
	}
	if (info.width < spec.minSidePx || info.height < spec.minSidePx) {
		throw new InputRuleError(
			'Image',
			`The image is ${info.width}x${info.height} px; width and height must be at least ${spec.minSidePx} px`,
		);
	}
	const aspect = info.width / info.height;
	if (aspect < spec.minAspect || aspect > spec.maxAspect) {
		throw new InputRuleError(
			'Image',
			`The image is ${info.width}x${info.height} px; its aspect ratio must be between 1:2.5 and 2.5:1`,
		);
	}
	return image.base64;
}

function checkCameraControl(
	input: GenerateInput,
	model: KirinModel,
	mode: string | undefined,
	duration: string | undefined,
): CheckedInput['cameraControl'] {
	const spec = model.parameters.cameraControl;
	const given = input.cameraControl;
	if (!spec || !given) return undefined;
	const type = choice('Camera Control', given.type, ['none', ...CAMERA_CONTROL_TYPES]);
	if (type === undefined || type === 'none') return undefined;
	const effectiveMode = mode ?? model.parameters.mode?.default;
	const effectiveDuration = duration ?? model.parameters.duration?.default;
	if (effectiveMode !== spec.requiresMode || effectiveDuration !== spec.requiresDuration) {
		throw new InputRuleError(
			'Camera Control',
			`Camera Control needs Mode Standard and Duration ${spec.requiresDuration} seconds; got mode ${effectiveMode} and duration ${effectiveDuration} seconds`,
		);
	}
	if (type !== 'simple') return { type };
	const axis = choice('Camera Movement', given.axis, CAMERA_AXES);
	if (axis === undefined)
		throw new InputRuleError(
			'Camera Movement',
			'Camera Movement is required for a simple camera control',
		);
	const value = number('Camera Movement Amount', given.value);
	if (value === undefined || value === 0 || value < spec.valueMin || value > spec.valueMax) {
		throw new InputRuleError(
			'Camera Movement Amount',
			`Camera Movement Amount must be between ${spec.valueMin} and ${spec.valueMax} and not 0; got ${String(given.value)}`,
		);
	}
	const config = Object.fromEntries(CAMERA_AXES.map((name) => [name, name === axis ? value : 0]));
	return { type, config };
}

/**
 * Checks one item's parameters against the rules of its model's page (`shared/seeds/<model>.txt`):
 * prompt presence and length (1-2500), negative prompt length (2500), option values, CFG scale
 * range (0-1), camera control (only Standard mode and 5 seconds; one non-zero movement in -10..10),
 * sound (Professional mode only), and the image rules of `kirin_v2_master_i2v.txt` for binary and
 * Base64 images (JPG/PNG by content, under 10 MB, at least 300 px, aspect 1:2.5 to 2.5:1).
 *
 * @returns the normalised parameters, ready for `buildRequestBody`
 * @throws InputRuleError naming the field and the rule, for the first broken rule
 */
export function checkInput(input: GenerateInput): CheckedInput {
	const { model } = input;
	const spec = model.parameters;
	const checked: CheckedInput = { model };

	checked.prompt = text('Prompt', input.prompt);
	if (spec.prompt.required && (checked.prompt === undefined || checked.prompt.trim() === '')) {
		throw new InputRuleError(
			'Prompt',
			`Prompt is required for ${model.name} (1 to ${spec.prompt.maxLength} characters)`,
		);
	}
	maxLength('Prompt', checked.prompt, spec.prompt.maxLength);

	if (spec.negativePrompt) {
		checked.negativePrompt = text('Negative Prompt', input.negativePrompt);
		maxLength('Negative Prompt', checked.negativePrompt, spec.negativePrompt.maxLength);
	}

	checked.image = checkImage(input, model);

	if (spec.duration) checked.duration = choice('Duration', input.duration, spec.duration.options);
	if (spec.aspectRatio) {
		checked.aspectRatio = choice('Aspect Ratio', input.aspectRatio, spec.aspectRatio.options);
	}
	if (spec.mode) checked.mode = choice('Mode', input.mode, spec.mode.options);

	if (spec.sound) {
		checked.sound = flag('Sound', input.sound);
		const mode = checked.mode ?? spec.mode?.default;
		if (checked.sound && mode !== spec.sound.requiresMode) {
			throw new InputRuleError(
				'Sound',
				`Sound is only available in Professional mode; mode is ${mode === 'std' ? 'Standard' : String(mode)}`,
			);
		}
	}

	if (spec.cfgScale) {
		checked.cfgScale = number('CFG Scale', input.cfgScale);
		const { min, max } = spec.cfgScale;
		if (checked.cfgScale !== undefined && (checked.cfgScale < min || checked.cfgScale > max)) {
			throw new InputRuleError(
				'CFG Scale',
				`CFG Scale must be between ${min} and ${max}; got ${checked.cfgScale}`,
			);
		}
	}

	checked.cameraControl = checkCameraControl(input, model, checked.mode, checked.duration);

	if (spec.watermark) checked.watermark = flag('Watermark', input.watermark);

	checked.callbackUrl = text('Callback URL', input.callbackUrl);
	if (checked.callbackUrl !== undefined && !isHttpUrl(checked.callbackUrl)) {
		throw new InputRuleError(
			'Callback URL',
			`Callback URL must be an http or https URL; got "${checked.callbackUrl}"`,
		);
	}
	checked.externalTaskId = text('External Task ID', input.externalTaskId);
	return checked;
}
