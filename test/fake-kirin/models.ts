/**
 * Validation of create requests against the fake's copy of the model pages (`model-specs.ts`,
 * `images.ts`, both re-exported here), and the fake's prices.
 */
import { checkImageParam, isHttpUrl } from './images';
import {
	CAMERA_CONFIG_KEYS,
	CAMERA_TYPES,
	FAKE_MODELS,
	type FakeModelId,
	type FakeModelSpec,
	type ParamSpec,
} from './model-specs';

export * from './model-specs';
export * from './images';

/** Result of {@link validateGenerationBody}: the model and the body, or the first rule broken. */
export type ValidationResult =
	| { ok: true; model: FakeModelSpec; params: Record<string, unknown> }
	| { ok: false; message: string };

function describe(value: unknown): string {
	if (value === null) return 'null';
	if (Array.isArray(value)) return 'an array';
	if (typeof value === 'string')
		return `the string ${JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value)}`;
	return `${typeof value} ${JSON.stringify(value)}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Length of a string in Unicode code points (what the pages call "characters"). */
export function codePointLength(text: string): number {
	let n = 0;
	for (const _ of text) n++;
	return n;
}

function checkCameraControl(value: unknown): string | undefined {
	if (!isPlainObject(value))
		return `camera_control: must be an object {type, config?}, got ${describe(value)}`;
	for (const key of Object.keys(value)) {
		if (key !== 'type' && key !== 'config')
			return `camera_control.${key}: unknown field (allowed: type, config)`;
	}
	const type = value.type;
	if (typeof type !== 'string' || !(CAMERA_TYPES as readonly string[]).includes(type)) {
		return `camera_control.type: must be one of ${CAMERA_TYPES.join(', ')}, got ${describe(type)}`;
	}
	const config = value.config;
	if (config === undefined) {
		return type === 'simple' ? 'camera_control.config: required when type is simple' : undefined;
	}
	if (!isPlainObject(config))
		return `camera_control.config: must be an object, got ${describe(config)}`;
	for (const key of Object.keys(config)) {
		if (!(CAMERA_CONFIG_KEYS as readonly string[]).includes(key)) {
			return `camera_control.config.${key}: unknown field (allowed: ${CAMERA_CONFIG_KEYS.join(', ')})`;
		}
	}
	let nonZero = 0;
	for (const key of CAMERA_CONFIG_KEYS) {
		const n = config[key];
		if (n === undefined)
			return `camera_control.config.${key}: required (all six of ${CAMERA_CONFIG_KEYS.join(', ')} must be given)`;
		if (typeof n !== 'number' || !Number.isFinite(n))
			return `camera_control.config.${key}: must be a number, got ${describe(n)}`;
		if (n < -10 || n > 10) return `camera_control.config.${key}: must be within -10..10, got ${n}`;
		if (n !== 0) nonZero++;
	}
	if (nonZero !== 1)
		return `camera_control.config: exactly one of ${CAMERA_CONFIG_KEYS.join(', ')} must be non-zero, got ${nonZero}`;
	return undefined;
}

function checkParam(name: string, spec: ParamSpec, value: unknown): string | undefined {
	if (value === null) return `${name}: must not be null (omit a parameter that is not set)`;
	if (value === '')
		return `${name}: must not be an empty string (omit a parameter that is not set)`;
	switch (spec.type) {
		case 'enum':
			if (typeof value !== 'string' || !spec.options.includes(value)) {
				return `${name}: must be one of the strings ${spec.options.map((o) => JSON.stringify(o)).join(', ')}, got ${describe(value)}`;
			}
			return undefined;
		case 'text': {
			if (typeof value !== 'string') return `${name}: must be a string, got ${describe(value)}`;
			const length = codePointLength(value);
			if (length < spec.minLength || length > spec.maxLength) {
				return `${name}: length must be between ${spec.minLength} and ${spec.maxLength} characters, got ${length}`;
			}
			return undefined;
		}
		case 'number':
			if (typeof value !== 'number' || !Number.isFinite(value))
				return `${name}: must be a number, got ${describe(value)}`;
			if (value < spec.min || value > spec.max)
				return `${name}: must be within ${spec.min}..${spec.max}, got ${value}`;
			return undefined;
		case 'watermark_info':
			if (!isPlainObject(value))
				return `${name}: must be an object {"enabled": boolean}, got ${describe(value)}`;
			for (const key of Object.keys(value)) {
				if (key !== 'enabled')
					return `${name}.${key}: unknown field (only "enabled"; custom watermarks are not supported)`;
			}
			if (typeof value.enabled !== 'boolean')
				return `${name}.enabled: must be a boolean, got ${describe(value.enabled)}`;
			return undefined;
		case 'camera_control':
			return checkCameraControl(value);
		case 'image':
			if (typeof value !== 'string')
				return `${name}: must be a string (URL or base64), got ${describe(value)}`;
			return checkImageParam(value);
		case 'url':
			if (typeof value !== 'string' || !isHttpUrl(value))
				return `${name}: must be an absolute http(s) URL, got ${describe(value)}`;
			return undefined;
		case 'id':
			if (typeof value !== 'string') return `${name}: must be a string, got ${describe(value)}`;
			return undefined;
	}
}

/**
 * Checks a create body (`{model, ...params}`) against the model's page, in this order: body is
 * an object; `model` is a known id; no parameter the page does not list; no null or empty string;
 * required parameters present; each parameter's type, options and range; the page's
 * cross-parameter rules (with the page's defaults filled in for omitted parameters). Returns the
 * first problem as `"<param>: <rule>"`, which the server sends as a 400 `invalid_parameter`.
 */
export function validateGenerationBody(body: unknown): ValidationResult {
	if (!isPlainObject(body))
		return {
			ok: false,
			message: `body: must be a JSON object {"model": ..., ...parameters}, got ${describe(body)}`,
		};
	const modelId = body.model;
	if (modelId === undefined)
		return {
			ok: false,
			message: `model: required (one of ${Object.keys(FAKE_MODELS).join(', ')})`,
		};
	if (typeof modelId !== 'string' || !Object.prototype.hasOwnProperty.call(FAKE_MODELS, modelId)) {
		return {
			ok: false,
			message: `model: unknown model ${describe(modelId)} (known: ${Object.keys(FAKE_MODELS).join(', ')})`,
		};
	}
	const model = FAKE_MODELS[modelId as FakeModelId];
	const params: Record<string, unknown> = {};
	for (const [name, value] of Object.entries(body)) {
		if (name === 'model') continue;
		if (!Object.prototype.hasOwnProperty.call(model.params, name)) {
			return {
				ok: false,
				message: `${name}: parameter not supported by model ${model.id} (its page lists: ${Object.keys(model.params).join(', ')})`,
			};
		}
		params[name] = value;
	}
	for (const name of model.required) {
		if (params[name] === undefined)
			return { ok: false, message: `${name}: required for model ${model.id}` };
	}
	for (const [name, value] of Object.entries(params)) {
		const problem = checkParam(name, model.params[name], value);
		if (problem) return { ok: false, message: problem };
	}
	const effective = effectiveParams(model, params);
	for (const rule of model.rules) {
		const problem = rule(effective);
		if (problem) return { ok: false, message: problem };
	}
	return { ok: true, model, params };
}

/** The request's parameters with each omitted one replaced by its page default, where the page gives one. */
export function effectiveParams(
	model: FakeModelSpec,
	params: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
	const out: Record<string, unknown> = { ...params };
	for (const [name, spec] of Object.entries(model.params)) {
		if (out[name] === undefined && 'default' in spec && spec.default !== undefined)
			out[name] = spec.default;
	}
	return out;
}

/** Fake price in USD per second of video, by mode (the pages publish no prices). */
export const USD_PER_SECOND: Readonly<Record<'std' | 'pro', number>> = { std: 0.07, pro: 0.14 };

/**
 * The fake's price of a task as the `usage.cost` string (USD, two decimals): seconds × rate × videos,
 * with the rate from {@link USD_PER_SECOND} by the effective mode (std when the model has none) and
 * seconds from the effective duration ("5" when omitted). E.g. 5 s std, one video → "0.35".
 */
export function costUsd(
	modelId: FakeModelId,
	params: Readonly<Record<string, unknown>>,
	videos = 1,
): string {
	const effective = effectiveParams(FAKE_MODELS[modelId], params);
	const seconds = effective.duration === '10' ? 10 : 5;
	const rate = effective.mode === 'pro' ? USD_PER_SECOND.pro : USD_PER_SECOND.std;
	return (Math.round(seconds * rate * videos * 100) / 100).toFixed(2);
}
